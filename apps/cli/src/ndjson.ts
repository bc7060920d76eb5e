import type { Readable } from 'node:stream';

/** Yields one parsed value per non-empty line of a newline-delimited JSON stream. */
export async function* readNdjson(stream: Readable): AsyncGenerator<unknown> {
  let buffered = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream as AsyncIterable<string>) {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line !== '') yield JSON.parse(line) as unknown;
    }
  }
  // A last line without its newline is still a whole event only if it parses.
  const rest = buffered.trim();
  if (rest !== '') {
    try {
      yield JSON.parse(rest) as unknown;
    } catch {
      // a half-written line: the stream was cut; the caller notices the missing `done`
    }
  }
}
