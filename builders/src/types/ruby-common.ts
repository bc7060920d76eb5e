import { PaasError } from '@paas/core';
import { HOME_DIR } from '../layout.js';
import { execForm } from '../shell.js';
import type { DependencyStep, PlanContext } from '../build-plan.js';

/**
 * Gems from bundler and `gem install` go to GEM_HOME, in the app's home.
 * Not bundler's `path` setting: that hides the system's gems, and with them
 * Debian's ruby-* packages, which a Gemfile may rely on.
 */
export const GEM_HOME = `${HOME_DIR}/.gems`;

/**
 * Ruby buffers stdout when it is not a terminal; an app that wants its lines
 * in `paas logs` at once sets $stdout.sync = true (docs/builders.md).
 */
export const RUBY_INSTANCE_ENV: Record<string, string> = { GEM_HOME };

const withGemHome = (args: string[]): string => `RUN ${execForm(['env', `GEM_HOME=${GEM_HOME}`, ...args])}`;

function hasGemfile(ctx: PlanContext): boolean {
  return ctx.hasInApproot('Gemfile');
}

/** ruby (and puma for the web type); bundler only with a Gemfile. */
export function rubyPackages(base: string[]): (ctx: PlanContext) => string[] {
  return (ctx) => {
    const extra = [
      ...(hasGemfile(ctx) ? ['ruby-bundler'] : []),
      ...(hasGemfile(ctx) || ctx.service.requirements.length > 0 ? ['ca-certificates'] : []),
    ];
    return [...base, ...extra];
  };
}

export function rubyPathDirs(): string[] {
  return [`${GEM_HOME}/bin`];
}

export function gemDependencies(ctx: PlanContext): DependencyStep {
  const step: DependencyStep = { manifests: [], run: [] };
  if (hasGemfile(ctx)) {
    const lock = ctx.hasInApproot('Gemfile.lock');
    step.manifests.push('Gemfile', ...(lock ? ['Gemfile.lock'] : []));
    // Kept in ~/.bundle/config, so `bundle exec` at run time skips the same groups.
    step.run.push(`RUN ${execForm(['bundle', 'config', 'set', '--global', 'without', 'development:test'])}`);
    // First from the gems already there (Debian's ruby-* packages), which needs
    // no registry; only what is missing then comes from RubyGems. With a lock,
    // install exactly it (frozen).
    const env = `GEM_HOME=${GEM_HOME}${lock ? ' BUNDLE_FROZEN=true' : ''}`;
    step.run.push(`RUN ${env} bundle install --local --jobs 2 || ${env} bundle install --jobs 2`);
  }
  // gem takes no `--` (it then finds no gem name), so a requirement that would read as an option is refused instead.
  if (ctx.service.requirements.length > 0) {
    ctx.service.requirements.forEach((req, i) => {
      if (req.startsWith('-')) {
        throw new PaasError('SPEC_INVALID', `${ctx.service.name}.requirements.${i}: ${JSON.stringify(req)} is not a gem name`, {
          path: `${ctx.service.name}.requirements.${i}`,
          hint: 'list gem names, optionally with a version as name:version (e.g. sinatra:3.0.6)',
        });
      }
    });
    step.run.push(withGemHome(['gem', 'install', '--no-document', ...ctx.service.requirements]));
  }
  return step;
}
