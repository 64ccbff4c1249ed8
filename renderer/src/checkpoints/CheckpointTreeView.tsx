/**
 * The VM detail panel's checkpoints: the tree (parent -> children, the current one marked, size and stun
 * time of each), and take / revert / delete / commit, each destructive one confirmed with what it loses.
 * When the engine refuses them for this VM whatever its state (a host on another machine), they are
 * disabled and the panel says why.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { CheckpointInfo, CheckpointTree } from '../../../preload/api/checkpoints';
import type { VmSummary } from '../../../preload/contract';
import { formatBytes } from '../format';
import { memoryNote } from './memoryNote';
import { useStores } from '../stores/StoresContext';
import { vmKey } from '../stores/vmsStore';
import './checkpoints.css';

type Pending =
  | { kind: 'revert'; checkpoint: CheckpointInfo }
  | { kind: 'delete'; checkpoint: CheckpointInfo }
  | { kind: 'commit'; mode: 'fold' | 'copy' };

const COMMIT_BUTTONS: ReadonlyArray<{ mode: 'fold' | 'copy'; label: string }> = [
  { mode: 'fold', label: 'Commit into base disks' },
  { mode: 'copy', label: 'Commit to a copy' },
];

export function CheckpointTreeView({ vm }: { vm: VmSummary }) {
  const { checkpoints } = useStores();
  const ref = { hostId: vm.hostId, uuid: vm.uuid };
  const key = vmKey(vm);
  const tree = useStore(checkpoints, (s) => s.trees[key]);
  const busy = useStore(checkpoints, (s) => s.busy[key]);
  const [pending, setPending] = useState<Pending | null>(null);

  useEffect(() => {
    void checkpoints.getState().load({ hostId: vm.hostId, uuid: vm.uuid });
  }, [checkpoints, vm.hostId, vm.uuid]);

  const running = vm.state === 'running';
  const unavailable = tree?.unavailableReason ?? null;
  const confirm = pending ? confirmText(pending, tree, vm.name) : null;

  return (
    <section className="detail-section" data-testid="checkpoints" aria-label="Checkpoints">
      <h3>Checkpoints {busy && <span className="spinner spinner-inline" role="status" aria-label={`Checkpoint ${busy} in progress`} />}</h3>
      {unavailable && (
        <p className="checkpoint-unavailable" data-testid="checkpoint-unavailable">
          {unavailable}
        </p>
      )}
      <div className="checkpoint-take">
        <button
          type="button"
          className="btn btn-small"
          data-testid="checkpoint-take"
          aria-haspopup="dialog"
          disabled={!!busy || !!unavailable || !(running || vm.state === 'shutoff')}
          title={unavailable ?? undefined}
          onClick={() => checkpoints.getState().openTakeDialog(ref)}
        >
          Take checkpoint…
        </button>
      </div>

      {confirm && pending && (
        <div className="vm-confirm" role="alertdialog" aria-label="Confirm checkpoint operation" data-testid="checkpoint-confirm">
          <p>{confirm}</p>
          <button
            type="button"
            className="btn btn-danger"
            data-testid="checkpoint-confirm-ok"
            autoFocus
            onClick={() => {
              setPending(null);
              const state = checkpoints.getState();
              if (pending.kind === 'revert') void state.revert(ref, pending.checkpoint.id);
              else if (pending.kind === 'delete') void state.remove(ref, pending.checkpoint.id);
              else void state.commit(ref, pending.mode);
            }}
          >
            {pending.kind === 'commit' ? 'Commit' : pending.kind === 'revert' ? 'Revert' : 'Delete'}
          </button>
          <button type="button" className="btn" onClick={() => setPending(null)}>
            Cancel
          </button>
        </div>
      )}

      {!tree || tree.checkpoints.length === 0 ? (
        <p className="muted">No checkpoints.</p>
      ) : (
        <>
          <ul className="checkpoint-tree" data-testid="checkpoint-tree">
            {tree.checkpoints
              .filter((c) => c.parentId === null)
              .map((c) => (
                <Node key={c.id} tree={tree} checkpoint={c} disabled={!!busy || !!unavailable} why={unavailable} onAsk={setPending} />
              ))}
          </ul>
          <div className="vm-actions">
            {COMMIT_BUTTONS.map(({ mode, label }) => (
              <button
                key={mode}
                type="button"
                className="btn btn-small"
                data-testid={`checkpoint-commit-${mode}`}
                disabled={!!busy || !!unavailable}
                title={unavailable ?? undefined}
                onClick={() => setPending({ kind: 'commit', mode })}
              >
                {label}
              </button>
            ))}
          </div>
        </>
      )}
    </section>
  );
}

/** `why`: the reason its actions are refused, shown on them (null: none). */
function Node({ tree, checkpoint, disabled, why, onAsk }: { tree: CheckpointTree; checkpoint: CheckpointInfo; disabled: boolean; why: string | null; onAsk: (p: Pending) => void }): ReactNode {
  const children = tree.checkpoints.filter((c) => c.parentId === checkpoint.id);
  const memory = memoryNote(checkpoint, (id) => tree.checkpoints.find((c) => c.id === id)?.name ?? 'a deleted checkpoint');
  return (
    <li data-testid={`checkpoint-${checkpoint.name}`}>
      <div className={checkpoint.current ? 'checkpoint current' : 'checkpoint'}>
        <strong>{checkpoint.name}</strong>
        {checkpoint.current && <span className="badge"> you are here</span>}
        <span className="muted">
          {' '}
          {new Date(checkpoint.createdAt).toLocaleString()} · {checkpoint.kind === 'memory' ? 'memory + disks' : checkpoint.quiesced ? 'disks (quiesced)' : 'disks'}
          {checkpoint.tpmStateFile ? ' + TPM state' : ''} ·{' '}
          {checkpoint.sizeBytes === null ? 'size unknown' : formatBytes(checkpoint.sizeBytes)} · stun {checkpoint.stunMs === null ? 'none' : `${Math.round(checkpoint.stunMs)} ms`}
          {checkpoint.memoryMethod === 'background-snapshot' ? ' (background snapshot)' : checkpoint.memoryMethod === 'live-snapshot' ? ' (live snapshot)' : ''}
        </span>
        {memory && (
          <div className="muted" data-testid={`checkpoint-memory-${checkpoint.name}`}>
            {memory}
          </div>
        )}
        {checkpoint.description && <div className="muted">{checkpoint.description}</div>}
        <button type="button" className="btn btn-small" data-testid={`checkpoint-revert-${checkpoint.name}`} disabled={disabled} title={why ?? undefined} onClick={() => onAsk({ kind: 'revert', checkpoint })}>
          Revert
        </button>
        <button type="button" className="btn btn-small" data-testid={`checkpoint-delete-${checkpoint.name}`} disabled={disabled} title={why ?? undefined} onClick={() => onAsk({ kind: 'delete', checkpoint })}>
          Delete
        </button>
      </div>
      {children.length > 0 && (
        <ul>
          {children.map((c) => (
            <Node key={c.id} tree={tree} checkpoint={c} disabled={disabled} why={why} onAsk={onAsk} />
          ))}
        </ul>
      )}
    </li>
  );
}

