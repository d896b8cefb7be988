// Receivers sometimes echo the request line in error pages ("Cannot POST /services/T0/B0/xyz"),
// and HTTP clients quote URLs in their errors: every channel strips its target's secrets from
// what it keeps of an answer or an error.

/**
 * Replaces secrets in receivers' answers and in error texts. Built once per target's settings
 * from the secret values themselves and, for URLs that carry secrets, their secret-looking parts
 * (path segments and query values at least `minPartLength` long).
 */
export class SecretRedactor {
  /** Longest first, so a whole URL is replaced before its segments are looked for. */
  private readonly candidates: readonly string[];

  constructor(secrets: readonly string[], secretUrls: readonly URL[] = [], minPartLength = 8) {
    const candidates = new Set<string>();
    for (const secret of secrets) {
      if (secret === '') continue;
      candidates.add(secret);
      candidates.add(encodeURIComponent(secret));
    }
    for (const url of secretUrls) {
      candidates.add(url.href);
      candidates.add(`${url.pathname}${url.search}`);
      if (url.password !== '') candidates.add(url.password);
      for (const segment of url.pathname.split('/')) {
        if (segment.length >= minPartLength) candidates.add(segment);
      }
      for (const value of url.searchParams.values()) {
        if (value.length >= minPartLength) candidates.add(value);
      }
    }
    candidates.delete('/');
    candidates.delete('');
    this.candidates = [...candidates].sort((a, b) => b.length - a.length);
  }

  /**
   * The parts of one target URL that may be credentials. A webhook's or push endpoint's path is
   * mostly routing, so only longer parts (12+) count: a short `/hooks/ci` stays readable.
   */
  static forUrl(target: URL): SecretRedactor {
    return new SecretRedactor([], [target], 12);
  }

  /** `text` with every occurrence of a secret replaced by `[redacted]`. */
  redact(text: string): string {
    let redacted = text;
    for (const candidate of this.candidates) {
      // Most answers ("ok", "{}") contain none: looking is cheaper than splitting.
      if (redacted.includes(candidate)) redacted = redacted.split(candidate).join('[redacted]');
    }
    return redacted;
  }
}
