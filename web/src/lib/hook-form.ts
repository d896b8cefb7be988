// The create / edit form of a hook as plain data: its fields, what is wrong with them (checked as
// the member types, with the API's own limits), and the request bodies they become. Pure, so the
// dialog only renders and the rules are read in one place.
import type { EmailRecipients, EventFilter, Hook, HookKind, WebhookFormat } from './hooks.ts';
import { HIPCHAT_DEFAULT_SERVER_URL, isHookKind } from './hooks.ts';

export interface HookForm {
  readonly kind: HookKind;
  readonly name: string;
  /** Webhook: the target. Slack: the incoming webhook URL (empty on edit: keep the hidden one). */
  readonly url: string;
  readonly format: WebhookFormat;
  readonly toMode: 'owners' | 'members' | 'list';
  /** Addresses, separated by commas, spaces or new lines. */
  readonly toList: string;
  readonly channel: string;
  readonly username: string;
  /** Hipchat: empty means Hipchat Cloud. */
  readonly serverUrl: string;
  readonly apiVersion: 1 | 2;
  /** Hipchat token (empty on edit: keep the hidden one). */
  readonly token: string;
  readonly room: string;
  /** Flowdock flow token (empty on edit: keep the hidden one). */
  readonly flowToken: string;
  readonly eventsMode: 'all' | 'some';
  /** Chosen entries: type names and `group:<name>`. */
  readonly events: readonly string[];
  /** Everything (no list), or only the listed applications and add-ons. */
  readonly scopeMode: 'all' | 'some';
  readonly applications: readonly string[];
  readonly addons: readonly string[];
}

export type FormField =
  | 'name'
  | 'url'
  | 'toList'
  | 'channel'
  | 'username'
  | 'serverUrl'
  | 'token'
  | 'room'
  | 'flowToken'
  | 'events'
  | 'scope';

/** The fields edited as one line (or block) of text: a TextField each. */
export type TextFormField = Exclude<FormField, 'events' | 'scope'>;

export type FormProblems = Partial<Record<FormField, string>>;

export function emptyForm(kind: HookKind): HookForm {
  return {
    kind,
    name: '',
    url: '',
    format: 'raw',
    toMode: 'members',
    toList: '',
    channel: '',
    username: '',
    serverUrl: '',
    apiVersion: 2,
    token: '',
    room: '',
    flowToken: '',
    eventsMode: 'some',
    events: [],
    scopeMode: 'all',
    applications: [],
    addons: [],
  };
}

/** The form of an existing hook. Secret settings start empty: the API never answers them. */
export function formFromHook(hook: Hook): HookForm {
  const kind: HookKind = isHookKind(hook.kind) ? hook.kind : 'webhook';
  const to = hook.to ?? 'members';
  const scoped = hook.applications !== null || hook.addons !== null;
  return {
    ...emptyForm(kind),
    name: hook.name,
    url: hook.kind === 'webhook' ? (hook.url ?? '') : '',
    format: hook.format ?? 'raw',
    toMode: Array.isArray(to) ? 'list' : to,
    toList: Array.isArray(to) ? to.join(', ') : '',
    channel: hook.channel ?? '',
    username: hook.username ?? '',
    serverUrl: hook.server_url === HIPCHAT_DEFAULT_SERVER_URL ? '' : (hook.server_url ?? ''),
    apiVersion: hook.api_version ?? 2,
    room: hook.room ?? '',
    eventsMode: hook.events === 'all' ? 'all' : 'some',
    events: hook.events === 'all' ? [] : hook.events,
    scopeMode: scoped ? 'some' : 'all',
    applications: hook.applications ?? [],
    addons: hook.addons ?? [],
  };
}

/** Why a URL Clarion would send to is not usable, or null. `required: false` lets it be empty. */
export function urlProblem(value: string, required: boolean): string | null {
  const text = value.trim();
  if (text === '') return required ? 'Enter the URL.' : null;
  if (text.length > 2048) return 'The URL is too long (2048 characters at most).';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'This is not a valid URL: write it in full, starting with https://';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'The URL must start with https:// (or http://).';
  if (url.username !== '' || url.password !== '') return 'Leave the user name and password out of the URL.';
  if (url.hostname === '') return 'The URL has no host name.';
  return null;
}

/** A warning that does not stop saving: plain http sends events (and their signature) in clear. */
export function urlWarning(value: string): string | null {
  return /^http:\/\//i.test(value.trim()) && urlProblem(value, true) === null
    ? 'Plain http: events travel unencrypted. Prefer https:// unless the receiver is on your own network.'
    : null;
}

