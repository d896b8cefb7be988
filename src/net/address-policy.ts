import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Why each ipaddr.js range is refused, worded to complete "The hook URL points to …". */
const RANGE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  unspecified: 'the unspecified address',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address',
  private: 'a private network address',
  reserved: 'a reserved address',
  benchmarking: 'a benchmarking address',
  uniqueLocal: 'a unique local IPv6 address',
  deprecatedSiteLocal: 'a site-local IPv6 address',
  rfc6052: 'a NAT64 translation address',
  rfc6145: 'a NAT64 translation address',
  '6to4': 'a 6to4 relay address',
  teredo: 'a Teredo tunnel address',
};

// IANA allocates IPv6 global unicast only from 2000::/3. ipaddr.js calls everything it has no
// name for 'unicast', which would let IPv4-compatible addresses like ::7f00:1 through.
const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');
// Cloud providers answer instance credentials here; name it so the refusal is obvious.
const METADATA_ADDRESS = '169.254.169.254';

/** Strips the brackets URL syntax puts around an IPv6 literal (`[fd00::1]` -> `fd00::1`). */
function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * True when `host` is an IPv4 or IPv6 literal (brackets allowed), in exactly the forms Node's
 * `net.connect` accepts without calling its `lookup` function.
 */
export function isIpLiteral(host: string): boolean {
  return isIP(unbracket(host)) !== 0;
}

/** Names the kind of special address `address` is, or null for a public unicast address. */
function specialKind(address: ipaddr.IPv4 | ipaddr.IPv6, text: string): string | null {
  if (text === METADATA_ADDRESS) return 'the cloud metadata address';
  const range = address.range();
  if (range !== 'unicast') return RANGE_DESCRIPTIONS[range] ?? `a special-purpose address (${range})`;
  if (address instanceof ipaddr.IPv6 && !address.match(IPV6_GLOBAL_UNICAST)) {
    return 'an IPv6 address outside global unicast space';
  }
  return null;
}

/**
 * Returns why `ip` is not a deliverable target, as a phrase such as
 * "a loopback address (127.0.0.1)", or null when it is a public unicast address.
 * Anything that is not an IP literal is refused too. An IPv4-mapped IPv6 address is judged by
 * its IPv4 address and refused even when that one is public: nothing legitimate needs it.
 */
export function forbiddenRange(ip: string): string | null {
  const literal = unbracket(ip);
  if (isIP(literal) === 0) return `something that is not an IP address (${ip})`;
  const address = ipaddr.parse(literal);
  if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress()) {
    const ipv4 = address.toIPv4Address();
    const kind = specialKind(ipv4, ipv4.toString());
    if (kind === null) return `an IPv4-mapped IPv6 address (${literal})`;
    return `${kind} (${ipv4.toString()}, IPv4-mapped as ${literal})`;
  }
  const kind = specialKind(address, literal);
  return kind === null ? null : `${kind} (${literal})`;
}
