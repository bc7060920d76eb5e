/**
 * Log times as text that sorts as time: RFC 3339 in UTC with nine fraction
 * digits (the engine's own format), e.g. 2026-11-29T10:00:00.123456789Z.
 */

const UTC_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

/** Any RFC 3339 time → the sortable form; UTC times keep their nanoseconds. */
export function timeKey(time: string): string {
  const m = UTC_RE.exec(time);
  if (m) return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z`;
  const ms = Date.parse(time);
  return Number.isFinite(ms) ? dateKey(new Date(ms)) : time;
}

/** A Date (milliseconds) in the sortable form. */
export function dateKey(date: Date): string {
  return date.toISOString().replace(/Z$/, '000000Z');
}

/** Back to a Date (milliseconds, rounded down): what the engine's `since` takes. */
export function keyDate(key: string): Date {
  return new Date(Date.parse(key));
}
