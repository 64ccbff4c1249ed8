import { describe, expect, it } from 'vitest';
import { createContractClient } from '../../../preload/client';
import type { CredentialRequest } from '../../../preload/contract';
import { createMemoryTransport } from '../testing/memoryTransport';
import { createCredentialsStore } from './credentialsStore';
import { createToastStore } from './toastStore';

const request = (n: number): CredentialRequest => ({
  requestId: `00000000-0000-4000-8000-00000000000${n}`,
  hostId: 'lab',
  hostName: 'Lab',
  uri: 'qemu+ssh://me@lab/system',
  fields: [{ kind: 'passphrase', prompt: 'Password', secret: true }],
  canRemember: true,
});

describe('credentialsStore', () => {
  it('queues requests from events and the initial list, sends answers, and drops closed requests', async () => {
    const memory = createMemoryTransport();
    memory.reply('credentials.pending', () => [request(1)]);
    memory.reply('credentials.answer', () => null);
    const store = createCredentialsStore(createContractClient(memory.transport), createToastStore({ autoDismissMs: 0 }));
    await store.getState().load();
    memory.emit('credentials.requested', request(2));
    memory.emit('credentials.requested', request(3));
    expect(store.getState().requests.map((r) => r.requestId.at(-1))).toEqual(['1', '2', '3']);
    await store.getState().answer(request(1).requestId, ['pw'], true);
    expect(memory.calls.at(-1)).toMatchObject({ method: 'credentials.answer', args: { requestId: request(1).requestId, values: ['pw'], remember: true } });
    memory.emit('credentials.closed', { requestId: request(2).requestId, reason: 'timed-out' });
    expect(store.getState().requests.map((r) => r.requestId.at(-1))).toEqual(['3']);
    await store.getState().cancel(request(3).requestId);
    expect(memory.calls.at(-1)).toMatchObject({ args: { requestId: request(3).requestId, cancel: true } });
    expect(store.getState().requests).toEqual([]);
    store.dispose();
  });
});
