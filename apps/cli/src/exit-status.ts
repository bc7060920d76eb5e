/**
 * Thrown by a command whose result is another program's exit status
 * (`paas run`): main() exits with it and prints nothing, as the program
 * already said what it had to.
 */
export class ExitStatus extends Error {
  constructor(readonly code: number) {
    super(`exit status ${code}`);
    this.name = 'ExitStatus';
  }
}
