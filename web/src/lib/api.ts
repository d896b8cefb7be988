// The dashboard is a client of the public HTTP API like any other: same routes, same errors.
// The session cookie (HttpOnly, SameSite=Lax) travels with every same-origin request.

/** An error answer of the API: its stable code and the message that says what to fix. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Calls the API; resolves with the JSON answer (undefined for 204), rejects with an ApiError. */
export async function api<T = unknown>(method: Method, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.headers = { ...init.headers, 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'NETWORK', 'Clarion could not be reached; check your connection and try again.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const answer: unknown = text === '' ? undefined : JSON.parse(text);
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new CustomEvent('clarion:signed-out'));
    const error = (answer ?? {}) as { code?: string; message?: string };
    throw new ApiError(response.status, error.code ?? `HTTP_${response.status}`, error.message ?? response.statusText);
  }
  return answer as T;
}

/** One page of a listing, and the cursor of the next (null on the last). */
export interface Page<T> {
  readonly data: T[];
  readonly next_cursor: string | null;
}

/** A query string from the defined, non-empty values (arrays repeat the parameter). */
export function query(
  params: Record<string, string | number | boolean | readonly string[] | undefined | null>,
): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) search.append(name, item);
    else search.set(name, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** Path segments are ids the platform chose: encode them all the same. */
export const enc = encodeURIComponent;
