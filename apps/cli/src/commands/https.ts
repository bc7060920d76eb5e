import type { Command } from 'commander';
import { DEFAULT_HSTS_MAX_AGE, MAX_HSTS_MAX_AGE, PaasError, type HttpsSettings } from '@paas/core';
import { apiClient, type Context } from '../context.js';
import { resolveApp } from '../link.js';
import { withAppOption } from './app-option.js';

interface HttpsOptions {
  app?: string;
  json?: boolean;
  redirect?: boolean;
  /** true: --hsts alone; a string: --hsts=SECONDS; false: --no-hsts. */
  hsts?: boolean | string;
}

/** The fields a PUT changes; undefined when the command only shows the settings. */
export function httpsChange(opts: Pick<HttpsOptions, 'redirect' | 'hsts'>): Partial<HttpsSettings> | undefined {
  const change: Partial<HttpsSettings> = {};
  if (opts.redirect !== undefined) change.redirect = opts.redirect;
  if (opts.hsts === true) change.hstsMaxAge = DEFAULT_HSTS_MAX_AGE;
  else if (opts.hsts === false) change.hstsMaxAge = null;
  else if (typeof opts.hsts === 'string') {
    const n = /^[0-9]+$/.test(opts.hsts) ? Number(opts.hsts) : NaN;
    if (!Number.isSafeInteger(n) || n > MAX_HSTS_MAX_AGE) {
      throw new PaasError('USAGE', `--hsts=${opts.hsts}: expected a whole number of seconds from 0 to ${MAX_HSTS_MAX_AGE}`, {
        hint: `e.g. --hsts=${DEFAULT_HSTS_MAX_AGE} (one year); --no-hsts removes the header`,
      });
    }
    change.hstsMaxAge = n;
  }
  return Object.keys(change).length === 0 ? undefined : change;
}

export function registerHttps(program: Command, ctx: Context): void {
  withAppOption(program.command('https'))
    .description("show or set the app's HTTPS switch: redirect plain HTTP to HTTPS, and HSTS")
    .option('--redirect', 'answer plain-HTTP requests with a 308 to the same URL over https://')
    .option('--no-redirect', 'serve plain HTTP again')
    .option('--hsts [seconds]', `send Strict-Transport-Security on HTTPS answers (default ${DEFAULT_HSTS_MAX_AGE} s, one year)`)
    .option('--no-hsts', 'send no Strict-Transport-Security header')
    .option('--json', 'print the settings as JSON')
    .addHelpText('after', `
Examples:
  $ paas https                        # the current settings
  $ paas https --redirect
  $ paas https --redirect --hsts=300  # try a short HSTS first
  $ paas https --no-redirect --no-hsts -a blog

Both are off by default and apply to every host of the app, its custom
domains included, at once. Browsers remember HSTS for its max-age: once they
have seen it, they refuse plain HTTP for the domain until it runs out, so
have a valid certificate first (paas certs). --hsts=0 tells browsers to
forget an earlier one.`)
    .action(async (opts: HttpsOptions) => {
      const change = httpsChange(opts);
      const app = await resolveApp(opts.app, ctx.cwd);
      const client = await apiClient(ctx);
      const path = `/apps/${encodeURIComponent(app)}/https`;
      const settings = change === undefined ? await client.request<HttpsSettings>('GET', path) : await client.request<HttpsSettings>('PUT', path, change);
      if (opts.json === true) return ctx.out.json(settings);
      if (change === undefined) ctx.out.section(`${app} HTTPS`);
      else ctx.out.step(`HTTPS settings of ${app} changed`);
      ctx.out.detail(`redirect HTTP → HTTPS: ${settings.redirect ? 'on (308)' : 'off'}`);
      ctx.out.detail(`HSTS: ${settings.hstsMaxAge === null ? 'off' : `max-age=${settings.hstsMaxAge}`}`);
    });
}
