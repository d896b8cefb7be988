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

function findNul(value: unknown, path: string, skipData = false): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findNul(item, `${path}/${index}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (skipData && key === 'data') continue;
      const found = key.includes('\u0000') ? `${path}/${key}` : findNul(item, `${path}/${key}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
