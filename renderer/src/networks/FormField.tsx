/** A labelled input with its error under it (the error is the input's description for screen readers). */
import { useId, type ReactNode } from 'react';

export interface FieldInputProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby'?: string;
}

export function FormField({
  label,
  error,
  testId,
  hint,
  children,
}: {
  label: string;
  error: string | undefined;
  /** The error's data-testid. */
  testId: string;
  hint?: ReactNode;
  children: (props: FieldInputProps) => ReactNode;
}) {
  const id = useId();
  const describedBy = `${id}-note`;
  return (
    <label className="form-field" htmlFor={id}>
      <span className="form-label">{label}</span>
      {children({ id, 'aria-invalid': !!error, ...(error || hint ? { 'aria-describedby': describedBy } : {}) })}
      {error ? (
        <span className="field-error" id={describedBy} data-testid={testId}>
          {error}
        </span>
      ) : hint ? (
        <span className="muted form-hint" id={describedBy}>
          {hint}
        </span>
      ) : null}
    </label>
  );
}
