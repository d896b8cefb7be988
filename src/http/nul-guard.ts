import type { FastifyInstance } from 'fastify';
import { ClarionError } from '../errors.ts';

/**
 * Refuses U+0000 in every string of the path, query and body (outside an event's `data`,
 * which is stored as JSON text where it is escaped). PostgreSQL cannot store NUL in text, and
 * SQLite can: without this the two stores would answer the same request differently.
 */
export function installNulGuard(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    const where =
      findNul(request.params, 'params') ?? findNul(request.query, 'querystring') ?? findNul(request.body, 'body', true);
    if (where !== undefined) {
      throw new ClarionError(
        'CLARION_ERR_REQUEST_INVALID',
        `${where} contains a NUL character (U+0000), which is not allowed`,
      );
    }
    done();
  });
}

/**
 * The path to the first string (or key) holding U+0000, or undefined. The path is built only on
 * the way back from a find: this runs on every request, over every key of its body.
 */
function findNul(value: unknown, path: string, skipData = false): string | undefined {
  const found = nulPath(value, skipData);
  return found === undefined ? undefined : `${path}${found}`;
}

/** The path below `value` ("" for the value itself, "/key/0" below it) of the first U+0000. */
function nulPath(value: unknown, skipData = false): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? '' : undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = nulPath(value[index]);
      if (found !== undefined) return `/${index}${found}`;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const key in value) {
      if (!Object.hasOwn(value, key) || (skipData && key === 'data')) continue;
      if (key.includes('\u0000')) return `/${key}`;
      const found = nulPath((value as Record<string, unknown>)[key]);
      if (found !== undefined) return `/${key}${found}`;
    }
  }
  return undefined;
}
