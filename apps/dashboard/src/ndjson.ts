/**
 * Splits a byte stream into lines, whatever the chunk boundaries: a line (or
 * a multi-byte character) cut between two chunks is kept until its end comes.
 */
export class LineSplitter {
  private readonly decoder = new TextDecoder();
  private rest = '';

  /** The complete lines in this chunk (and the one it completes). */
  push(chunk: Uint8Array | string): string[] {
    this.rest += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const parts = this.rest.split('\n');
    this.rest = parts.pop() ?? '';
    return parts.map(stripCr).filter((l) => l !== '');
  }

  /** What is left once the stream ended: a last line without its newline. */
  end(): string[] {
    const last = stripCr(this.rest + this.decoder.decode());
    this.rest = '';
    return last === '' ? [] : [last];
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Parses NDJSON lines, skipping any that are not JSON objects. */
export function parseLines<T>(lines: string[]): T[] {
  const out: T[] = [];
  for (const line of lines) {
    try {
      const v: unknown = JSON.parse(line);
      if (v !== null && typeof v === 'object') out.push(v as T);
    } catch {
      // A broken line says nothing we could show.
    }
  }
  return out;
}
