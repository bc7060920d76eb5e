import { DEFAULT_LOG_TAIL, PaasError, parseLogTail, parseLogTarget, parseSince, type LogTarget } from '@paas/core';

/** What GET /v1/apps/:app/logs was asked for. */
export interface LogQuery {
  /** Unset: every instance of every service. */
  target?: LogTarget;
  /** Lines per instance before following. */
  tail: number;
  since?: Date;
  follow: boolean;
}

/**
 * `?service=www.2&tail=50&since=10m&follow=0`. Checked before the WebSocket
 * upgrade, so a bad value is a plain 400 (BAD_REQUEST) with a message.
 */
export function parseLogQuery(query: Record<string, unknown>, now: Date = new Date()): LogQuery {
  const one = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new PaasError('BAD_REQUEST', `${name} is given more than once`);
    return value;
  };
  const service = one('service');
  const tail = one('tail');
  const since = one('since');
  const follow = one('follow');
  if (follow !== undefined && !['0', '1', 'true', 'false'].includes(follow)) {
    throw new PaasError('BAD_REQUEST', `follow must be 1 or 0, got ${JSON.stringify(follow)}`);
  }
  return {
    ...(service !== undefined && service !== '' ? { target: parseLogTarget(service) } : {}),
    tail: tail === undefined ? DEFAULT_LOG_TAIL : parseLogTail(tail),
    ...(since !== undefined ? { since: parseSince(since, now) } : {}),
    follow: follow === undefined || follow === '1' || follow === 'true',
  };
}
