/**
 * A libvirt test-driver node that demands credentials (`<auth>`): libvirt's own authentication code path,
 * with no daemon. Rewriting the file changes the password the next connection expects.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const AUTH_NODE_VM_UUID = '5b1c7e2a-3d4f-4a6b-8c9d-0e1f2a3b4c01';

export async function writeAuthTestNode(dir: string, user: string, password: string): Promise<string> {
  const path = join(dir, 'auth-node.xml');
  await writeFile(
    path,
    `<?xml version="1.0"?>
<node>
  <auth><user password="${password}">${user}</user></auth>
  <cpu><mhz>1000</mhz><model>x86_64</model><active>2</active><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads></cpu>
  <memory>2097152</memory>
  <domain type="test">
    <name>guarded-vm</name>
    <uuid>${AUTH_NODE_VM_UUID}</uuid>
    <memory unit="MiB">256</memory>
    <vcpu>1</vcpu>
    <os><type arch="x86_64">hvm</type></os>
  </domain>
</node>
`,
  );
  return `test://${path}`;
}
