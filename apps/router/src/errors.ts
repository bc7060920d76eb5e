import { errorCatalogue, type ErrorCode } from '@paas/core';

/**
 * Codes the router answers with. The router is its own process and its own
 * HTTP layer, but the codes live in @paas/core's catalogue with the rest, so
 * docs/errors.md documents them too.
 */
const ROUTER_CODES = [
  'ROUTE_NOT_FOUND', 'NO_HEALTHY_TARGET', 'UPSTREAM_FAILED', 'UPSTREAM_TIMEOUT', 'BODY_TOO_LARGE', 'BAD_REQUEST', 'HEADERS_TOO_LARGE',
  'REQUEST_TIMEOUT', 'AUTH_REQUIRED', 'NOT_FOUND', 'TABLE_INVALID', 'TABLE_STALE', 'STATE_WRITE_FAILED', 'INTERNAL',
  'TLS_SET_INVALID', 'TLS_SET_STALE',
] as const satisfies readonly ErrorCode[];

/** The router's codes, with status and message taken from the one catalogue in @paas/core. */
export const routerErrors = Object.fromEntries(
  ROUTER_CODES.map((code) => [code, { status: errorCatalogue[code].status, message: errorCatalogue[code].title }]),
) as Record<(typeof ROUTER_CODES)[number], { status: number; message: string }>;

export type RouterErrorCode = keyof typeof routerErrors;

/** Pre-rendered JSON bodies: the hot error paths (404/503) allocate nothing but the host string. */
export function errorBody(code: RouterErrorCode, detail?: string): string {
  const spec = routerErrors[code];
  return JSON.stringify(detail === undefined ? { code, message: spec.message } : { code, message: `${spec.message}: ${detail}` });
}
