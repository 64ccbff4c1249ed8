/** The selected VM's tags (kept in its own domain XML by main): remove with ×, add by typing and Enter. */
import { useState } from 'react';
import type { VmSummary } from '../../../preload/contract';
import { useStores } from '../stores/StoresContext';

export function VmTagsEditor({ vm }: { vm: VmSummary }) {
  const { vms } = useStores();
  const [draft, setDraft] = useState('');
  const tags = vm.tags ?? [];
  const ref = { hostId: vm.hostId, uuid: vm.uuid };
  const save = async (next: string[]) => vms.getState().setTags(ref, next);

  return (
    <div className="tags-editor" data-testid="vm-tags">
      {tags.length === 0 && <span className="muted">No tags. </span>}
      {tags.map((tag) => (
        <span key={tag} className="tag-chip">
          {tag}
          <button type="button" className="tag-remove" aria-label={`Remove tag ${tag}`} onClick={() => void save(tags.filter((t) => t !== tag))}>
            ×
          </button>
        </span>
      ))}
      <input
        className="input tag-input"
        placeholder="Add a tag…"
        aria-label="Add a tag"
        data-testid="vm-tag-input"
        value={draft}
        maxLength={32}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key !== 'Enter' || !draft.trim()) return;
          event.preventDefault();
          void save([...tags, draft.trim()]).then((ok) => ok && setDraft(''));
        }}
      />
    </div>
  );
}
