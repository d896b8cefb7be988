import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';

/** Ids the platform may choose: letters, digits and `._:-`, up to 128 characters. */
export const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' });

export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Items per page' })),
  cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page' })),
});
export type PageQuery = Static<typeof PageQuery>;

export const ErrorBody = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String(),
  code: Type.String(),
  errorId: Type.Optional(Type.String()),
});

export function pageOf<T extends ReturnType<typeof Type.Object>>(item: T) {
  return Type.Object({ data: Type.Array(item), next_cursor: Type.Union([Type.String(), Type.Null()]) });
}

export const Timestamp = Type.String({ format: 'date-time' });

export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** Pagination with the documented default. */
export function pageRequest(query: PageQuery): { limit: number; cursor: string | undefined } {
  return { limit: query.limit ?? 50, cursor: query.cursor };
}

/**
 * preValidation for routes whose whole body is optional: Fastify validates a missing body as
 * `undefined`, which no object schema accepts, so a request without one is checked as `{}`.
 */
export function missingBodyIsEmpty(request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  request.body ??= {};
  done();
}
