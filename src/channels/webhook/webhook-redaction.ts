// Receivers sometimes echo the request line in error pages ("Cannot POST /services/T0/B0/xyz"):
// the parts of a hook URL that may be credentials are stripped before an excerpt is stored.

/** Path segments and query values at least this long may be tokens. */
const SECRET_LOOKING_LENGTH = 12;

/**
 * Removes the secret-looking parts of one hook URL from receivers' answers. The parts are found
 * once per URL, not once per answer: the channel keeps one redactor per hook's settings.
 */
export class TargetRedactor {
  /** Longest first, so a whole path is replaced before its segments are looked for. */
  private readonly candidates: readonly string[];

  constructor(target: URL) {
    const candidates = new Set<string>([target.href, `${target.pathname}${target.search}`]);
    if (target.password !== '') candidates.add(target.password);
    for (const segment of target.pathname.split('/')) {
      if (segment.length >= SECRET_LOOKING_LENGTH) candidates.add(segment);
    }
    for (const value of target.searchParams.values()) {
      if (value.length >= SECRET_LOOKING_LENGTH) candidates.add(value);
    }
    candidates.delete('/');
    candidates.delete('');
    this.candidates = [...candidates].sort((a, b) => b.length - a.length);
  }

  /** `text` with every occurrence of a secret-looking part replaced by `[redacted]`. */
  redact(text: string): string {
    let redacted = text;
    for (const candidate of this.candidates) {
      // Most answers ("ok", "{}") contain none: looking is cheaper than splitting.
      if (redacted.includes(candidate)) redacted = redacted.split(candidate).join('[redacted]');
    }
    return redacted;
  }
}
