import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';

/** Asks one question on the terminal and returns the answer without its newline. */
export async function ask(question: string, input: Readable, output: Writable): Promise<string> {
  const rl = createInterface({ input, output, terminal: false });
  try {
    output.write(question);
    // Ctrl-D closes the input: treat it as an empty answer, not as a hang.
    const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
    return (await Promise.race([rl.question(''), closed])).trim();
  } finally {
    rl.close();
  }
}
