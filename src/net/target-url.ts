import { ClarionError, type ErrorCode } from '../errors.ts';
import { forbiddenRange, isIpLiteral } from './address-policy.ts';
import type { Resolver } from './guarded-lookup.ts';

/** The codes a refusal carries: a hook URL's by default, a Web Push endpoint's for subscriptions. */
export interface TargetErrorCodes {
  readonly invalid: ErrorCode;
  readonly forbidden: ErrorCode;
}

const HOOK_URL_ERRORS: TargetErrorCodes = {
  invalid: 'CLARION_ERR_HOOK_INVALID_URL',
  forbidden: 'CLARION_ERR_HOOK_FORBIDDEN_TARGET',
};

function parse(url: string, invalid: (reason: string) => ClarionError): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('it is not an absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalid(`the scheme must be http or https, not "${parsed.protocol.slice(0, -1)}"`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw invalid('it must not contain a user name or password; put credentials in a header instead');
  }
  if (parsed.hostname === '') throw invalid('it has no host');
  return parsed;
}

async function resolve(
  hostname: string,
  resolver: Resolver,
  invalid: (reason: string) => ClarionError,
): Promise<string[]> {
  try {
    const answers = await resolver(hostname);
    if (answers.length > 0) return answers.map(({ address }) => address);
  } catch {
    // Every resolver failure (NXDOMAIN, SERVFAIL, timeout) means the same thing to the caller.
  }
  throw invalid(`host name ${hostname} does not resolve`);
}

/**
 * Checks a hook URL when it is saved and returns it parsed. Throws a `ClarionError` with
 * `CLARION_ERR_HOOK_INVALID_URL` when it is not an absolute http(s) URL with a host and without
 * credentials, or its host name does not resolve; and, unless `allowPrivate`, with
 * `CLARION_ERR_HOOK_FORBIDDEN_TARGET` when the host is, or resolves to, any non-public address.
 * An IP-literal host is judged without any network traffic. This check alone cannot stop DNS
 * rebinding: the HTTP client checks again at connect time.
 */
export async function checkTargetUrl(
  url: string,
  options: { resolver: Resolver; allowPrivate: boolean; errors?: TargetErrorCodes },
): Promise<URL> {
  const errors = options.errors ?? HOOK_URL_ERRORS;
  const invalid = (reason: string) => new ClarionError(errors.invalid, reason);
  const parsed = parse(url, invalid);
  if (options.allowPrivate) return parsed;
  // WHATWG parsing has already turned forms like http://2130706433/ into a canonical literal.
  const addresses = isIpLiteral(parsed.hostname)
    ? [parsed.hostname]
    : await resolve(parsed.hostname, options.resolver, invalid);
  for (const address of addresses) {
    const reason = forbiddenRange(address);
    if (reason !== null) throw new ClarionError(errors.forbidden, reason);
  }
  return parsed;
}
