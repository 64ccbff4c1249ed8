/**
 * The wizard's one door to deploying: its draft (account, free-form cloud-init) turned into the deploy
 * capability's input (`provisioning.deploy`, preload/api/deploy.ts), which starts a job the jobs store follows.
 */
import type { ContractClient, MethodInput } from '../../../preload/contract';
import type { VmRequest } from '../../../preload/api/provisioning';
import { checkCloudConfig } from './cloudConfig';

export const DEPLOY_METHOD = 'provisioning.deploy';

export interface DeployArgs {
  hostId: string;
  name: string;
  request: VmRequest;
  account?: { username: string; sshKey: string };
  cloudInit?: string;
}

/** The deploy call's input from the wizard's draft: the account becomes a key-login user, the cloud-init text its parsed mapping. */
export function deployInput(args: DeployArgs): MethodInput<'provisioning.deploy'> {
  const sshKey = args.account?.sshKey.trim();
  const cloud = args.cloudInit ? checkCloudConfig(args.cloudInit) : undefined;
  return {
    hostId: args.hostId,
    name: args.name,
    request: args.request,
    ...(args.account?.username ? { user: { name: args.account.username, sshAuthorizedKeys: sshKey ? [sshKey] : [] } } : {}),
    ...(cloud?.value ? { userCloudConfig: cloud.value } : {}),
  };
}

export async function deployVm(client: ContractClient, args: DeployArgs): Promise<{ jobId: string }> {
  return client.call('provisioning.deploy', deployInput(args));
}
