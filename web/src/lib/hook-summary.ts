// How a hook reads in one line of the list: where it sends, which events, for what.
import { HIPCHAT_DEFAULT_SERVER_URL, type Catalog, type Hook, type Resource } from './hooks.ts';

const REDACTED = '[redacted]';

/** Where the hook sends, with secrets as the API redacts them. */
export function targetOf(hook: Hook): string {
  switch (hook.kind) {
    case 'webhook':
      return `${hook.url ?? ''} (${hook.format ?? 'raw'})`;
    case 'email': {
      const to = hook.to;
      if (to === 'members') return 'Every member (by role)';
      if (to === 'owners') return 'The owners';
      return Array.isArray(to) ? to.join(', ') : '';
    }
    case 'slack':
      return [`URL ${hook.url ?? REDACTED}`, hook.channel, hook.username && `as ${hook.username}`]
        .filter(Boolean)
        .join(' · ');
    case 'hipchat': {
      const server = hook.server_url === HIPCHAT_DEFAULT_SERVER_URL ? 'Hipchat Cloud' : (hook.server_url ?? '');
      return `Room ${hook.room ?? ''} on ${server} (API v${hook.api_version ?? 2}) · token ${hook.token ?? REDACTED}`;
    }
    case 'flowdock':
      return `Flow token ${hook.flow_token ?? REDACTED}`;
    default:
      return '';
  }
}

/** The event filter in words: groups by their description, types by name. */
export function eventsSummary(hook: Hook, catalog: Catalog | undefined): string {
  if (hook.events === 'all') return 'All events';
  return hook.events
    .map((entry) => {
      if (!entry.startsWith('group:')) return entry;
      const name = entry.slice('group:'.length);
      const group = catalog?.groups.find((g) => g.name === name);
      return `${group?.description || name} (group)`;
    })
    .join(', ');
}

/** Which applications and add-ons the hook covers, by name. */
export function scopeSummary(hook: Hook, applications: readonly Resource[], addons: readonly Resource[]): string {
  if (hook.applications === null && hook.addons === null) return 'Everything';
  const names = (ids: string[] | null, all: readonly Resource[]) =>
    (ids ?? []).map((id) => all.find((r) => r.id === id)?.name ?? id);
  const parts: string[] = [];
  const apps = names(hook.applications, applications);
  const adds = names(hook.addons, addons);
  if (apps.length > 0) parts.push(`Applications: ${apps.join(', ')}`);
  if (adds.length > 0) parts.push(`Add-ons: ${adds.join(', ')}`);
  return parts.length === 0 ? 'Nothing (no application or add-on chosen)' : parts.join(' · ');
}

/** A webhook's signing secrets: one, or the previous ones still signing during a rotation. */
export function signingSummary(hook: Hook): string | null {
  if (hook.kind !== 'webhook' || hook.secrets === undefined) return null;
  const previous = hook.secrets.filter((entry) => entry.expires_at !== null);
  if (previous.length === 0) return 'One signing secret';
  const last = previous.map((entry) => Date.parse(entry.expires_at!)).reduce((a, b) => Math.max(a, b));
  return `Rotating: the previous secret also signs until ${new Date(last).toLocaleString()}`;
}
