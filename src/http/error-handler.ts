import type { FastifyError, FastifyInstance } from 'fastify';
import { ClarionError } from '../errors.ts';
import { newId } from '../ids.ts';

/** The body of every error answer (Fastify's shape, plus a stable code). */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code: string;
  errorId?: string;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Maps every error to `{statusCode, error, message, code}`. Client errors say what to fix; a
 * 5xx says nothing of the internals and carries an id that is also in the log.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    const error = new ClarionError('CLARION_ERR_NOT_FOUND', request.method, request.url.split('?')[0] ?? '');
    void reply.status(404).send(body(error.statusCode, error.code, error.message));
  });

  app.setErrorHandler((raw: FastifyError, request, reply) => {
    if (raw instanceof ClarionError) {
      return reply.status(raw.statusCode).send(body(raw.statusCode, raw.code, raw.message));
    }
    if (raw.validation) {
      const where = raw.validationContext ?? 'body';
      return reply
        .status(400)
        .send(
          body(400, 'FST_ERR_VALIDATION', raw.message.replace(/^(body|querystring|params|headers)\//, `${where}/`)),
        );
    }
    switch (raw.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY': {
        const error = new ClarionError('CLARION_ERR_REQUEST_MALFORMED_JSON', raw.message);
        return reply.status(400).send(body(400, error.code, error.message));
      }
      case 'FST_ERR_CTP_BODY_TOO_LARGE': {
        const error = new ClarionError('CLARION_ERR_REQUEST_TOO_LARGE', app.initialConfig.bodyLimit ?? 0);
        return reply.status(413).send(body(413, error.code, error.message));
      }
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
        const error = new ClarionError('CLARION_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE');
        return reply.status(415).send(body(415, error.code, error.message));
      }
    }
    if (raw.statusCode !== undefined && raw.statusCode >= 400 && raw.statusCode < 500) {
      // Fastify's own client errors (bad content length, ...) keep their code and message.
      return reply
        .status(raw.statusCode)
        .send(body(raw.statusCode, raw.code ?? 'CLARION_ERR_REQUEST_INVALID', raw.message));
    }
    const errorId = newId('err');
    request.log.error({ err: raw, errorId }, 'request failed');
    const error = new ClarionError('CLARION_ERR_INTERNAL', errorId);
    return reply.status(500).send({ ...body(500, error.code, error.message), errorId });
  });
}

function body(statusCode: number, code: string, message: string): ErrorBody {
  return { statusCode, error: STATUS_TEXT[statusCode] ?? 'Error', message, code };
}
