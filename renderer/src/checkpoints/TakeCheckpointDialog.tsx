/**
 * "Take checkpoint": name, description, and for a running VM memory + disks or disks only (quiesced through
 * the guest agent when it answers). One dialog for the checkpoint view and the VM context menu; it follows
 * the VM's live state (a VM that stops while it is open is offered disks only).
 */
import { useEffect, useId, useState } from 'react';
import { useStore } from 'zustand';
import type { VmRef } from '../../../preload/contract';
import { useFocusReturn } from '../shell/useFocusReturn';
import { useStores, useVms } from '../stores/StoresContext';
import { vmKey } from '../stores/vmsStore';
import './checkpoints.css';

/** The open take dialog, if any (rendered once by the shell). */
export function TakeCheckpointDialogHost() {
  const { checkpoints } = useStores();
  const ref = useStore(checkpoints, (s) => s.takeDialog);
  if (!ref) return null;
  return <TakeCheckpointDialog key={vmKey(ref)} vmRef={ref} onClose={() => checkpoints.getState().closeTakeDialog()} />;
}

/** A default name a user can keep: when, to the minute (virt-manager proposes a timestamp too). */
function defaultName(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}`;
}

export function TakeCheckpointDialog({ vmRef, onClose: close }: { vmRef: VmRef; onClose: () => void }) {
  const { checkpoints } = useStores();
  const onClose = useFocusReturn(close);
  const vm = useVms((s) => s.vms[vmKey(vmRef)]);
  const busy = useStore(checkpoints, (s) => s.busy[vmKey(vmRef)]);
  // Opened from the context menu, the VM's tree may not be loaded yet: it says whether checkpoints are refused here.
  const loaded = useStore(checkpoints, (s) => vmKey(vmRef) in s.trees);
  const unavailable = useStore(checkpoints, (s) => s.trees[vmKey(vmRef)]?.unavailableReason ?? null);
  const [name, setName] = useState(() => defaultName(new Date()));
  const [description, setDescription] = useState('');
  const [diskOnly, setDiskOnly] = useState(false);
  const [quiesce, setQuiesce] = useState(true);
  const titleId = useId();

  useEffect(() => {
    if (!loaded) void checkpoints.getState().load(vmRef);
  }, [checkpoints, loaded, vmRef]);

  const running = vm?.state === 'running';
  const takeable = running || vm?.state === 'shutoff';
  const reason = !vm ? 'This VM is gone.' : unavailable ? unavailable : !takeable ? `A checkpoint needs a running or shut-off VM; ${vm.name} is ${vm.state}.` : busy ? `A checkpoint ${busy} is running on ${vm.name}.` : null;

  const submit = () => {
    if (reason || !name.trim()) return;
    const options = {
      ...(description.trim() ? { description: description.trim() } : {}),
      ...(running ? { diskOnly, ...(diskOnly ? { quiesce } : {}) } : {}),
    };
    void checkpoints.getState().take(vmRef, name.trim(), options);
    onClose();
  };

  return (
    <div className="dialog-backdrop" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <form
        className="dialog checkpoint-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="checkpoint-dialog"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <h2 id={titleId}>Take a checkpoint of {vm?.name ?? 'the VM'}</h2>
        <label>
          Name
          <input data-testid="checkpoint-dialog-name" autoFocus maxLength={100} required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Description
          <textarea data-testid="checkpoint-dialog-description" maxLength={2000} rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        {running ? (
          <fieldset>
            <legend>What to keep</legend>
            <label className="inline">
              <input type="radio" name="checkpoint-kind" checked={!diskOnly} onChange={() => setDiskOnly(false)} /> Memory and disks: a revert resumes the VM
              where it was (it pauses only briefly now)
            </label>
            <label className="inline">
              <input type="radio" name="checkpoint-kind" data-testid="checkpoint-dialog-disk-only" checked={diskOnly} onChange={() => setDiskOnly(true)} /> Disks
              only, crash-consistent: a revert leaves the VM shut off
            </label>
            <label className="inline">
              <input type="checkbox" data-testid="checkpoint-dialog-quiesce" disabled={!diskOnly} checked={quiesce} onChange={(e) => setQuiesce(e.target.checked)} />
              Freeze the guest&apos;s file systems first when its guest agent answers (quiesce)
            </label>
          </fieldset>
        ) : (
          takeable && <p className="muted">The VM is shut off: its disks are kept (and its TPM state, if it has one).</p>
        )}
        {reason && (
          <p className="checkpoint-dialog-blocker" role="alert">
            {reason}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" data-testid="checkpoint-dialog-cancel" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" data-testid="checkpoint-dialog-take" disabled={!!reason || !name.trim()}>
            Take checkpoint
          </button>
        </div>
      </form>
    </div>
  );
}
