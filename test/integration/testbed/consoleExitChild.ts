/**
 * Child process of binding-streams.test.ts: opens a running domain's console (FORCE), reads one line, closes
 * the stream (argv[4]: 'end' or 'destroy') and the connection, and then must exit by itself: a closed
 * stream must not keep Node alive. Usage: consoleExitChild.ts <uri> <domain> <end|destroy>
 */
import { openConnection, openConsoleStream, virDomainConsoleFlags } from '../../../native-helpers/libvirt/lib/index';

const [uri, name, mode] = process.argv.slice(2);
const conn = await openConnection(uri!);
const stream = await openConsoleStream(
  await conn.lookupDomainByName(name!),
  null,
  virDomainConsoleFlags.VIR_DOMAIN_CONSOLE_FORCE,
);
await new Promise<void>((resolve) => stream.on('data', (chunk: Buffer) => chunk.includes(10) && resolve()));
if (mode === 'end') stream.end();
else stream.destroy();
await new Promise((resolve) => stream.once('close', resolve));
await conn.close();
process.stdout.write('closed\n');
