import { PaasError, type DataServiceInfo } from '@paas/core';
import type { ApiClient } from './api-client.js';
import type { Context } from './context.js';
import { BANG, INDENT, paint } from './output.js';
import { ask } from './prompt.js';

/** What the API shows in place of a secret unless asked for `?secrets=1`. */
export const MASK = '********';

/** `/apps/blog/services/db` (the API prefix is added by the client). */
export function servicePath(app: string, service: string): string {
  return `/apps/${encodeURIComponent(app)}/services/${encodeURIComponent(service)}`;
}

/** GET one provisioned data service; rejects with SERVICE_NOT_FOUND when the app has none of that name. */
export function getDataService(client: ApiClient, app: string, service: string, secrets = false): Promise<DataServiceInfo> {
  return client.request<DataServiceInfo>('GET', `${servicePath(app, service)}${secrets ? '?secrets=1' : ''}`);
}

/**
 * A secret as shown to people: the API already masks it unless asked, and
 * this masks it again, so a password never reaches a terminal (or a
 * screenshot) by accident.
 */
export function maskSecret(text: string, password: string, show: boolean): string {
  if (show || password === '' || password === MASK) return text;
  return text.split(password).join(MASK);
}

/** `db (postgresql) of blog` */
export function serviceLabel(s: Pick<DataServiceInfo, 'name' | 'type'>, app: string): string {
  return `${s.name} (${s.type}) of ${app}`;
}

export interface Confirmation {
  yes: boolean;
  /** What must be typed back: the name of what is deleted or replaced. */
  expected: string;
  /** Where the name comes from, for the prompt: "app", "service". */
  noun: string;
  /** `destroy db (postgresql) of blog`: completes "refusing to …". */
  action: string;
  /** The command with --yes, for the hint. */
  yesCommand: string;
  /** Said when the typed name does not match: "nothing was destroyed". */
  unchanged: string;
  /** What is lost, printed before the question; the first line gets the ` !` mark. */
  warning: string[];
}

/**
 * Asks before something that cannot be undone: on a terminal the name must
 * be typed back; without a terminal it refuses (USAGE, exit 2) unless --yes.
 */
export async function confirmByName(ctx: Context, c: Confirmation): Promise<void> {
  if (c.yes) return;
  if (ctx.stdin.isTTY !== true) {
    throw new PaasError('USAGE', `refusing to ${c.action} without confirmation`, { hint: `pass --yes to go ahead without asking: ${c.yesCommand}` });
  }
  c.warning.forEach((line, i) => ctx.out.note(i === 0 ? paint(BANG + line, 'yellow', ctx.out.errColor) : INDENT + line));
  const typed = await ask(`${INDENT}Type the ${c.noun} name to confirm: `, ctx.stdin, process.stderr);
  if (typed !== c.expected) {
    throw new PaasError('USAGE', `confirmation did not match ${JSON.stringify(c.expected)}: ${c.unchanged}`);
  }
}
