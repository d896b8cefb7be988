import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { DeleteHookDialog } from '../components/delete-hook-dialog.tsx';
import { HookCard, type HookActions, type TestState } from '../components/hook-card.tsx';
import { HookDialog } from '../components/hook-dialog.tsx';
import { RotateSecretDialog } from '../components/rotate-secret-dialog.tsx';
import { SecretNotice } from '../components/secret-notice.tsx';
import { Loading, StatusLine } from '../components/status.tsx';
import { useAllPages } from '../lib/all-pages.ts';
import { api, enc } from '../lib/api.ts';
import { DEFAULT_HOOK_NAME, type Catalog, type Hook, type Resource, type TestSendResult } from '../lib/hooks.ts';
import { can, rolesWith } from '../lib/permissions.ts';
import { roleIn, useSession } from '../lib/session.ts';
import { useApi } from '../lib/use-api.ts';
import '../styles/hooks.css';

type Dialog =
  { kind: 'create' } | { kind: 'edit'; hook: Hook } | { kind: 'delete'; hook: Hook } | { kind: 'rotate'; hook: Hook };

/** A hook as the list keeps it: never with a signing secret, which is shown once and dropped. */
function withoutSecret(hook: Hook): Hook {
  const { secret: _secret, ...rest } = hook;
  return rest;
}

/**
 * Hooks: the organization's webhooks, e-mail hooks and chat integrations. Owners and admins
 * create, edit, switch on and off, test and delete them; other readers see them read-only.
 */
export function HooksPage() {
  const { params } = useRoute();
  const org = params['org']!;
  // A fresh page per organization: a secret, a test answer or an open dialog stays with its own.
  return <OrganizationHooks key={org} org={org} />;
}

