/**
 * The mark of a VM whose installer has not rebooted yet, kept in the VM's own definition (one element under
 * `<metadata>`, as vm tags are), so the watch that restarts it on its final configuration survives a Tandem
 * restart and needs no side database:
 *   <tandem-installer:installer xmlns:tandem-installer="https://tandem.dev/xmlns/installer/1" restart="once-on-reboot"/>
 * The deploy writes it into the persistent (final) definition; InstallerRebootWatch removes it when the
 * installer's VM stops, whatever the reason, before it restarts it (so it is restarted at most once).
 */
export const INSTALLER_NAMESPACE = 'https://tandem.dev/xmlns/installer/1';
/** The prefix libvirt writes the element with (virDomainSetMetadata's key). */
export const INSTALLER_PREFIX = 'tandem-installer';
export const INSTALLER_ELEMENT = 'installer';
export const INSTALLER_RESTART = 'once-on-reboot';
