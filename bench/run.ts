/**
 * `npm run bench`: Tandem's benchmarks. Every figure is printed next to a baseline measured in the same run
 * on the same machine; no pass/fail thresholds (these machines are noisy), the ratios are what to watch.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTandem } from '../main/bootstrap/createTandem';
import { startServer } from '../main/server/TandemServer';
import { benchBinding } from './binding';
import { benchCheckpoints } from './checkpoints';
import { benchContractLatency } from './contractLatency';
import { benchDeltaEngine } from './deltaEngine';
import { benchInventoryFilter } from './inventoryFilter';
import { benchListAndRender } from './listAndRender';
import { benchProvisioning } from './provisioning';
import { benchMigration } from './migration';
import { benchDeploy } from './deploy';
import { benchSampler } from './sampler';
import { table } from './stats';

const ROOT = resolve(import.meta.dirname, '..');
const STATIC = join(ROOT, 'dist', 'renderer');

/** `npm run bench -- provisioning` (or `-- deploy`, `-- checkpoints`) runs only that section; no argument runs everything. */
const only = process.argv[2];

async function main() {
  process.env.TANDEM_LOG_LEVEL ??= 'error';
  const work = await mkdtemp(join(tmpdir(), 'tandem-bench-'));
  try {
    console.log(`Tandem benchmarks: Node ${process.version}, ${new Date().toISOString()}\n`);
    if (only === 'deploy') {
      console.log('Template to running domain, linked clone (Tandem deploy vs virt-install --import, same run)');
      const deploy = await benchDeploy();
      console.log('skipped' in deploy ? `skipped: ${deploy.skipped}` : table(deploy.rows));
      return;
    }
    if (only === 'checkpoints') {
      await printCheckpoints();
      return;
    }
    if (only === 'provisioning') {
      console.log('Provisioning core (the installed osinfo db; synthetic hosts and requests, fixed seed)');
      console.log(table(await benchProvisioning()));
      return;
    }

    const tandem = await createTandem({ mode: 'headless', dataDir: join(work, 'latency'), demo: 'always', localUri: null });
    await tandem.ready();
    const server = await startServer({ tandem, staticDir: STATIC });
    console.log('Contract call round trip (2,000 calls each, demo host)');
    console.log(table(await benchContractLatency(tandem, server)));
    await server.close();
    await tandem.dispose();

    console.log('\nList and render 1,000 VMs (libvirt test driver; median of 5)');
    console.log(table(await benchListAndRender(work, STATIC)));

    console.log('\nSampler overhead: main-process CPU, 500 running VMs (test driver) at a 2 s interval, vs idle (5 windows of 10 s each, alternating)');
    console.log(table(await benchSampler(work)));

    console.log('\nFilter and sort 5,000 VMs in Chromium, per keystroke / click (budget: one 60 Hz frame)');
    console.log(table(await benchInventoryFilter(work, STATIC)));

    console.log('\nThe libvirt binding (test driver)');
    console.log(table(await benchBinding()));

    const delta = await benchDeltaEngine();
    console.log('\nDelta engine: chunk + hash throughput, 256 MiB memory-stream-like buffer (median of 5), vs memcpy');
    console.log(table(delta.throughput));
    console.log('\nMemory state size: delta against the parent checkpoint vs full (synthetic 128 MiB guest, QEMU stream layout)');
    console.log(table(delta.size));

    console.log('\nProvisioning core (the installed osinfo db; synthetic hosts and requests, fixed seed)');
    console.log(table(await benchProvisioning()));
    console.log('\nLive migration of the tiny test-bed guest (Tandem vs virsh, same options, same run)');
    const migration = await benchMigration();
    console.log('skipped' in migration ? `skipped: ${migration.skipped}` : table(migration.rows));
    console.log('\nTemplate to running domain, linked clone, on the tiny test-bed guest (Tandem deploy vs virt-install --import, same run)');
    const deploy = await benchDeploy();
    console.log('skipped' in deploy ? `skipped: ${deploy.skipped}` : table(deploy.rows));

    await printCheckpoints();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function printCheckpoints(): Promise<void> {
  console.log('\nCheckpoints of the tiny test-bed guest: stun by method (libvirt non-live, libvirt live, QEMU background snapshot), same guest, interleaved rounds, medians');
  const checkpoints = await benchCheckpoints();
  if ('skipped' in checkpoints) {
    console.log(`skipped: ${checkpoints.skipped}`);
    return;
  }
  console.log(table(checkpoints.methods));
  console.log('\nBackground snapshot stun as guest memory grows (idle guest), non-live beside it');
  console.log(table(checkpoints.growth));
  console.log('\nMemory stored (sealed delta vs plain) and revert time, background snapshots');
  console.log(table(checkpoints.sizes));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
