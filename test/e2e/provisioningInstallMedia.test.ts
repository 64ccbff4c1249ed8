/**
 * "Install from ISO" in the New VM wizard, in Chromium, on the demo host (libvirt's test driver; its pool holds
 * a Debian 11 netinst ISO): the picker lists it, a path that is not absolute, not there or not an ISO, and an
 * account with an installer are refused at their field (the path field is reached and filled from the
 * keyboard, and names its error); the review shows the CD-ROM and the empty disk, the domain XML that boots the
 * disk (drive ejected) and the installer's first run that boots the CD-ROM first, no seed. Deploying follows the job to its end (the test driver
 * refuses to allocate new volumes, so it fails at the first disk, as deploys there do) and leaves the ISO
 * listed. Deploys that boot an ISO are tested on the QEMU test bed (test/integration/testbed/deployInstallMedia.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { demoHostSuite } from './demoHostSuite';

/** The first provisioning call loads the osinfo database (1-2 s of CPU on a shared machine). */
const POLL = { timeout: 15_000 };
const NETINST = 'debian-11.5.0-amd64-netinst.iso';
const NETINST_OPTION = `${NETINST} on Demo host (pool default, 389 MiB, Debian 11)`;

describe('installing from an ISO in the New VM wizard, in Chromium, on the demo host', () => {
  const demo = demoHostSuite();
  const byId = demo.byId;
  const isoOptions = () => byId('field-iso').locator('option').allInnerTexts();

  async function openIsoCompose(name: string): Promise<void> {
    await byId('new-vm').click();
    await byId('compose-blank').click();
    await byId('field-name').fill(name);
    await byId('field-os-source').selectOption('install-media');
    await expect.poll(isoOptions, POLL).toContain(NETINST_OPTION);
  }

  it('picks the ISO from the hosts, refuses bad media and an account at their field, and reviews the CD-ROM and the empty disk', async () => {
    await openIsoCompose('from-iso');
    // Choosing the ISO osinfo knows sets the OS it installs.
    await byId('field-iso').selectOption({ label: NETINST_OPTION });
    expect(await byId('field-os').inputValue()).toBe('debian11');

    // A path typed by hand, from the keyboard: the last choice, then Tab past Refresh to the path field.
    await byId('field-iso').focus();
    await demo.page.keyboard.press('End');
    await expect.poll(() => byId('field-iso-path').count(), POLL).toBe(1);
    await demo.page.keyboard.press('Tab');
    await demo.page.keyboard.press('Tab');
    expect(await demo.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('field-iso-path');
    await demo.page.keyboard.type('netinst.iso');
    await byId('wizard-next').click();
    await expect.poll(() => byId('error-os.installMedia').innerText(), POLL).toMatch(/an absolute path/);
    // The field names its error for assistive technology.
    expect(await byId('field-iso-path').getAttribute('aria-describedby')).toBe(await byId('error-os.installMedia').getAttribute('id'));
    await byId('field-iso-path').fill('/var/lib/libvirt/images/web-frontend.qcow2');
    await byId('wizard-next').click();
    await expect.poll(() => byId('error-os.installMedia').innerText(), POLL).toBe('/var/lib/libvirt/images/web-frontend.qcow2 is not an ISO image (libvirt reads it as qcow2)');
    await byId('field-iso-path').fill('/var/lib/libvirt/images/gone.iso');
    await byId('wizard-next').click();
    await expect.poll(() => byId('error-os.installMedia').innerText(), POLL).toMatch(/^ISO \/var\/lib\/libvirt\/images\/gone\.iso not found: there is no file/);
    expect(await byId('wizard-step-compose').count()).toBe(1);

    // An installer reads no cloud-init: an account is refused rather than silently not created.
    await byId('field-iso').selectOption({ label: NETINST_OPTION });
    await byId('field-username').fill('alice');
    await byId('wizard-next').click();
    await expect.poll(() => byId('error-account.username').innerText(), POLL).toMatch(/does not read cloud-init: create the account in the installer/);
    await byId('field-username').fill('');
    await byId('wizard-next').click();
    await byId('wizard-step-apps').waitFor();
    await byId('apps-iso-note').waitFor();
    await byId('wizard-next').click();

    await byId('wizard-step-review').waitFor();
    await expect.poll(() => byId('placement-explanation').innerText(), POLL).toMatch(/^Demo host: takes the VM exactly as asked/);
    expect(await byId('review-install-media').innerText()).toMatch(
      new RegExp(`^default/${NETINST.replace(/\./g, '\\.')}: a read-only CD-ROM, booted before the disk on the first run; when the installer reboots, Tandem starts the VM again from its disk\\. No cloud-init seed`),
    );
    expect(await byId('review-disks').innerText()).toBe('20 GiB virtio (empty)');
    await demo.page.locator('[data-testid="review-xml"] summary').click();
    await expect.poll(() => byId('review-xml-text').innerText(), POLL).toMatch(/^<domain /);
    // The definition boots the disk, the drive ejected; the installer's first run boots the ISO first.
    const xml = await byId('review-xml-text').innerText();
    expect(xml).toContain('<boot dev="hd"/></os>');
    expect(xml).toContain('<disk type="file" device="cdrom"><driver name="qemu" type="raw"/><target dev="sda" bus="sata"/><readonly/></disk>');
    expect(xml).toContain('https://tandem.dev/xmlns/installer/1');
    expect(xml).toContain('<source pool="default" volume="from-iso-disk0.qcow2"/>');
    expect(xml).not.toContain('seed.iso');
    expect(xml).toContain('<graphics type="vnc"');
    const firstBoot = await byId('review-first-boot-xml-text').innerText();
    expect(firstBoot).toContain('<boot dev="cdrom"/><boot dev="hd"/>');
    expect(firstBoot).toContain('<on_reboot>destroy</on_reboot>');
    expect(firstBoot).toMatch(new RegExp(`<disk type="volume" device="cdrom"><driver name="qemu" type="raw"/><source pool="default" volume="${NETINST}"/><target dev="sda" bus="sata"/><readonly/></disk>`));

    // Deploy: the job is followed to its end; whatever happened, the user's ISO is still there.
    await byId('wizard-deploy').click();
    const job = demo.page.locator('[data-testid="deploy-status"] .job');
    await expect.poll(() => job.getAttribute('data-state'), POLL).toMatch(/^(succeeded|failed)$/);
    await demo.page.keyboard.press('Escape');
    await byId('wizard').waitFor({ state: 'detached' });
    await openIsoCompose('after-deploy');
    await byId('iso-refresh').click();
    await expect.poll(isoOptions, POLL).toContain(NETINST_OPTION);
    await demo.page.keyboard.press('Escape');
    expect(demo.errors).toEqual([]);
  });
});