function OrganizationHooks({ org }: { org: string }) {
  const session = useSession();
  const role = roleIn(session, org);
  const orgName = session.organizations.find((o) => o.id === org)?.name ?? org;
  const readable = can(role, 'hooks.read');
  const writable = can(role, 'hooks.write');
  const base = `/v1/organizations/${enc(org)}/hooks`;

  const hooks = useAllPages<Hook>(readable ? base : null);
  const catalog = useApi<Catalog>('/v1/event-types');
  const applications = useAllPages<Resource>(`/v1/organizations/${enc(org)}/applications`);
  const addons = useAllPages<Resource>(`/v1/organizations/${enc(org)}/addons`);

  const [status, setStatus] = useState<{ message: string; tone: 'ok' | 'error' } | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [secret, setSecret] = useState<{ hookName: string; secret: string; rotatedUntil?: string | null } | null>(null);
  const [tests, setTests] = useState<Readonly<Record<string, TestState>>>({});
  const [saving, setSaving] = useState<ReadonlySet<string>>(new Set());
  const [recreating, setRecreating] = useState(false);

  const list = hooks.data ?? [];
  const replace = (next: Hook) =>
    hooks.updateList((items) => items.map((h) => (h.id === next.id ? withoutSecret(next) : h)));
  const add = (hook: Hook) => hooks.updateList((items) => [...items, withoutSecret(hook)]);
  const drop = (id: string) => hooks.updateList((items) => items.filter((h) => h.id !== id));
  const savingDone = (id: string) => setSaving((before) => new Set([...before].filter((other) => other !== id)));
  const ok = (message: string) => setStatus({ message, tone: 'ok' });
  const failed = (message: string) => setStatus({ message, tone: 'error' });

  const actions: HookActions = {
    toggle(hook) {
      setSaving((before) => new Set(before).add(hook.id));
      api<Hook>('PATCH', `${base}/${enc(hook.id)}`, { enabled: !hook.enabled })
        .then((answer) => {
          replace(answer);
          ok(`Saved: “${hook.name}” is ${answer.enabled ? 'enabled' : 'disabled'}.`);
        })
        .catch((error: Error) => failed(`Not saved: ${error.message}`))
        .finally(() => savingDone(hook.id));
    },
    test(hook) {
      setTests((before) => ({ ...before, [hook.id]: { kind: 'sending' } }));
      api<TestSendResult>('POST', `${base}/${enc(hook.id)}/test`, {}).then(
        (result) => setTests((before) => ({ ...before, [hook.id]: { kind: 'done', result } })),
        (error: Error) => setTests((before) => ({ ...before, [hook.id]: { kind: 'refused', message: error.message } })),
      );
    },
    edit: (hook) => setDialog({ kind: 'edit', hook }),
    rotate: (hook) => setDialog({ kind: 'rotate', hook }),
    remove: (hook) => setDialog({ kind: 'delete', hook }),
  };

  const recreateDefault = async () => {
    setRecreating(true);
    try {
      const hook = await api<Hook>('POST', `${base}/default`);
      add(hook);
      ok(`Re-created “${hook.name}”.`);
    } catch (error) {
      failed(`Not re-created: ${(error as Error).message}`);
    } finally {
      setRecreating(false);
    }
  };

  if (!readable) {
    return (
      <main>
        <h1>Hooks</h1>
        <p class="read-only-note">
          {role === null
            ? `You are not a member of ${orgName}.`
            : `Your role in ${orgName} is ${role}: only ${rolesWith('hooks.read')} can see its hooks.`}
        </p>
      </main>
    );
  }

  const ready = hooks.data !== undefined && catalog.data !== undefined;
  const defaultMissing = hooks.data !== undefined && !hooks.data.some((h) => h.name === DEFAULT_HOOK_NAME);
  return (
    <main class="hooks-page">
      <div class="page-head">
        <div>
          <h1>Hooks</h1>
          <p class="lede">
            Where {orgName}'s events go besides each member's own notifications: webhooks, e-mails, Slack, Hipchat and
            Flowdock. Each hook sends the events you choose, for all or some applications and add-ons.
          </p>
        </div>
        {writable && (
          <button type="button" class="primary" disabled={!ready} onClick={() => setDialog({ kind: 'create' })}>
            New hook
          </button>
        )}
      </div>
      {!writable && (
        <p class="read-only-note">
          You can see these hooks but not change them: your role in {orgName} is {role}, and only{' '}
          {rolesWith('hooks.write')} can create, edit, switch on or off, test or delete hooks.
        </p>
      )}
      <StatusLine message={status?.message ?? null} tone={status?.tone ?? 'ok'} />
      {secret !== null && (
        <SecretNotice
          hookName={secret.hookName}
          secret={secret.secret}
          rotatedUntil={secret.rotatedUntil}
          onDismiss={() => setSecret(null)}
        />
      )}
      {defaultMissing && (
        <section class="default-missing" aria-labelledby="default-missing-title">
          <h2 id="default-missing-title">{DEFAULT_HOOK_NAME}: deleted</h2>
          <p>
            Every organization starts with this hook: it e-mails the result of each deployment (success or failure) to
            the members, by role. It was deleted here, so nobody gets those e-mails from it.
          </p>
          {writable && (
            <button type="button" disabled={recreating} onClick={() => void recreateDefault()}>
              {recreating ? 'Re-creating…' : 'Re-create the default hook'}
            </button>
          )}
        </section>
      )}
      {!ready ? (
        <Loading error={hooks.error ?? catalog.error} />
      ) : list.length === 0 ? (
        <p class="empty">No hooks yet.{writable ? ' Create one with “New hook”.' : ''}</p>
      ) : (
        <div class="hook-list">
          {list.map((hook) => (
            <HookCard
              key={hook.id}
              hook={hook}
              catalog={catalog.data}
              applications={applications.data ?? []}
              addons={addons.data ?? []}
              writable={writable}
              saving={saving.has(hook.id)}
              test={tests[hook.id]}
              actions={actions}
            />
          ))}
        </div>
      )}
      {(dialog?.kind === 'create' || dialog?.kind === 'edit') && catalog.data !== undefined && (
        <HookDialog
          org={org}
          hook={dialog.kind === 'edit' ? dialog.hook : undefined}
          catalog={catalog.data}
          applications={applications.data ?? []}
          addons={addons.data ?? []}
          onClose={() => setDialog(null)}
          onSaved={(hook, created) => {
            setDialog(null);
            if (created) add(hook);
            else replace(hook);
            if (hook.secret !== undefined) setSecret({ hookName: hook.name, secret: hook.secret });
            ok(created ? `Created “${hook.name}”.` : `Saved “${hook.name}”.`);
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteHookDialog
          hook={dialog.hook}
          onClose={() => setDialog(null)}
          onDelete={async () => {
            await api('DELETE', `${base}/${enc(dialog.hook.id)}`);
            setDialog(null);
            drop(dialog.hook.id);
            ok(`Deleted “${dialog.hook.name}”.`);
          }}
        />
      )}
      {dialog?.kind === 'rotate' && (
        <RotateSecretDialog
          hook={dialog.hook}
          onClose={() => setDialog(null)}
          onRotate={async (overlapSeconds) => {
            const answer = await api<Hook>('POST', `${base}/${enc(dialog.hook.id)}/secret/rotate`, {
              overlap_seconds: overlapSeconds,
            });
            setDialog(null);
            replace(answer);
            // The previous secrets sign until the latest of their expiries (none left: they stopped).
            const until = (answer.secrets ?? [])
              .map((entry) => entry.expires_at)
              .filter((at): at is string => at !== null)
              .sort()
              .pop();
            setSecret({ hookName: answer.name, secret: answer.secret ?? '', rotatedUntil: until ?? null });
            ok(`Rotated the signing secret of “${answer.name}”.`);
          }}
        />
      )}
    </main>
  );
}
