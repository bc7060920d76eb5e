import { resolve } from 'node:path';
import type { Command } from 'commander';
import { describeService, isPaasError } from '@paas/core';
import type { Context } from '../context.js';
import type { Output } from '../output.js';
import { loadSpec, type LoadedSpec } from '../spec-load.js';

/** The summary `validate` and `push` both print before anything else happens. */
export function printSpecSummary(spec: LoadedSpec, out: Output): void {
  if (spec.fileWarning !== undefined) out.warn(spec.fileWarning);
  const services = Object.values(spec.spec.services);
  const source = spec.file === 'Procfile' ? 'Procfile (no paas.yml; a Heroku-style app)' : spec.file;
  out.step(`${source}: ${services.length} ${services.length === 1 ? 'service' : 'services'}`);
  for (const s of services) out.detail(describeService(s));
  for (const w of spec.warnings) out.warn(`${w.path}: ${w.message}`);
}

export function registerValidate(program: Command, ctx: Context): void {
  program
    .command('validate')
    .description('check the paas.yml (or dotcloud.yml, or Procfile) in DIR without uploading anything')
    .argument('[dir]', 'directory holding the spec', '.')
    .option('--strict', 'treat warnings about unavailable runtime versions as errors')
    .option('--json', 'print the parsed spec as JSON')
    .addHelpText('after', `
Examples:
  $ paas validate
  $ paas validate ./blog --strict
  $ paas validate --json | jq '.spec.services | keys'`)
    .action(async (dir: string, opts: { strict?: boolean; json?: boolean }) => {
      const path = resolve(ctx.cwd, dir);
      let spec: LoadedSpec;
      try {
        spec = await loadSpec(path, opts.strict === true);
      } catch (err) {
        if (opts.json === true && isPaasError(err)) ctx.out.json({ valid: false, code: err.code, message: err.message, problems: err.problems ?? [] });
        throw err;
      }
      if (opts.json === true) {
        ctx.out.json({ valid: true, file: spec.file, spec: spec.spec, warnings: spec.warnings, ...(spec.derived === undefined ? {} : { derived: spec.derived }) });
        return;
      }
      printSpecSummary(spec, ctx.out);
      if (spec.derived !== undefined) {
        ctx.out.section('The paas.yml derived from the Procfile:');
        for (const line of spec.derived.trimEnd().split('\n')) ctx.out.line(`  ${line}`);
      }
    });
}
