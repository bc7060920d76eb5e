/**
 * Docker multiplexes stdout and stderr of a non-TTY container into frames:
 * an 8-byte header (stream type, 3 zero bytes, big-endian payload length)
 * followed by the payload. This joins the payloads in arrival order.
 */
export function demuxFrames(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, Math.min(at + 8 + size, raw.length)));
    at += 8 + size;
  }
  return Buffer.concat(parts);
}

/** Splits output into lines without the empty string after a final newline. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
