import { serviceDefinition, type Credentials } from '@paas/services';
import { describe, expect, it } from 'vitest';
import { instanceEnv } from '../src/deploy/instance-env.js';
import { MASK, serviceEnv, type ProvisionedService } from '../src/provision/service-env.js';

const creds = (password: string, database = 'app'): Credentials => ({ login: 'paas', password, database, adminPassword: 'admin-secret' });
const svc = (name: string, type: Parameters<typeof serviceDefinition>[0], password: string): ProvisionedService => ({
  name, def: serviceDefinition(type), credentials: creds(password, type === 'redis' ? '' : 'app'),
});

describe('what instances are told about data services', () => {
  it('one postgresql and one redis: own names, PAAS_ and DOTCLOUD_ names, and the Heroku names', () => {
    const env = serviceEnv([svc('db', 'postgresql', 'pw1'), svc('cache', 'redis', 'pw2')]);
    expect(env.DB_URL).toBe('postgresql://paas:pw1@db:5432/app');
    expect(env.PAAS_DB_POSTGRESQL_HOST).toBe('db');
    expect(env.PAAS_DB_POSTGRESQL_PORT).toBe('5432');
    expect(env.PAAS_DB_POSTGRESQL_LOGIN).toBe('paas');
    expect(env.PAAS_DB_POSTGRESQL_PASSWORD).toBe('pw1');
    expect(env.PAAS_DB_POSTGRESQL_URL).toBe(env.DB_URL);
    expect(env.DOTCLOUD_DB_SQL_HOST).toBe('db');
    expect(env.DOTCLOUD_DB_SQL_URL).toBe(env.DB_URL);
    expect(env.DATABASE_URL).toBe(env.DB_URL);
    expect(env.CACHE_URL).toContain('pw2@cache:6379');
    expect(env.DOTCLOUD_CACHE_REDIS_PORT).toBe('6379');
    expect(env.REDIS_URL).toBe(env.CACHE_URL);
    expect(env).not.toHaveProperty('AMQP_URL');
    // Every value is a string (environment.json is grepped by old apps).
    for (const v of Object.values(env)) expect(typeof v).toBe('string');
    // The admin's password is for paas run, backup and restore only.
    expect(Object.values(env).join(' ')).not.toContain('admin-secret');
  });

  it('two SQL services: no DATABASE_URL, because it would be a guess', () => {
    const env = serviceEnv([svc('dbwrite', 'mysql', 'a'), svc('dbread', 'postgresql', 'b')]);
    expect(env).not.toHaveProperty('DATABASE_URL');
    expect(env.DOTCLOUD_DBWRITE_MYSQL_URL).toBe('mysql://paas:a@dbwrite:3306/app');
    expect(env.DOTCLOUD_DBREAD_SQL_URL).toBe('postgresql://paas:b@dbread:5432/app');
  });

  it('one broker: AMQP_URL and CELERY_BROKER_URL', () => {
    const env = serviceEnv([svc('broker', 'rabbitmq', 'r')]);
    expect(env.AMQP_URL).toBe('amqp://paas:r@broker:5672/app');
    expect(env.CELERY_BROKER_URL).toBe(env.AMQP_URL);
    expect(env.DOTCLOUD_BROKER_AMQP_HOST).toBe('broker');
  });

  it('masked: every password reads ******** and nothing else changes', () => {
    const env = serviceEnv([svc('db', 'postgresql', 'topsecret')], { mask: true });
    expect(JSON.stringify(env)).not.toContain('topsecret');
    expect(env.PAAS_DB_POSTGRESQL_PASSWORD).toBe(MASK);
    expect(env.DB_URL).toBe(`postgresql://paas:${MASK}@db:5432/app`);
  });

  it("reach the instance, under the app's own variables and the platform's", () => {
    const env = instanceEnv({
      app: 'blog',
      service: { kind: 'code', name: 'www', type: 'python', isWorker: false, approot: '.', systempackages: [], requirements: [], ports: { www: 'http' }, environment: { DATABASE_URL: 'mine' }, config: {}, instances: 1, healthcheck: { path: '/', timeout: 30, interval: 1 }, extra: {} },
      release: 'v2',
      index: 1,
      serviceEnv: { ...serviceEnv([svc('db', 'postgresql', 'p')]), PORT: '1' },
    });
    expect(env.DB_URL).toBe('postgresql://paas:p@db:5432/app');
    expect(env.DATABASE_URL).toBe('mine');
    expect(env.PORT).toBe('8080');
  });
});
