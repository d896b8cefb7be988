import { useId, useState } from 'preact/hooks';
import { api, enc } from '../lib/api.ts';
import { emailProblem } from '../lib/billing.ts';
import { StatusLine } from './status.tsx';

/** `POST /v1/organizations/{org}/members` answers the member it added. */
export interface AddedMember {
  readonly user_id: string;
  readonly email: string;
  readonly name: string | null;
  readonly role: string;
}

/**
 * "Add a finance member by e-mail": the address is checked as it is typed (the API's own rule),
 * an address already in the organization is named as such before anyone submits, and the API's
 * answer (the new member) is handed to the page.
 */
export function AddFinanceMember({
  org,
  refusal,
  knownMembers,
  onAdded,
}: {
  org: string;
  /** Why this session may not add one, or null. */
  refusal: string | null;
  /** Members the page knows, by lower-cased e-mail, with their role. */
  knownMembers: ReadonlyMap<string, string>;
  onAdded: (member: AddedMember) => void;
}) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  // Nothing is said about an empty field until someone typed in it or tried to submit.
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ message: string; tone: 'ok' | 'error' } | null>(null);
  const emailId = useId();
  const errorId = useId();
  const nameId = useId();

  const role = knownMembers.get(email.trim().toLowerCase());
  const problem =
    emailProblem(email) ?? (role === undefined ? null : `${email.trim()} is already a member here (${role}).`);
  const showProblem = touched && problem !== null;
  const disabled = refusal !== null;

  const submit = async (event: Event) => {
    event.preventDefault();
    setTouched(true);
    if (problem !== null || disabled) return;
    setBusy(true);
    try {
      const trimmedName = name.trim();
      const added = await api<AddedMember>('POST', `/v1/organizations/${enc(org)}/members`, {
        email: email.trim(),
        ...(trimmedName === '' ? {} : { name: trimmedName }),
        role: 'finance',
      });
      setStatus({ message: `Added ${added.email} as a finance member: billing events now reach them.`, tone: 'ok' });
      setEmail('');
      setName('');
      setTouched(false);
      onAdded(added);
    } catch (error) {
      setStatus({ message: `Not added: ${(error as Error).message}`, tone: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="add-finance" noValidate onSubmit={(event) => void submit(event)}>
      {disabled && <p class="refusal">{refusal}</p>}
      <div class="field">
        <label for={emailId}>E-mail address</label>
        <input
          id={emailId}
          name="email"
          type="email"
          autoComplete="off"
          value={email}
          disabled={disabled}
          aria-invalid={showProblem}
          aria-describedby={showProblem ? errorId : undefined}
          onInput={(event) => {
            setEmail((event.target as HTMLInputElement).value);
            setTouched(true);
          }}
        />
        {showProblem && (
          <p class="field-error" id={errorId}>
            {problem}
          </p>
        )}
      </div>
      <div class="field">
        <label for={nameId}>
          Name <span class="hint-inline">(optional)</span>
        </label>
        <input
          id={nameId}
          name="name"
          maxLength={200}
          value={name}
          disabled={disabled}
          onInput={(event) => setName((event.target as HTMLInputElement).value)}
        />
      </div>
      <button type="submit" class="primary" disabled={disabled || busy || (touched && problem !== null)}>
        Add finance member
      </button>
      <StatusLine message={status?.message ?? null} tone={status?.tone ?? 'ok'} />
    </form>
  );
}
