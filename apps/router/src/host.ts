/**
 * The lookup key for a Host header: lower-case, port stripped, trailing dot
 * removed. Returns '' for a missing or unusable header (never matches a route).
 */
export function hostKey(header: string | undefined): string {
  if (header === undefined || header.length === 0 || header.length > 300) return '';
  let end = header.length;
  if (header.charCodeAt(0) === 91 /* [ */) {
    const close = header.indexOf(']');
    if (close === -1) return '';
    end = close + 1;
  } else {
    const colon = header.indexOf(':');
    if (colon !== -1) end = colon;
  }
  if (end > 0 && header.charCodeAt(end - 1) === 46 /* . */) end -= 1;
  const name = end === header.length ? header : header.slice(0, end);
  return hasUpper(name) ? name.toLowerCase() : name;
}

function hasUpper(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}
