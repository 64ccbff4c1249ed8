/**
 * The "New network" form as data: what the user typed, the `networks.create` request it makes, and its
 * field errors from the same rules main applies (`networkProblems`, shared through the contract) against
 * the host's networks as the networks store has them. Pure, so it is unit-tested without a page.
 */
import type { MethodInput } from '../../../preload/contract';
import { addressPlan, networkProblems, parseCidr, type NetworkMode, type NetworkSummary } from '../../../preload/api/networks';

type CreateRequest = MethodInput<'networks.create'>;

export interface NetworkForm {
  name: string;
  mode: NetworkMode;
  subnet: string;
  dhcp: boolean;
  /** Empty: the whole subnet after the host's address. */
  dhcpStart: string;
  dhcpEnd: string;
  /** NAT and routed only; empty: whichever interface the host's routes choose. */
  forwardDevice: string;
  start: boolean;
  autostart: boolean;
}

export const emptyNetworkForm = (): NetworkForm => ({
  name: '',
  mode: 'nat',
  subnet: '',
  dhcp: true,
  dhcpStart: '',
  dhcpEnd: '',
  forwardDevice: '',
  start: true,
  autostart: true,
});

/** The request fields the form shows an input for (an error about another one is said under the form). */
export const FORM_FIELDS = ['name', 'mode', 'subnet', 'dhcpRange.start', 'dhcpRange.end', 'forwardDevice'] as const;

export function requestOf(hostId: string, form: NetworkForm): CreateRequest {
  const range = form.dhcp && (form.dhcpStart.trim() || form.dhcpEnd.trim());
  const plan = range ? planOf(form.subnet) : undefined;
  return {
    hostId,
    name: form.name.trim(),
    mode: form.mode,
    subnet: form.subnet.trim(),
    dhcp: form.dhcp,
    // One end left empty takes the default of that end.
    ...(range ? { dhcpRange: { start: form.dhcpStart.trim() || plan?.dhcpStart || '', end: form.dhcpEnd.trim() || plan?.dhcpEnd || '' } } : {}),
    ...(form.mode !== 'isolated' && form.forwardDevice.trim() ? { forwardDevice: form.forwardDevice.trim() } : {}),
    start: form.start,
    autostart: form.autostart,
  };
}

/** The host's address and the default DHCP range of the subnet typed, when it is one. */
export function planOf(subnet: string): ReturnType<typeof addressPlan> | undefined {
  const parsed = parseCidr(subnet);
  return 'subnet' in parsed ? addressPlan(parsed.subnet) : undefined;
}

/**
 * Every field error of the form against the host's networks. Before the first submit only fields the user
 * has filled are judged (an empty form is not a page of errors); after it, every field.
 */
export function formErrors(hostId: string, form: NetworkForm, existing: readonly NetworkSummary[], submitted: boolean): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const problem of networkProblems(requestOf(hostId, form), existing)) errors[problem.field] ??= problem.message;
  if (submitted) return errors;
  if (!form.name.trim()) delete errors.name;
  if (!form.subnet.trim()) delete errors.subnet;
  return errors;
}
