/**
 * The wizard's one door to deploying. `provisioning.deploy` belongs to the deploy capability (its own
 * contract file, preload/api/deploy.ts), which this build may not have: the method is looked up in the
 * contract at run time, and without it the call fails with a message that says so instead of a transport
 * error. Once the method exists its typed input replaces DeployArgs here.
 */
import { isMethodName, type ContractClient } from '../../../preload/contract';
import type { VmRequest } from '../../../preload/api/provisioning';

export const DEPLOY_METHOD = 'provisioning.deploy';

export interface DeployArgs {
  hostId: string;
  name: string;
  request: VmRequest;
  account?: { username: string; sshKey: string };
  cloudInit?: string;
}

export class DeployUnavailableError extends Error {
  constructor() {
    super('Deploy is not available in this build: the review above is what would be deployed.');
    this.name = 'DeployUnavailableError';
  }
}

export function deployAvailable(): boolean {
  return isMethodName(DEPLOY_METHOD);
}

export async function deployVm(client: ContractClient, args: DeployArgs): Promise<{ jobId: string }> {
  if (!deployAvailable()) throw new DeployUnavailableError();
  // Typed through the contract once deploy.ts is merged; until then the name is not a MethodName.
  const call = client.call as unknown as (method: string, args: unknown) => Promise<{ jobId: string }>;
  return call(DEPLOY_METHOD, args);
}
