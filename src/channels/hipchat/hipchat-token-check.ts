import { ClarionError } from '../../errors.ts';
import type { HookSettingsVerifier } from '../../hooks/hook-settings-verifier.ts';
import type { HttpClient } from '../../net/http-client.ts';
import { callService } from '../chat-common.ts';
import { hipchatUrl, parseHipchatSettings } from './hipchat-settings.ts';

export interface HipchatTokenCheckOptions {
  readonly http: HttpClient;
  /** Bound on the check: the API caller is waiting. Default 10 000. */
  readonly timeoutMs?: number;
}

/**
 * Asks the Hipchat server whether a hook's token works before the hook is saved, so a typo shows
 * at once rather than as failed deliveries later. v2: the room notification call with
 * `auth_test=true` (Hipchat checks the token and answers 202 without posting). v1: `rooms/show`
 * for the hook's room, the cheapest authenticated call that also proves the room exists.
 *
 * A refused token is `CLARION_ERR_HOOK_TOKEN_REJECTED`; a server that cannot be asked (down,
 * unreachable, not a Hipchat API) is `CLARION_ERR_HOOK_SERVER_UNREACHABLE`. Neither quotes the token.
 */
export class HipchatTokenCheck implements HookSettingsVerifier {
  private readonly http: HttpClient;
  private readonly timeoutMs: number;

  constructor(options: HipchatTokenCheckOptions) {
    this.http = options.http;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async verify(settings: Readonly<Record<string, unknown>>): Promise<void> {
    const target = parseHipchatSettings(settings);
    if ('error' in target) throw new ClarionError('CLARION_ERR_REQUEST_INVALID', target.error);
    const signal = AbortSignal.timeout(this.timeoutMs + 1000);
    const request =
      target.version === 2
        ? {
            url: hipchatUrl(target, `/v2/room/${encodeURIComponent(target.room)}/notification?auth_test=true`),
            init: {
              method: 'POST' as const,
              headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
              body: JSON.stringify({ message: 'Clarion token check' }),
            },
          }
        : {
            url: hipchatUrl(
              target,
              `/v1/rooms/show?${new URLSearchParams({ format: 'json', room_id: target.room, auth_token: target.token }).toString()}`,
            ),
            init: { method: 'GET' as const },
          };
    const answer = await callService(
      this.http,
      request.url,
      { ...request.init, signal, timeoutMs: this.timeoutMs },
      target.what,
    );
    const api = `API v${target.version}`;
    if ('report' in answer) {
      throw new ClarionError(
        'CLARION_ERR_HOOK_SERVER_UNREACHABLE',
        target.redactor.redact(answer.report.error ?? 'no answer'),
        'server_url',
      );
    }
    const { statusCode } = answer.response;
    if (statusCode === 200 || statusCode === 202) return;
    if (statusCode === 401) {
      throw new ClarionError(
        'CLARION_ERR_HOOK_TOKEN_REJECTED',
        `${target.what} refused the token (401). Use a room notification token or a user token with the send_notification scope (${api})`,
      );
    }
    if (statusCode === 403) {
      throw new ClarionError(
        'CLARION_ERR_HOOK_TOKEN_REJECTED',
        `${target.what} says the token may not post to room "${target.room}" (403). Give it the send_notification scope, or use an admin or notification token for v1`,
      );
    }
    if (statusCode === 404 && target.version === 1) {
      throw new ClarionError(
        'CLARION_ERR_HOOK_TOKEN_REJECTED',
        `${target.what} knows no room "${target.room}" (404). Set "room" to the room's id or exact name`,
      );
    }
    throw new ClarionError(
      'CLARION_ERR_HOOK_SERVER_UNREACHABLE',
      `${target.what} answered ${statusCode} to the ${api} token check, not as a Hipchat server does`,
      'server_url and api_version',
    );
  }
}
