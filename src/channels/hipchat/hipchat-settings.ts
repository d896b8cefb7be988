import { pacingKey } from '../chat-common.ts';
import { SecretRedactor } from '../secret-redactor.ts';

/** A Hipchat hook's settings, checked, with what every request to it needs. */
export interface HipchatTarget {
  /** The server's base URL, without a trailing slash. */
  readonly server: string;
  readonly version: 1 | 2;
  readonly token: string;
  readonly room: string;
  /** `Hipchat at <origin>`: how errors name the server. */
  readonly what: string;
  readonly redactor: SecretRedactor;
  /** The token's rate limit (v2: 500 requests / 5 min per token); a hash, never the token. */
  readonly tokenKey: string;
  /** The room's flood control (v2: 30 messages a minute per room). */
  readonly roomKey: string;
}

/** Checks a Hipchat hook's decrypted settings; errors never quote the token. */
export function parseHipchatSettings(settings: Readonly<Record<string, unknown>>): HipchatTarget | { error: string } {
  const { server_url: serverUrl, api_version: version, token, room } = settings;
  if (typeof serverUrl !== 'string') return { error: 'hipchat settings: "server_url" must be a string' };
  let parsed: URL;
  try {
    parsed = new URL(serverUrl);
  } catch {
    return { error: 'hipchat settings: "server_url" is not a valid URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { error: 'hipchat settings: "server_url" must start with https://' };
  }
  if (version !== 1 && version !== 2) return { error: 'hipchat settings: "api_version" must be 1 or 2' };
  if (typeof token !== 'string' || token === '') return { error: 'hipchat settings: "token" must be a string' };
  if (typeof room !== 'string' || room === '') return { error: 'hipchat settings: "room" must be a string' };
  const server = serverUrl.replace(/\/+$/, '');
  return {
    server,
    version,
    token,
    room,
    what: `Hipchat at ${parsed.origin}`,
    redactor: new SecretRedactor([token]),
    tokenKey: pacingKey('hipchat', server, token),
    roomKey: pacingKey('hipchat-room', server, token, room),
  };
}

/** `{server}/v1/...` or `{server}/v2/...`, keeping a base path a self-hosted server may have. */
export function hipchatUrl(target: HipchatTarget, path: string): URL {
  return new URL(`${target.server}${path}`);
}
