/**
 * "New network" on a host: name, mode, IPv4 subnet, DHCP and its range, the forward device (NAT, routed),
 * start now and autostart. Field errors come from the rules main applies (networkForm.ts), against the
 * host's networks as listed, as the user types; main's own refusal lands at its field too. Enter creates,
 * Escape closes.
 */
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import type { NetworkMode } from '../../../preload/api/networks';
import { useStores } from '../stores/StoresContext';
import { selectHostNetworks } from '../stores/networksStore';
import { FormField } from './FormField';
import { ForwardDeviceField } from './ForwardDeviceField';
import { useDialogFocus } from './useDialogFocus';
import { emptyNetworkForm, FORM_FIELDS, formErrors, planOf, requestOf, type NetworkForm } from './networkForm';

export const MODE_LABELS: Record<NetworkMode, string> = {
  isolated: 'Isolated: the VMs reach each other and the host only',
  nat: 'NAT: the VMs also reach outside, through the host',
  routed: 'Routed: the subnet is routed to the outside (which needs a route back)',
};

export function NetworkDialog({ hostId, hostName, onClose }: { hostId: string; hostName: string; onClose: () => void }) {
  const { networks } = useStores();
  const existing = useStore(networks, (state) => selectHostNetworks(state, hostId).networks);
  const [form, setForm] = useState<NetworkForm>(emptyNetworkForm);
  const [submitted, setSubmitted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string>();
  const [creating, setCreating] = useState(false);
  const dialogRef = useRef<HTMLFormElement>(null);
  useDialogFocus(dialogRef);

  const errors = useMemo(() => ({ ...formErrors(hostId, form, existing, submitted), ...serverErrors }), [hostId, form, existing, submitted, serverErrors]);
  const plan = planOf(form.subnet);
  const update = (patch: Partial<NetworkForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    setServerErrors({});
    setFailure(undefined);
  };

  useEffect(() => {
    dialogRef.current?.querySelector<HTMLElement>('input')?.focus();
  }, []);
  useEffect(() => {
    const onEscape = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onEscape);
    return () => window.removeEventListener('keydown', onEscape);
  }, [onClose]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    const local = formErrors(hostId, form, existing, true);
    if (Object.keys(local).length > 0) {
      requestAnimationFrame(() => focusFirstError(dialogRef.current));
      return;
    }
    setCreating(true);
    const result = await networks.getState().create(requestOf(hostId, form));
    setCreating(false);
    if (result.ok) {
      onClose();
      return;
    }
    setServerErrors(result.fields);
    // A refusal about no field of this form (the host went away, say) is said under the form.
    if (!Object.keys(result.fields).some((field) => (FORM_FIELDS as readonly string[]).includes(field))) setFailure(result.message);
    requestAnimationFrame(() => focusFirstError(dialogRef.current));
  };

  return (
    <div className="dialog-backdrop">
      <form
        ref={dialogRef}
        className="dialog net-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="net-dialog-title"
        data-testid="network-dialog"
        onSubmit={(e) => void submit(e)}
        noValidate
      >
        <h2 id="net-dialog-title">New network on {hostName}</h2>
        <FormField label="Name" error={errors.name} testId="net-error-name">
          {(props) => (
            <input
              {...props}
              className="input"
              autoComplete="off"
              data-testid="network-field-name"
              value={form.name}
              onChange={(e) => update({ name: e.target.value })}
            />
          )}
        </FormField>
        <FormField label="Mode" error={errors.mode} testId="net-error-mode">
          {(props) => (
            <select {...props} className="input" data-testid="network-field-mode" value={form.mode} onChange={(e) => update({ mode: e.target.value as NetworkMode })}>
              {(Object.keys(MODE_LABELS) as NetworkMode[]).map((mode) => (
                <option key={mode} value={mode}>
                  {MODE_LABELS[mode]}
                </option>
              ))}
            </select>
          )}
        </FormField>
        <FormField
          label="IPv4 subnet"
          error={errors.subnet}
          testId="net-error-subnet"
          hint={plan ? `The host takes ${plan.gateway}; netmask ${plan.netmask}.` : 'In CIDR notation, e.g. 192.168.100.0/24.'}
        >
          {(props) => (
            <input
              {...props}
              className="input"
              autoComplete="off"
              placeholder="192.168.100.0/24"
              data-testid="network-field-subnet"
              value={form.subnet}
              onChange={(e) => update({ subnet: e.target.value })}
            />
          )}
        </FormField>
        <label className="inline">
          <input type="checkbox" data-testid="network-field-dhcp" checked={form.dhcp} onChange={(e) => update({ dhcp: e.target.checked })} /> Hand out addresses by DHCP
        </label>
        {form.dhcp && (
          <div className="net-row">
            <FormField label="DHCP from" error={errors['dhcpRange.start']} testId="net-error-dhcpRange.start">
              {(props) => (
                <input
                  {...props}
                  className="input"
                  autoComplete="off"
                  placeholder={plan?.dhcpStart ?? 'first address'}
                  data-testid="network-field-dhcp-start"
                  value={form.dhcpStart}
                  onChange={(e) => update({ dhcpStart: e.target.value })}
                />
              )}
            </FormField>
            <FormField label="to" error={errors['dhcpRange.end']} testId="net-error-dhcpRange.end">
              {(props) => (
                <input
                  {...props}
                  className="input"
                  autoComplete="off"
                  placeholder={plan?.dhcpEnd ?? 'last address'}
                  data-testid="network-field-dhcp-end"
                  value={form.dhcpEnd}
                  onChange={(e) => update({ dhcpEnd: e.target.value })}
                />
              )}
            </FormField>
          </div>
        )}
        {form.mode !== 'isolated' && (
          <ForwardDeviceField
            value={form.forwardDevice}
            error={errors.forwardDevice}
            onChange={(forwardDevice) => update({ forwardDevice })}
            hint="The host interface traffic leaves by; empty: whichever the host's routes choose."
            fieldTestId="network-field-forward"
            errorTestId="net-error-forwardDevice"
          />
        )}
        <div className="net-row">
          <label className="inline">
            <input type="checkbox" data-testid="network-field-start" checked={form.start} onChange={(e) => update({ start: e.target.checked })} /> Start now
          </label>
          <label className="inline">
            <input type="checkbox" data-testid="network-field-autostart" checked={form.autostart} onChange={(e) => update({ autostart: e.target.checked })} /> Start with
            the host
          </label>
        </div>
        {failure && (
          <p className="field-error" role="alert" data-testid="network-dialog-error">
            {failure}
          </p>
        )}
        <footer className="dialog-actions">
          <button type="button" className="btn" data-testid="network-cancel" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" data-testid="network-create" disabled={creating}>
            {creating ? 'Creating…' : 'Create'}
          </button>
        </footer>
      </form>
    </div>
  );
}

/** Moves the focus to the first input marked invalid, so the keyboard lands where the fix is. */
function focusFirstError(root: HTMLElement | null): void {
  root?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}
