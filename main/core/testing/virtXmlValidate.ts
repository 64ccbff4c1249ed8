/** libvirt's own RelaxNG schemas (virt-xml-validate, package libvirt-clients), for tests of generated XML. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Rejects with virt-xml-validate's message when `xml` is not a valid `schema` ("domain", "network"...). */
export async function virtXmlValidate(xml: string, schema = 'domain'): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-xml-validate-'));
  try {
    await writeFile(join(dir, `${schema}.xml`), xml);
    await execFileAsync('virt-xml-validate', [join(dir, `${schema}.xml`), schema]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
