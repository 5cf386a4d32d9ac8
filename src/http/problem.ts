// RFC 9457 problem details for every HTTP error: `type` is a stable URN built from the error code, so
// clients branch on `code` (or `type`) and never on the human text.

import type { FastifyReply } from 'fastify';
import { EddyError, ErrorCodes, type ErrorCode } from '../errors.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  [extra: string]: unknown;
}

export function problemOf(err: EddyError, instance?: string): Problem {
  return {
    type: `urn:eddy:problem:${err.code}`,
    title: ErrorCodes[err.code].title,
    status: err.httpStatus,
    detail: err.message,
    code: err.code,
    ...(instance ? { instance } : {}),
    ...(err.detail ?? {}),
  };
}

export function sendProblem(reply: FastifyReply, err: EddyError): FastifyReply {
  const p = problemOf(err, reply.request.url);
  if (err.code === 'log.disk_full') void reply.header('retry-after', '5');
  return reply.code(p.status).type('application/problem+json').send(p);
}

/** Maps fastify's own errors (body limit, bad JSON, media type) onto our codes. */
export function toEddyError(e: unknown): EddyError {
  if (e instanceof EddyError) return e;
  const fe = e as { code?: string; statusCode?: number; message?: string };
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new EddyError('request.body_too_large', fe.message ?? 'request body too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new EddyError('request.unsupported_media_type', fe.message ?? 'unsupported content type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new EddyError('request.malformed_json', fe.message ?? 'malformed JSON');
    default:
      break;
  }
  if (e instanceof SyntaxError) return new EddyError('request.malformed_json', `malformed JSON: ${e.message}`);
  if (fe.statusCode === 400) return new EddyError('request.invalid', fe.message ?? 'bad request');
  if (fe.statusCode === 415) return new EddyError('request.unsupported_media_type', fe.message ?? 'unsupported content type');
  if (fe.statusCode === 413) return new EddyError('request.body_too_large', fe.message ?? 'request body too large');
  return new EddyError('broker.internal', 'internal error');
}
