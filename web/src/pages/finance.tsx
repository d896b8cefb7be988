import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { AddFinanceMember } from '../components/add-finance-member.tsx';
import { BillingRecipients } from '../components/billing-recipients.tsx';
import { Loading } from '../components/status.tsx';
import { enc } from '../lib/api.ts';
import { financeAbilities, type Billing } from '../lib/billing.ts';
import { roleIn, useSession } from '../lib/session.ts';
import { useApi } from '../lib/use-api.ts';

/**
 * Finance: who receives billing events (payments, invoices, credits), each owner's opt-out, and
 * adding a finance member by e-mail, so billing can go straight to the finance team.
 */
export function FinancePage() {
  const { params } = useRoute();
  const org = params['org']!;
  const session = useSession();
  const role = roleIn(session, org);
  const abilities = financeAbilities(role, session.kind === 'member' ? session.userId : null);
  const billing = useApi<Billing>(abilities.readRefusal === null ? `/v1/organizations/${enc(org)}/billing` : null);
  // Those who may add a member may also list them: the form names an address already in use.
  const members = useApi<{ data: { email: string; role: string }[] }>(
    abilities.addRefusal === null ? `/v1/organizations/${enc(org)}/members?limit=200` : null,
  );
  const [added, setAdded] = useState<string | null>(null);

  const known = new Map<string, string>();
  for (const member of members.data?.data ?? []) known.set(member.email.toLowerCase(), member.role);
  for (const recipient of billing.data?.recipients ?? []) known.set(recipient.email.toLowerCase(), recipient.role);

  return (
    <main class="finance">
      <h1>Finance</h1>
      <p class="lede">
        Billing events (failed payments, invoices, low credits, suspension) reach the organization’s owners and its
        finance members. To send them straight to your finance team, add a finance member by e-mail; an owner can then
        turn billing events off for themselves.
      </p>
      {abilities.readRefusal !== null ? (
        <p class="refusal">{abilities.readRefusal}</p>
      ) : (
        <>
          <section aria-labelledby="recipients-title">
            <h2 id="recipients-title">Who receives billing events</h2>
            {billing.data === undefined ? (
              <Loading error={billing.error} />
            ) : (
              <BillingRecipients
                org={org}
                billing={billing.data}
                abilities={abilities}
                highlight={added}
                onChange={(next) => billing.set(next)}
              />
            )}
          </section>
          <section aria-labelledby="add-title">
            <h2 id="add-title">Add a finance member by e-mail</h2>
            <p class="hint">
              A finance member receives billing events only: nothing about deployments, servers or jobs.
            </p>
            <AddFinanceMember
              org={org}
              refusal={abilities.addRefusal}
              knownMembers={known}
              onAdded={(member) => {
                setAdded(member.user_id);
                billing.reload();
                members.reload();
              }}
            />
          </section>
        </>
      )}
    </main>
  );
}
