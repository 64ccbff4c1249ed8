/**
 * "Install from ISO" in the wizard's OS step (as virt-manager's "Local install media"): the installer ISOs in
 * the storage pools of the connected hosts (`provisioning.installMedia`, read fresh; Refresh reads again),
 * "any installer ISO of the OS a host stores", or a path typed by hand. The list is this form's own data, so
 * it lives here; the choice goes into the wizard's request (`os.installMedia`), and main checks it at the
 * field (missing, not an ISO) when the step is left.
 */
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { InstallMediaEntry } from '../../../preload/api/provisioning';
import { useStores, useWizard } from '../stores/StoresContext';
import { ANY_CHOICE, PATH_CHOICE, UNLISTED_CHOICE, choiceOf, entryKey, entryLabel, mediaOfEntry, mediaText } from './installMediaChoice';

interface Listing {
  loading: boolean;
  entries: InstallMediaEntry[];
  /** Hosts whose ISOs could not be listed, with why. */
  unavailable: string[];
  error?: string;
}

export function InstallMediaPicker() {
  const { wizard, client } = useStores();
  const media = useWizard((s) => s.draft.request.os.installMedia);
  const errors = useWizard((s) => s.errors);
  const [listing, setListing] = useState<Listing>({ loading: true, entries: [], unavailable: [] });
  const latest = useRef(0);
  const id = useId();

  const load = useCallback(async () => {
    const request = ++latest.current;
    setListing((l) => ({ ...l, loading: true, error: undefined }));
    try {
      const { media: entries, unavailable } = await client.call('provisioning.installMedia', {});
      if (request !== latest.current) return;
      setListing({ loading: false, entries, unavailable: unavailable.map((u) => `${u.hostName}: ${u.reason}`) });
    } catch (error) {
      if (request !== latest.current) return;
      setListing({ loading: false, entries: [], unavailable: [], error: error instanceof Error ? error.message : String(error) });
    }
  }, [client]);

  useEffect(() => {
    void load();
    // An answer that comes after the picker closed is dropped.
    return () => void ++latest.current;
  }, [load]);

  const choice = choiceOf(media, listing.entries);
  const choose = (value: string) => {
    const entry = listing.entries.find((e) => entryKey(e) === value);
    wizard.getState().updateRequest((r) => {
      const { installMedia: _previous, ...os } = r.os;
      if (value === ANY_CHOICE) return { ...r, os };
      if (value === PATH_CHOICE) return { ...r, os: { ...os, installMedia: { kind: 'path', path: '' } } };
      if (!entry) return r;
      // An ISO osinfo knows by its file name says which OS it installs; the user can still change it.
      return { ...r, os: { ...os, ...(entry.osinfoId ? { osinfoId: entry.osinfoId } : {}), installMedia: mediaOfEntry(entry) } };
    });
  };
  const setPath = (path: string) => wizard.getState().updateRequest((r) => ({ ...r, os: { ...r.os, installMedia: { kind: 'path', path } } }));
  const error = errors['os.installMedia'] ?? errors['os.installMedia.path'] ?? errors['os.installMedia.volume'] ?? errors['os.installMedia.pool'];
  const errorId = `${id}-error`;

  return (
    <div className="wizard-install-media" data-testid="install-media">
      <div className="wizard-row">
        <label className="wizard-field wide" htmlFor={`${id}-iso`}>
          Installer ISO
          <select
            id={`${id}-iso`}
            className="input"
            data-testid="field-iso"
            aria-invalid={!!error}
            {...(error ? { 'aria-describedby': errorId } : {})}
            value={choice}
            onChange={(e) => choose(e.target.value)}
          >
            <option value={ANY_CHOICE}>Any installer ISO of this OS a host stores (found by file name)</option>
            {listing.entries.map((entry) => (
              <option key={entryKey(entry)} value={entryKey(entry)}>
                {entryLabel(entry)}
              </option>
            ))}
            {choice === UNLISTED_CHOICE && media && <option value={UNLISTED_CHOICE}>{mediaText(media)} (on no connected host now)</option>}
            <option value={PATH_CHOICE}>A path on the host…</option>
          </select>
        </label>
        <button type="button" className="btn btn-small" data-testid="iso-refresh" disabled={listing.loading} onClick={() => void load()}>
          {listing.loading ? 'Reading…' : 'Refresh'}
        </button>
      </div>
      {media?.kind === 'path' && (
        <label className="wizard-field wide">
          Path of the ISO on the host
          <input
            className="input"
            data-testid="field-iso-path"
            placeholder="/var/lib/libvirt/images/debian-12.5.0-amd64-netinst.iso"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={!!error}
            {...(error ? { 'aria-describedby': errorId } : {})}
            value={media.path}
            onChange={(e) => setPath(e.target.value)}
          />
        </label>
      )}
      {error && (
        <span className="field-error" id={errorId} data-testid="error-os.installMedia">
          {error}
        </span>
      )}
      {listing.error && (
        <p className="field-error" role="alert">
          The ISOs could not be listed: {listing.error}
        </p>
      )}
      {!listing.loading && !listing.error && listing.entries.length === 0 && (
        <p className="muted" data-testid="iso-none">
          No ISO in the storage pools of the connected hosts: copy one into a pool's folder and refresh, or give its path.
        </p>
      )}
      {listing.unavailable.length > 0 && <p className="muted">Not listed: {listing.unavailable.join('; ')}.</p>}
      <p className="muted" data-testid="iso-note">
        The VM boots the installer from a read-only CD-ROM (its empty system disk next); the installation is done in its graphical
        console (VNC). When the installer reboots, Tandem starts the VM again from its disk, with the ISO ejected. An ISO stays on its
        host: the VM is placed there. Installers do not read cloud-init, so no account, applications or user-data are set up for you.
      </p>
    </div>
  );
}
