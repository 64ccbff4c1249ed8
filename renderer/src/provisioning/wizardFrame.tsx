/**
 * The frame the step-by-step dialogs share ("New VM", "Deploy a lab"): the modal with its title and close
 * button, the step tab list, the Back / go-on footer, and the keyboard behaviour (Escape closes from
 * anywhere, each step starts with the focus on its first field). Each dialog keeps its own steps, store and
 * test ids; the styles are the `.wizard*` rules of provisioning.css.
 */
import { useEffect, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import type { Refusal } from '../../../preload/api/provisioning';

/** Moves the focus to the first element matching `selector` (else the dialog itself) whenever the step changes. */
export function useFocusFirstField(dialogRef: RefObject<HTMLElement | null>, selector: string, step: string): void {
  useEffect(() => {
    const first = dialogRef.current?.querySelector<HTMLElement>(selector);
    (first ?? dialogRef.current)?.focus();
  }, [dialogRef, selector, step]);
}

/** Escape closes from anywhere, even when focus has left the dialog (e.g. its button went away). */
export function useEscapeToClose(close: () => void): void {
  useEffect(() => {
    const onEscape = (event: globalThis.KeyboardEvent) => {
      if (event.key === 'Escape') close();
    };
    window.addEventListener('keydown', onEscape);
    return () => window.removeEventListener('keydown', onEscape);
  }, [close]);
}

export interface WizardDialogProps {
  dialogRef: RefObject<HTMLDivElement | null>;
  className: string;
  titleId: string;
  title: string;
  testId: string;
  closeTestId: string;
  onClose: () => void;
  onKeyDown: (event: KeyboardEvent<HTMLDivElement>) => void;
  children: ReactNode;
}

/** The modal: backdrop, the dialog labelled by its title, and the close button in the header. */
export function WizardDialog({ dialogRef, className, titleId, title, testId, closeTestId, onClose, onKeyDown, children }: WizardDialogProps) {
  return (
    <div className="dialog-backdrop">
      <div ref={dialogRef} className={className} role="dialog" aria-modal="true" tabIndex={-1} aria-labelledby={titleId} data-testid={testId} onKeyDown={onKeyDown}>
        <header className="wizard-header">
          <h2 id={titleId}>{title}</h2>
          <button className="btn btn-quiet btn-small" type="button" onClick={onClose} aria-label="Close" data-testid={closeTestId}>
            Esc
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}

export interface WizardStepTabsProps<S extends string> {
  steps: readonly S[];
  labels: Record<S, string>;
  current: S;
  /** Each tab's test id is this prefix followed by its step. */
  testIdPrefix: string;
  onSelect: (step: S) => void;
}

/** The numbered steps as a tab list; the current one is selected. */
export function WizardStepTabs<S extends string>({ steps, labels, current, testIdPrefix, onSelect }: WizardStepTabsProps<S>) {
  return (
    <ol className="wizard-steps" role="tablist" aria-label="Steps">
      {steps.map((s, i) => (
        <li key={s}>
          <button
            type="button"
            role="tab"
            aria-selected={s === current}
            className={s === current ? 'wizard-step current' : 'wizard-step'}
            data-testid={`${testIdPrefix}${s}`}
            onClick={() => onSelect(s)}
          >
            {i + 1}. {labels[s]}
          </button>
        </li>
      ))}
    </ol>
  );
}

export interface WizardFooterButtonsProps {
  onBack: () => void;
  backDisabled?: boolean;
  backTestId: string;
  /** The button that goes on: Next, or on the review the one that deploys. */
  forward: { label: string; testId: string; disabled?: boolean; onClick: () => void };
}

/** Back, and the button that goes on. */
export function WizardFooterButtons({ onBack, backDisabled, backTestId, forward }: WizardFooterButtonsProps) {
  return (
    <footer className="wizard-footer">
      <button type="button" className="btn" disabled={backDisabled} onClick={onBack} data-testid={backTestId}>
        Back
      </button>
      {/* Keyed by its test id: Next and Deploy are separate buttons, not one relabelled. */}
      <button key={forward.testId} type="button" className="btn btn-primary" disabled={forward.disabled} onClick={forward.onClick} data-testid={forward.testId}>
        {forward.label}
      </button>
    </footer>
  );
}

interface HostChoice {
  hostId: string;
  hostName: string;
}

export interface HostOverrideSelectProps<C extends HostChoice> {
  label: string;
  testId: string;
  placement: { chosen?: C | undefined; alternatives: C[]; refusals: Refusal[]; overridden: boolean };
  overrideHostId: string | undefined;
  /** What the host offers, shown in brackets after its name. */
  describe: (choice: C) => string;
  onChange: (hostId: string | undefined) => void;
}

/** The review's host picker: Tandem's choice, the hosts that can take the request, and those that cannot (disabled, with why). */
export function HostOverrideSelect<C extends HostChoice>({ label, testId, placement, overrideHostId, describe, onChange }: HostOverrideSelectProps<C>) {
  const { chosen } = placement;
  const hostChoices = [...(chosen ? [chosen] : []), ...placement.alternatives];
  return (
    <label>
      {label}
      <select className="input" data-testid={testId} value={overrideHostId ?? ''} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">Tandem's choice{chosen && !placement.overridden ? ` (${chosen.hostName})` : ''}</option>
        {hostChoices.map((p) => (
          <option key={p.hostId} value={p.hostId}>
            {p.hostName} ({describe(p)})
          </option>
        ))}
        {placement.refusals.map((r) => (
          <option key={r.hostId} value={r.hostId} disabled>
            {r.hostName}: {r.reasons.join('; ')}
          </option>
        ))}
      </select>
    </label>
  );
}
