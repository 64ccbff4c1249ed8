/**
 * Labs: a private network and several VMs on it, as ONE job with one combined progress. Built on the
 * Deployer: each VM is planned by it (every field error before anything exists, named `vms.N.<field>`) and
 * created and started by its steps, all objects on one rollback list with the network first, so a failure or
 * cancel anywhere removes every VM, volume and the network. The VMs' addresses are awaited together once all
 * run (one bounded wait, not one per VM in turn).
 */
import { ConflictError, HostUnreachableError, InvalidInputError, NotFoundError, TandemError } from '../../errors';
import type { JobContext, JobRegistry, JobSnapshot } from '../../jobs/JobRegistry';
import type { NetworkService } from '../../networks/NetworkService';
import { DEPLOY_STEPS, type DeployPlan, type Deployer, type RollbackList, type StartedVm } from './Deployer';
import type { DeployReport } from './deploySchemas';
import { LabRequestSchema, type LabReport, type LabRequestInput } from './labSchemas';

export interface LabDeployerDeps {
  jobs: Pick<JobRegistry, 'start'>;
  deployer: Pick<Deployer, 'plan' | 'createAndStart' | 'awaitAddress' | 'rollBack'>;
  networks: Pick<NetworkService, 'prepare' | 'define' | 'remove'>;
}

export class LabDeployer {
  constructor(private readonly deps: LabDeployerDeps) {}

  async deploy(raw: LabRequestInput): Promise<JobSnapshot> {
    const parsed = LabRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new InvalidInputError('lab.invalid', `${issue.path.join('.') || 'request'}: ${issue.message}`, { details: { field: issue.path.join('.') } });
    }
    const lab = parsed.data;
    const names = lab.vms.map((vm) => vm.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i) throw new ConflictError('lab.duplicate-name', `Two VMs of the lab are named "${name}"`, { details: { field: `vms.${i}.name` } });
    });
    if (lab.gateway && !names.includes(lab.gateway.vm)) {
      throw new InvalidInputError('lab.no-gateway-vm', `The gateway "${lab.gateway.vm}" is none of the lab's VMs`, { details: { field: 'gateway.vm' } });
    }
    const network = await withField('', () =>
      this.deps.networks.prepare({
        hostId: lab.hostId,
        name: lab.name,
        mode: lab.mode,
        subnet: lab.subnet,
        ...(lab.bridge ? { bridge: lab.bridge } : {}),
        ...(lab.forwardDevice !== undefined ? { forwardDevice: lab.forwardDevice } : {}),
      }),
    );
    const plans: DeployPlan[] = [];
    for (const [i, vm] of lab.vms.entries()) {
      const uplink = lab.gateway?.vm === vm.name ? [{ network: lab.gateway.uplink, model: 'virtio' as const }] : [];
      const request = { ...vm.request, hardware: { ...vm.request.hardware, nics: [...uplink, ...vm.request.hardware.nics] } };
      const plan = await withField(`vms.${i}.`, () => this.deps.deployer.plan({ ...vm, hostId: lab.hostId, request }));
      // The lab network does not exist yet, so it joins the NICs after the plan checked the others.
      plan.input.request.hardware.nics.push({ network: lab.name, model: 'virtio' });
      plans.push(plan);
    }
    return this.deps.jobs.start(
      { kind: 'deploy-lab', title: `Deploy lab ${lab.name}`, targets: plans.map((p) => ({ hostId: lab.hostId, uuid: p.uuid })) },
      (ctx) => this.run(lab.hostId, lab.name, network, plans, ctx) as unknown as Promise<Record<string, unknown>>,
    );
  }

  private async run(
    hostId: string,
    name: string,
    network: Awaited<ReturnType<NetworkService['prepare']>>,
    plans: DeployPlan[],
    ctx: JobContext,
  ): Promise<LabReport> {
    const rollback: RollbackList = [];
    // The network, each VM's steps up to its start, then every VM's address (awaited together at the end).
    const perVm = DEPLOY_STEPS.length - 1;
    const total = 1 + plans.length * DEPLOY_STEPS.length;
    try {
      ctx.report({ phase: `creating the network ${name}`, fraction: 0, figures: { vm: 0, vms: plans.length } });
      try {
        await this.deps.networks.define(network);
        rollback.push({ what: `network ${name}`, undo: () => this.deps.networks.remove(hostId, name) });
      } catch (error) {
        // The host went away under the call: the network may exist (its reply was lost), so it is undone too.
        if (error instanceof HostUnreachableError) {
          rollback.push({ what: `network ${name} (if the host created it)`, undo: () => ignoreNotFound(() => this.deps.networks.remove(hostId, name)) });
        }
        throw error;
      }
      const started: StartedVm[] = [];
      for (const [i, plan] of plans.entries()) {
        const vm = await this.deps.deployer.createAndStart(plan, ctx.signal, rollback, (label, phase, step) =>
          ctx.report({
            phase: `VM ${i + 1} of ${plans.length} (${plan.input.name}): ${phase}`,
            fraction: (1 + i * perVm + step) / total,
            figures: { vm: i + 1, vms: plans.length, step: label },
          }),
        );
        started.push(vm);
      }
      let known = 0;
      const addressing = (): void =>
        ctx.report({
          phase: `waiting for the guests' addresses (${known} of ${plans.length} known)`,
          fraction: (1 + plans.length * perVm + known) / total,
          figures: { vm: plans.length, vms: plans.length, step: 'address', addresses: known },
        });
      addressing();
      const reports: DeployReport[] = await Promise.all(
        started.map(async (vm) => {
          const report = await this.deps.deployer.awaitAddress(vm, ctx.signal);
          if (report.address !== null) {
            known++;
            addressing();
          }
          return report;
        }),
      );
      ctx.signal.throwIfAborted();
      ctx.report({ phase: 'running', fraction: 1, figures: { vm: plans.length, vms: plans.length } });
      return { hostId, network: name, vms: reports };
    } catch (error) {
      ctx.report({ phase: 'removing what was created', figures: { undo: rollback.length } });
      await this.deps.deployer.rollBack(rollback, error, `lab ${name}`, ctx.signal);
      throw error;
    }
  }
}

/** Runs a check whose field errors name a field of a part of the lab: prefixes `details.field`. */
async function withField<T>(prefix: string, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (prefix && error instanceof TandemError && typeof error.details?.field === 'string') {
      (error.details as Record<string, unknown>).field = `${prefix}${error.details.field}`;
    }
    throw error;
  }
}

async function ignoreNotFound(call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
}
