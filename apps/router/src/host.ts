/**
 * The lookup key for a Host header: lower-case, port stripped, trailing dot
 * removed. Returns '' for a missing or unusable header (never matches a
 * route), which includes a port that is not all digits (reliability 46).
 */
export function hostKey(header: string | undefined): string {
  if (header === undefined || header.length === 0 || header.length > 300) return '';
  let end = header.length;
  if (header.charCodeAt(0) === 91 /* [ */) {
    const close = header.indexOf(']');
    if (close === -1) return '';
    end = close + 1;
    if (end < header.length && header.charCodeAt(end) !== 58 /* : */) return '';
  } else {
    const colon = header.indexOf(':');
    if (colon !== -1) end = colon;
  }
  if (end < header.length && !isDigits(header, end + 1)) return '';
  if (end > 0 && header.charCodeAt(end - 1) === 46 /* . */) end -= 1;
  const name = end === header.length ? header : header.slice(0, end);
  return hasUpper(name) ? name.toLowerCase() : name;
}

/** `from` to the end is digits only (an empty port is allowed, as RFC 3986 does). */
function isDigits(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function hasUpper(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}
