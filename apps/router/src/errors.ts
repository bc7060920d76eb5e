/**
 * Codes the router answers with. The router is its own process and its own
 * HTTP layer, so it keeps its catalogue here (same shape as @paas/core's).
 */
export const routerErrors = {
  ROUTE_NOT_FOUND: { status: 404, message: 'No app is served at this host name' },
  NO_HEALTHY_TARGET: { status: 503, message: 'The app has no healthy instance right now' },
  UPSTREAM_FAILED: { status: 502, message: 'The app did not answer' },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is over the limit' },
  BAD_REQUEST: { status: 400, message: 'The request is malformed' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request was not sent in time' },
  AUTH_REQUIRED: { status: 401, message: 'A valid bearer token is required' },
  NOT_FOUND: { status: 404, message: 'No such control endpoint' },
  TABLE_INVALID: { status: 400, message: 'The route table is not valid' },
  TABLE_STALE: { status: 409, message: 'The router already holds a newer route table' },
  STATE_WRITE_FAILED: { status: 500, message: 'The route table could not be saved' },
  INTERNAL: { status: 500, message: 'An unexpected error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type RouterErrorCode = keyof typeof routerErrors;

/** Pre-rendered JSON bodies: the hot error paths (404/503) allocate nothing but the host string. */
export function errorBody(code: RouterErrorCode, detail?: string): string {
  const spec = routerErrors[code];
  return JSON.stringify(detail === undefined ? { code, message: spec.message } : { code, message: `${spec.message}: ${detail}` });
}
