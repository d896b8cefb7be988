import { useId } from 'preact/hooks';
import '../styles/forms.css';

/**
 * A labelled text input with its hint, a non-blocking warning and what is wrong with it: the
 * input is `aria-invalid` and names the message with `aria-describedby`, so a screen reader
 * reads it with the field.
 */
export function TextField({
  label,
  value,
  onInput,
  onBlur,
  error,
  hint,
  warning,
  type = 'text',
  placeholder,
  autoComplete = 'off',
  multiline = false,
  name,
}: {
  label: string;
  value: string;
  onInput: (value: string) => void;
  onBlur?: () => void;
  /** Shown only when the owner decides the member should see it (typed in, or tried to save). */
  error?: string | null | undefined;
  hint?: string | undefined;
  warning?: string | null | undefined;
  type?: 'text' | 'url' | 'password';
  placeholder?: string | undefined;
  autoComplete?: string;
  multiline?: boolean;
  /** The field's name in the form (tests and password managers find it by it). */
  name: string;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const warningId = `${id}-warning`;
  const describedBy =
    [hint ? hintId : null, error ? errorId : null, warning ? warningId : null].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name,
    value,
    placeholder,
    autoComplete,
    'aria-invalid': error ? ('true' as const) : ('false' as const),
    'aria-describedby': describedBy,
    onInput: (event: Event) => onInput((event.currentTarget as HTMLInputElement | HTMLTextAreaElement).value),
    onBlur,
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {multiline ? <textarea rows={3} {...common} /> : <input type={type} spellcheck={false} {...common} />}
      {hint && (
        <span class="hint" id={hintId}>
          {hint}
        </span>
      )}
      {error && (
        <p class="field-error" id={errorId}>
          {error}
        </p>
      )}
      {warning && !error && (
        <p class="field-warning" id={warningId}>
          {warning}
        </p>
      )}
    </div>
  );
}