function confirmText(pending: Pending, tree: CheckpointTree | undefined, vmName: string): string {
  const current = tree?.checkpoints.find((c) => c.current);
  if (pending.kind === 'revert') {
    const since = current ? `since checkpoint “${current.name}”` : 'since its last checkpoint';
    const after = pending.checkpoint.kind === 'memory' ? `${vmName} then continues from “${pending.checkpoint.name}”.` : `${vmName} is left shut off with the disks of “${pending.checkpoint.name}”.`;
    return `Revert ${vmName} to “${pending.checkpoint.name}”? The VM is stopped and everything it did ${since} is lost; other checkpoints stay. ${after}`;
  }
  if (pending.kind === 'delete') {
    return `Delete checkpoint “${pending.checkpoint.name}”? You can no longer go back to it (its memory state is removed, its disk changes are merged into the checkpoints after it). Other checkpoints stay.`;
  }
  const count = tree?.checkpoints.length ?? 0;
  return pending.mode === 'fold'
    ? `Commit ${vmName}’s current state into its base disks? All ${count} checkpoint(s) are deleted and the base disks are overwritten with the current state.`
    : `Commit ${vmName}’s current state to a new standalone disk copy? All ${count} checkpoint(s) are deleted; the base disks stay as they were before the first checkpoint.`;
}
