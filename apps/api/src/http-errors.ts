import { PaasError, type ErrorBody } from '@paas/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** The only place that turns errors into HTTP: catalogue status + ErrorBody. */
export function toHttpError(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof PaasError) return { status: err.status, body: err.toBody() };
  const fe = err as Partial<FastifyError>;
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = fe.statusCode === 413 ? 'UPLOAD_TOO_LARGE' : fe.statusCode === 404 ? 'NOT_FOUND' : 'BAD_REQUEST';
    const e = new PaasError(code, fe.message ?? 'bad request');
    return { status: fe.statusCode, body: e.toBody() };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'internal error; see the API log' } };
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toHttpError(err);
  if (status >= 500) request.log.error({ err }, 'request failed');
  // 408 means we stopped waiting for the client's request (RFC 9110 15.5.9): close the
  // connection once the answer is out, rather than keep a stalled client's socket open.
  if (status === 408) void reply.header('connection', 'close');
  void reply.status(status).send(body);
}
