/**
 * The "Forward device" field of a NAT or routed network, in the host page's network dialog and in the lab
 * dialog: one markup, so both say the same thing; the rule that judges it is networkProblems (main and here).
 */
import { FormField } from './FormField';

export function ForwardDeviceField({
  value,
  error,
  onChange,
  hint,
  fieldTestId,
  errorTestId,
}: {
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
  hint: string;
  fieldTestId: string;
  errorTestId: string;
}) {
  return (
    <FormField label="Forward device" error={error} testId={errorTestId} hint={hint}>
      {(props) => (
        <input
          {...props}
          className="input"
          autoComplete="off"
          placeholder="eth0"
          data-testid={fieldTestId}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </FormField>
  );
}
