import type { Credentials, ServiceDefinition } from '@paas/services';

export interface ProvisionedService {
  name: string;
  def: ServiceDefinition;
  credentials: Credentials;
}

/** The Heroku names, set when exactly one service answers to each. */
export const CONVENTIONAL_KEYS = ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL', 'CELERY_BROKER_URL', 'MONGODB_URL'] as const;

/** What a masked secret reads as in `paas info` and the API. */
export const MASK = '********';

/**
 * The variables a code instance gets for the app's data services
 * (spec.md "What a running instance sees"): `<SVC>_URL`,
 * `PAAS_<SVC>_<KIND>_*`, dotCloud's `DOTCLOUD_<SVC>_<KIND>_*`, and the
 * Heroku names (`DATABASE_URL`, `REDIS_URL`, `AMQP_URL` with
 * `CELERY_BROKER_URL`, `MONGODB_URL`) when exactly one service answers to
 * each. Ports are strings, as in dotCloud's environment.json.
 */
export function serviceEnv(services: readonly ProvisionedService[], opts: { mask?: boolean } = {}): Record<string, string> {
  const env: Record<string, string> = {};
  const byConvention = new Map<string, string[]>();
  for (const s of services) {
    const vars = variablesOf(s, opts.mask === true);
    Object.assign(env, vars);
    const url = vars[`${upper(s.name)}_URL`]!;
    byConvention.set(s.def.conventional, [...(byConvention.get(s.def.conventional) ?? []), url]);
  }
  for (const [name, urls] of byConvention) {
    if (urls.length !== 1) continue; // two SQL services: DATABASE_URL would be a guess
    env[name] = urls[0]!;
    if (name === 'AMQP_URL') env.CELERY_BROKER_URL = urls[0]!;
  }
  return env;
}

/** One service's own variables. */
export function variablesOf(s: ProvisionedService, mask: boolean): Record<string, string> {
  const host = s.name;
  const port = String(s.def.port);
  const password = mask ? MASK : s.credentials.password;
  const url = s.def.url(host, s.def.port, { ...s.credentials, password });
  const svc = upper(s.name);
  const env: Record<string, string> = { [`${svc}_URL`]: url };
  for (const prefix of [`PAAS_${svc}_${s.def.paasKind}`, `DOTCLOUD_${svc}_${s.def.dotcloudKind}`]) {
    env[`${prefix}_HOST`] = host;
    env[`${prefix}_PORT`] = port;
    env[`${prefix}_LOGIN`] = s.credentials.login;
    env[`${prefix}_PASSWORD`] = password;
    env[`${prefix}_URL`] = url;
  }
  return env;
}

function upper(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}
