import type { checkpointsMethods } from '../../../preload/api/checkpoints';
import type { CheckpointEngine } from '../../core/checkpoints/CheckpointEngine';
import type { HandlersFor } from './HandlerTypes';

export interface CheckpointsHandlerDeps {
  checkpoints: CheckpointEngine;
}

export function checkpointsHandlers({ checkpoints }: CheckpointsHandlerDeps): HandlersFor<typeof checkpointsMethods> {
  return {
    'checkpoints.list': async ({ hostId, uuid }) => checkpoints.list({ hostId, uuid }),
    'checkpoints.take': async ({ hostId, uuid, name, description, diskOnly, quiesce }) =>
      checkpoints.take(
        { hostId, uuid },
        { name, ...(description !== undefined ? { description } : {}), ...(diskOnly !== undefined ? { diskOnly } : {}), ...(quiesce !== undefined ? { quiesce } : {}) },
      ),
    'checkpoints.revert': async ({ hostId, uuid, checkpointId }) => checkpoints.revert({ hostId, uuid }, checkpointId),
    'checkpoints.delete': async ({ hostId, uuid, checkpointId }) => checkpoints.delete({ hostId, uuid }, checkpointId),
    'checkpoints.commit': async ({ hostId, uuid, mode }) => checkpoints.commit({ hostId, uuid }, { mode }),
  };
}
