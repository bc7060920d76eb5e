import type { Command } from 'commander';

/** Every app command takes -a/--app; without it the directory's link decides. */
export function withAppOption(cmd: Command): Command {
  return cmd.option('-a, --app <name>', 'the app (default: the one this directory is linked to)');
}
