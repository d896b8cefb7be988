import { useState } from 'preact/hooks';
import { api, ApiError, enc } from '../lib/api.ts';
import type { Billing, BillingRecipient, FinanceAbilities } from '../lib/billing.ts';
import { StatusLine } from './status.tsx';

/** What billing does for one recipient now, in words. */
function receivesWords(recipient: BillingRecipient): string {
  if (recipient.role === 'finance') return 'Receives billing events';
  if (!recipient.opted_out) return 'Receives billing events';
  return recipient.receives
    ? 'Turned off, but still receives them: nobody else would'
    : 'Turned off: does not receive billing events';
}

/**
 * Who billing events reach: owners, each with their opt-out switch, and finance members (who
 * always receive them). The API refuses an opt-out that would leave nobody receiving billing;
 * the page shows its words as they are.
 */
export function BillingRecipients({
  org,
  billing,
  abilities,
  highlight,
  onChange,
}: {
  org: string;
  billing: Billing;
  abilities: FinanceAbilities;
  /** A member just added, marked in the list. */
  highlight: string | null;
  onChange: (billing: Billing) => void;
}) {
  const [status, setStatus] = useState<{ message: string; tone: 'ok' | 'error' } | null>(null);
  const [saving, setSaving] = useState<string | null>(null);

  const switchBilling = async (owner: BillingRecipient) => {
    const receives = owner.opted_out;
    setSaving(owner.user_id);
    try {
      const answer = await api<Billing>('PUT', `/v1/organizations/${enc(org)}/billing/owners/${enc(owner.user_id)}`, {
        receives,
      });
      onChange(answer);
      setStatus({
        message: receives
          ? `Saved: billing events reach ${owner.email} again.`
          : `Saved: billing events no longer reach ${owner.email}.`,
        tone: 'ok',
      });
    } catch (error) {
      // The last recipient's refusal (409 CLARION_ERR_BILLING_LAST_RECIPIENT) says what to do first.
      const reason = error instanceof ApiError ? error.message : String(error);
      setStatus({ message: `Not changed: ${reason}`, tone: 'error' });
    } finally {
      setSaving(null);
    }
  };

  return (
    <div class="billing-recipients">
      <StatusLine message={status?.message ?? null} tone={status?.tone ?? 'ok'} />
      {billing.recipients.length === 0 ? (
        <p>Nobody here receives billing events yet: the organization has no owner or finance member.</p>
      ) : (
        <table class="recipients">
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Role</th>
              <th scope="col">Billing events</th>
              <th scope="col">Owner’s switch</th>
            </tr>
          </thead>
          <tbody>
            {billing.recipients.map((recipient) => {
              const refusal = recipient.role === 'owner' ? abilities.switchRefusal(recipient) : null;
              const reasonId = `billing-reason-${recipient.user_id}`;
              return (
                <tr
                  key={recipient.user_id}
                  data-user={recipient.user_id}
                  data-email={recipient.email}
                  class={recipient.user_id === highlight ? 'just-added' : ''}
                >
                  <th scope="row">{recipient.email}</th>
                  <td>{recipient.role}</td>
                  <td class={`receives receives-${recipient.receives ? 'yes' : 'no'}`}>{receivesWords(recipient)}</td>
                  <td>
                    {recipient.role === 'owner' ? (
                      <>
                        <button
                          type="button"
                          role="switch"
                          class={`toggle toggle-${recipient.opted_out ? 'off' : 'on'}`}
                          aria-checked={!recipient.opted_out}
                          aria-label={`Billing events for ${recipient.email}`}
                          aria-describedby={refusal === null ? undefined : reasonId}
                          disabled={refusal !== null || saving === recipient.user_id}
                          onClick={() => void switchBilling(recipient)}
                        >
                          {recipient.opted_out ? 'Off' : 'On'}
                        </button>
                        {refusal !== null && (
                          <span class="hint" id={reasonId}>
                            {refusal}
                          </span>
                        )}
                      </>
                    ) : (
                      <span class="hint">Finance members always receive billing events.</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