// Close to what the API accepts (RFC 5322, simplified); the API has the last word.
const EMAIL = /^[^\s@",;<>]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;

/** The addresses of an e-mail hook's list, as typed. */
export function addressesOf(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function tooLong(value: string, max: number, what: string): string | null {
  return value.length > max ? `${what} is too long (${max} characters at most).` : null;
}

/**
 * What is wrong with the form, field by field (empty when it can be saved). `editing`: secret
 * settings may stay empty (they keep their hidden value).
 */
export function problemsOf(form: HookForm, editing: boolean): FormProblems {
  const problems: FormProblems = {};
  const set = (field: FormField, problem: string | null) => {
    if (problem !== null) problems[field] = problem;
  };
  set('name', form.name.trim() === '' ? 'Give the hook a name.' : tooLong(form.name, 200, 'The name'));
  switch (form.kind) {
    case 'webhook':
      set('url', urlProblem(form.url, true));
      break;
    case 'slack':
      set('url', urlProblem(form.url, !editing));
      set('channel', tooLong(form.channel, 80, 'The channel'));
      set('username', tooLong(form.username, 80, 'The name'));
      break;
    case 'email':
      if (form.toMode === 'list') {
        const addresses = addressesOf(form.toList);
        const bad = addresses.find((address) => !EMAIL.test(address) || address.length > 320);
        if (addresses.length === 0) set('toList', 'List at least one e-mail address.');
        else if (bad !== undefined) set('toList', `“${bad}” is not an e-mail address.`);
      }
      break;
    case 'hipchat':
      set('serverUrl', urlProblem(form.serverUrl, false));
      if (!editing && form.token.trim() === '') set('token', 'Enter the API token.');
      else set('token', tooLong(form.token, 512, 'The token'));
      set(
        'room',
        form.room.trim() === '' ? 'Name the room (its id or exact name).' : tooLong(form.room, 100, 'The room'),
      );
      break;
    case 'flowdock':
      if (!editing && form.flowToken.trim() === '') set('flowToken', "Enter the flow's API token.");
      else set('flowToken', tooLong(form.flowToken, 512, 'The token'));
      break;
  }
  if (form.eventsMode === 'some' && form.events.length === 0) {
    set('events', 'Choose at least one event, or “All events”.');
  }
  if (form.scopeMode === 'some' && form.applications.length === 0 && form.addons.length === 0) {
    set('scope', 'Choose at least one application or add-on, or “Everything”.');
  }
  return problems;
}

function eventsOf(form: HookForm): EventFilter {
  return form.eventsMode === 'all' ? 'all' : [...form.events];
}

function scopeOf(form: HookForm): { applications: string[] | null; addons: string[] | null } {
  if (form.scopeMode === 'all') return { applications: null, addons: null };
  // Once one list is set the other side covers nothing whether it is null or empty (routing's
  // rule); null is how the API shows it (`"applications": ["web"], "addons": null`).
  const list = (ids: readonly string[]) => (ids.length === 0 ? null : [...ids]);
  return { applications: list(form.applications), addons: list(form.addons) };
}

function recipientsOf(form: HookForm): EmailRecipients {
  return form.toMode === 'list' ? addressesOf(form.toList) : form.toMode;
}

/** The body of `POST .../hooks`. */
export function createBody(form: HookForm): Record<string, unknown> {
  const body: Record<string, unknown> = {
    kind: form.kind,
    name: form.name.trim(),
    events: eventsOf(form),
    ...scopeOf(form),
  };
  switch (form.kind) {
    case 'webhook':
      return { ...body, url: form.url.trim(), format: form.format };
    case 'email':
      return { ...body, to: recipientsOf(form) };
    case 'slack':
      return {
        ...body,
        url: form.url.trim(),
        ...(form.channel.trim() === '' ? {} : { channel: form.channel.trim() }),
        ...(form.username.trim() === '' ? {} : { username: form.username.trim() }),
      };
    case 'hipchat':
      return {
        ...body,
        ...(form.serverUrl.trim() === '' ? {} : { server_url: form.serverUrl.trim() }),
        api_version: form.apiVersion,
        token: form.token.trim(),
        room: form.room.trim(),
      };
    case 'flowdock':
      return { ...body, flow_token: form.flowToken.trim() };
  }
}

const sameList = (a: readonly string[] | null, b: readonly string[] | null) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The body of `PATCH .../hooks/{hook}`: the common fields, and only the settings that changed (a
 * changed Hipchat setting makes the API check the token with the server again). An optional
 * Slack override emptied is removed (`null`); an empty secret keeps the hidden one.
 */
export function updateBody(form: HookForm, hook: Hook): Record<string, unknown> {
  const body: Record<string, unknown> = { kind: hook.kind, name: form.name.trim(), events: eventsOf(form) };
  const scope = scopeOf(form);
  if (!sameList(scope.applications, hook.applications)) body['applications'] = scope.applications;
  if (!sameList(scope.addons, hook.addons)) body['addons'] = scope.addons;
  const changed = (name: string, value: unknown, before: unknown) => {
    if (JSON.stringify(value) !== JSON.stringify(before)) body[name] = value;
  };
  const optional = (name: 'channel' | 'username', value: string) => {
    const text = value.trim();
    changed(name, text === '' ? (hook[name] === undefined ? undefined : null) : text, hook[name]);
  };
  switch (form.kind) {
    case 'webhook':
      changed('url', form.url.trim(), hook.url);
      changed('format', form.format, hook.format);
      break;
    case 'email':
      changed('to', recipientsOf(form), hook.to);
      break;
    case 'slack':
      if (form.url.trim() !== '') body['url'] = form.url.trim();
      optional('channel', form.channel);
      optional('username', form.username);
      break;
    case 'hipchat':
      changed(
        'server_url',
        form.serverUrl.trim() === '' ? HIPCHAT_DEFAULT_SERVER_URL : form.serverUrl.trim().replace(/\/+$/, ''),
        hook.server_url,
      );
      changed('api_version', form.apiVersion, hook.api_version);
      changed('room', form.room.trim(), hook.room);
      if (form.token.trim() !== '') body['token'] = form.token.trim();
      break;
    case 'flowdock':
      if (form.flowToken.trim() !== '') body['flow_token'] = form.flowToken.trim();
      break;
  }
  return body;
}
