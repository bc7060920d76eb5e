import { Output, type Sink } from '../../src/output.js';

/** A sink that records what was written; not a TTY unless asked. */
export class Capture implements Sink {
  text = '';
  constructor(readonly isTTY = false) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

export function captureOutput(opts: { tty?: boolean } = {}): { out: Output; stdout: Capture; stderr: Capture } {
  const stdout = new Capture(opts.tty ?? false);
  const stderr = new Capture(opts.tty ?? false);
  return { out: new Output(stdout, stderr, { noColor: false, forceColor: false }), stdout, stderr };
}
