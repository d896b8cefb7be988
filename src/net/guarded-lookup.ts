import { promises as dns } from 'node:dns';
import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { forbiddenRange } from './address-policy.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The operating system's resolver (getaddrinfo, so /etc/hosts counts), answers in its order. */
export const systemResolver: Resolver = async (hostname) => {
  const answers = await dns.lookup(hostname, { all: true, verbatim: true });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

/** A connection was not attempted because the target is an address Clarion does not deliver to. */
export class TargetRefusedError extends Error {
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`refused to connect to ${host}: ${reason}`);
    this.name = 'TargetRefusedError';
  }
}

function notFound(hostname: string, detail: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`host name ${hostname} ${detail}`);
  error.code = 'ENOTFOUND';
  return error;
}

function requestedFamily(family: number | string | undefined): 0 | 4 | 6 {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

async function resolveChecked(
  hostname: string,
  family: 0 | 4 | 6,
  options: { resolver: Resolver; allowPrivate: boolean },
): Promise<LookupAddress[]> {
  const answers = await options.resolver(hostname);
  // The family comes from the address itself, so a resolver cannot mislabel what Node connects to.
  const addresses = answers.map(({ address }) => ({ address, family: isIP(address) }));
  if (!options.allowPrivate) {
    // Any bad answer refuses the whole host: Node may try every address it is handed.
    for (const { address } of addresses) {
      const reason = forbiddenRange(address);
      if (reason !== null) throw new TargetRefusedError(hostname, reason);
    }
  }
  const usable = addresses.filter((answer) => answer.family !== 0 && (family === 0 || answer.family === family));
  if (usable.length === 0) {
    throw notFound(hostname, family === 0 ? 'does not resolve' : `has no IPv${family} address`);
  }
  return usable;
}

/**
 * Returns a `lookup` for `net.connect`/`tls.connect` (and undici's `connect` options) that resolves
 * the host once with `resolver` and hands Node exactly the addresses it checked, so the socket
 * connects to a vetted address even if DNS answers differently a moment later. Unless
 * `allowPrivate`, the callback gets a `TargetRefusedError` when any address is forbidden.
 * Supports both callback shapes (`options.all` true or false) and honours `options.family` 4 or 6.
 */
export function createGuardedLookup(options: { resolver: Resolver; allowPrivate: boolean }): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    const all = lookupOptions.all === true;
    resolveChecked(hostname, requestedFamily(lookupOptions.family), options).then(
      (addresses) => {
        const [first] = addresses;
        if (all) callback(null, addresses);
        else if (first !== undefined) callback(null, first.address, first.family);
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : notFound(hostname, `could not be resolved: ${String(error)}`);
        callback(failure, all ? [] : '');
      },
    );
  };
}
