import { checkEnvKey, checkEnvTotal, checkEnvValue, isPaasError, PaasError } from '@paas/core';

/**
 * A strict reader of dotenv files for `paas env set -f FILE`:
 *
 *   # a comment
 *   export NAME=value            # `export ` is allowed; a ` #` ends an unquoted value
 *   SINGLE='kept as is, $HOME and \n too'
 *   DOUBLE="escapes \n \r \t \" \\ and \$; may span
 *   several lines"
 *
 * Nothing is expanded ($VAR stays as written). Unlike the `dotenv` package,
 * which skips a line it cannot read without a word (a typo silently drops a
 * secret), every line that is not a comment, blank or NAME=value is an error
 * naming the file and line — never the value — and a name given twice is
 * an error too.
 */
export function parseDotenv(text: string, file = '.env'): Record<string, string> {
  const out: Record<string, string> = {};
  const seenAt = new Map<string, number>();
  const src = text.replace(/^\uFEFF/, '');
  let pos = 0;
  let line = 1;
  const fail = (at: number, message: string): never => {
    throw new PaasError('ENV_INVALID', `${file}:${at}: ${message}`, { path: `${file}:${at}`, hint: 'lines are NAME=value, NAME="value" or NAME=\'value\'; # starts a comment' });
  };
  while (pos < src.length) {
    const start = line;
    const eol = src.indexOf('\n', pos);
    const rawLine = src.slice(pos, eol < 0 ? src.length : eol).replace(/\r$/, '');
    const trimmed = rawLine.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) {
      pos = eol < 0 ? src.length : eol + 1;
      line++;
      continue;
    }
    const m = /^(?:export[ \t]+)?([^=\s]*)[ \t]*=[ \t]*/.exec(trimmed);
    if (!m) fail(start, 'expected NAME=value');
    const key = (m as RegExpExecArray)[1] as string;
    try {
      checkEnvKey(key);
    } catch (err) {
      if (isPaasError(err)) fail(start, err.message);
      throw err;
    }
    let valuePos = pos + (rawLine.length - trimmed.length) + (m as RegExpExecArray)[0].length;
    let value: string;
    const quote = src[valuePos];
    if (quote === '"' || quote === "'") {
      valuePos++;
      let v = '';
      let closed = false;
      while (valuePos < src.length) {
        const c = src[valuePos] as string;
        if (c === quote) {
          closed = true;
          valuePos++;
          break;
        }
        if (c === '\n') line++;
        if (quote === '"' && c === '\\' && valuePos + 1 < src.length) {
          const next = src[valuePos + 1] as string;
          const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$' };
          const e = escapes[next];
          if (e !== undefined) {
            v += e;
            valuePos += 2;
            continue;
          }
        }
        v += c;
        valuePos++;
      }
      if (!closed) fail(start, `the quoted value of ${key} is not closed`);
      // After the closing quote: only spaces and a comment.
      const restEnd = src.indexOf('\n', valuePos);
      const rest = src.slice(valuePos, restEnd < 0 ? src.length : restEnd).replace(/\r$/, '');
      if (!/^[ \t]*(#.*)?$/.test(rest)) fail(line, `unexpected text after the closing quote of ${key}`);
      value = v;
      pos = restEnd < 0 ? src.length : restEnd + 1;
    } else {
      const end = eol < 0 ? src.length : eol;
      value = src.slice(valuePos, end).replace(/\r$/, '');
      const comment = /[ \t]#/.exec(value);
      if (comment) value = value.slice(0, comment.index);
      value = value.trim();
      pos = eol < 0 ? src.length : eol + 1;
    }
    line++;
    const before = seenAt.get(key);
    if (before !== undefined) fail(start, `${key} is set twice (lines ${before} and ${start})`);
    seenAt.set(key, start);
    try {
      out[key] = checkEnvValue(key, value);
    } catch (err) {
      if (isPaasError(err)) throw new PaasError(err.code, `${file}:${start}: ${err.message}`, err.hint === undefined ? {} : { hint: err.hint });
      throw err;
    }
  }
  checkEnvTotal(out);
  return out;
}

/** A value as `paas env list` prints it: bare when plain, otherwise double-quoted so that parseDotenv reads it back unchanged. */
export function formatDotenvValue(value: string): string {
  if (/^[A-Za-z0-9_./:@%+,=-]*$/.test(value)) return value;
  return `"${value.replace(/[\\"\n\r\t$]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', $: '\\$' })[c] as string)}"`;
}
