/**
 * Reading what went wrong from a network error without its message: undici's and Node's
 * messages can quote the URL (and its secrets), so channels report only codes and names.
 */

/** The first error along the `cause` chain that `match` accepts. */
export function findInCauses<T>(error: unknown, match: (e: unknown) => e is T): T | undefined {
  let current: unknown = error;
  // Bounded: a cause chain may be cyclic.
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (match(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

// Errors known by name rather than code: the HttpClient's own deadline, and DOMExceptions.
const NAMED_ERRORS = new Set(['HttpTimeoutError', 'TimeoutError', 'AbortError']);

/**
 * The first error code (ECONNREFUSED, UND_ERR_SOCKET...) along the cause chain, else the name of
 * a known timeout or abort, else the error's class name: never a message.
 */
export function errorCode(error: unknown): string | undefined {
  const found = findInCauses(
    error,
    (e): e is { code: string } =>
      typeof (e as { code?: unknown }).code === 'string' && /^[A-Z0-9_]+$/.test((e as { code: string }).code),
  );
  if (found) return found.code;
  const named = findInCauses(error, (e): e is Error => e instanceof Error && NAMED_ERRORS.has(e.name));
  if (named) return named.name;
  return error instanceof Error ? error.name : undefined;
}
