import { HOME_DIR, CURRENT_DIR } from '../layout.js';
import { execForm } from '../shell.js';
import type { DependencyStep, PlanContext } from '../build-plan.js';

/**
 * Where the app's php.ini is linked from: PHP reads every .ini in the
 * directories of PHP_INI_SCAN_DIR, and the leading ':' keeps Debian's own
 * conf.d first, so the app's file is read last and its values win, as on
 * dotCloud. The same for php-fpm and the php CLI (workers, `paas run`).
 */
export const PHP_APP_INI_DIR = `${HOME_DIR}/.php.d`;
export const PHP_INSTANCE_ENV: Record<string, string> = { PHP_INI_SCAN_DIR: `:${PHP_APP_INI_DIR}` };

// Scripts and dev packages stay out of an image; the autoloader is dumped once the code is in.
const COMPOSER_INSTALL = ['composer', 'install', '--no-dev', '--no-interaction', '--no-progress', '--no-scripts', '--no-autoloader'];
const COMPOSER_CACHE = `${HOME_DIR}/.cache/composer`;

function hasComposerJson(ctx: PlanContext): boolean {
  return ctx.hasInApproot('composer.json');
}

function needsComposer(ctx: PlanContext): boolean {
  return hasComposerJson(ctx) || ctx.service.requirements.length > 0;
}

/** php-fpm + nginx-light for php, php-cli for php-worker; composer only when there is something to install. */
export function phpPackages(base: string[]): (ctx: PlanContext) => string[] {
  return (ctx) => (needsComposer(ctx) ? [...base, 'composer', 'unzip', 'ca-certificates'] : base);
}

export function phpPathDirs(ctx: PlanContext): string[] {
  return needsComposer(ctx) ? [`${CURRENT_DIR}/vendor/bin`] : [];
}

export function composerDependencies(ctx: PlanContext): DependencyStep {
  const step: DependencyStep = { manifests: [], run: [] };
  // The link is made before the code is in (a dangling link until then), so a push that only changes php.ini reuses every layer.
  if (ctx.hasInApproot('php.ini')) {
    step.run.push(`RUN mkdir -p ${PHP_APP_INI_DIR} && ln -sfn ${CURRENT_DIR}/php.ini ${PHP_APP_INI_DIR}/zz-app.ini`);
  }
  if (hasComposerJson(ctx)) {
    step.manifests.push('composer.json', ...(ctx.hasInApproot('composer.lock') ? ['composer.lock'] : []));
    step.run.push(`RUN ${COMPOSER_INSTALL.join(' ')} && rm -rf ${COMPOSER_CACHE}`);
  }
  // `--` so a requirement is never read as a composer option.
  if (ctx.service.requirements.length > 0) {
    step.run.push(`RUN ${execForm(['composer', 'require', '--update-no-dev', '--no-interaction', '--no-progress', '--no-scripts', '--', ...ctx.service.requirements])}`);
  }
  return step;
}

/** vendor/autoload.php, once the code (and its autoload paths) is in. */
export function composerAfterCode(ctx: PlanContext): string[] {
  return hasComposerJson(ctx) ? [`RUN ${execForm(['composer', 'dump-autoload', '--no-dev', '--optimize', '--no-interaction'])}`] : [];
}
