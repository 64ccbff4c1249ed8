/**
 * A Tandem checkpoint engine in a child process, for the crash tests: runs one operation against the test
 * bed and is SIGKILLed by the test when TANDEM_CHECKPOINT_HALT_AT stops it at a journaled step.
 * argv: <libvirt uri> <data dir> <vm uuid> take <name> | revert <checkpoint id> | delete <checkpoint id> | commit fold|copy
 * TANDEM_TEST_SEALED_MEMORY=1: the app's sealed memory states (the keychain of the environment it inherits).
 */
import { KeychainMemoryKeyProvider } from '../../../main/core/checkpoints/MemoryKeyProvider';
import { KeyringSecretStore } from '../../../main/drivers/keyring/KeyringSecretStore';
import { SealedMemoryStateStore } from '../../../main/drivers/memoryState/SealedMemoryStateStore';
import { openConnection } from '../../../native-helpers/libvirt/lib/index';
import { checkpointEngine, HOST_ID } from './checkpointFixture';

const [uri, dataDir, uuid, op, arg] = process.argv.slice(2);
if (!uri || !dataDir || !uuid || !op || !arg) throw new Error('usage: checkpointCrashChild <uri> <dataDir> <uuid> take <name> | revert <id> | delete <id> | commit fold|copy');
const conn = await openConnection(uri);
const engine = checkpointEngine(
  conn,
  dataDir,
  process.env.TANDEM_TEST_SEALED_MEMORY === '1' ? new SealedMemoryStateStore(new KeychainMemoryKeyProvider(new KeyringSecretStore())) : undefined,
);
const vm = { hostId: HOST_ID, uuid };
if (op === 'take') await engine.take(vm, { name: arg });
else if (op === 'revert') await engine.revert(vm, arg);
else if (op === 'delete') await engine.delete(vm, arg);
else await engine.commit(vm, { mode: arg === 'copy' ? 'copy' : 'fold' });
process.stderr.write('tandem-checkpoint-child-done\n');
await conn.close();
