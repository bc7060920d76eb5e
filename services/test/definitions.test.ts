import { PaasError } from '@paas/core';
import { describe, expect, it } from 'vitest';
import {
  INIT_ENV_DIR, PROVISIONED_TYPES, SERVICE_IMAGE_LABEL, STACK_IMAGE, randomSecret, recipeHash, renderInitEnv, serviceDefinition, serviceUrl, stackImage,
  userIds, type Credentials, type ProvisionedType, type ServiceCommand, type ServiceDefinition,
} from '../src/index.js';

const STACK_TYPES = PROVISIONED_TYPES.filter((t) => t !== 'mongodb');
const INIT_KEYS = ['PAAS_SERVICE_LOGIN', 'PAAS_SERVICE_PASSWORD', 'PAAS_SERVICE_DATABASE', 'PAAS_SERVICE_ADMIN_PASSWORD'];
const MEMBERS: (keyof ServiceDefinition)[] = [
  'type', 'paasKind', 'dotcloudKind', 'conventional', 'port', 'dataPath', 'image', 'user', 'capAdd', 'memoryBytes', 'newCredentials',
  'containerEnv', 'credentialsVia', 'readiness', 'url', 'shell', 'namedShells', 'backup', 'restore',
];

/** Credentials whose every value is distinctive, to find where they travel. */
const SAMPLE: Credentials = { login: 'paas', password: 'Pw0rdSecretValue', database: 'app', adminPassword: 'AdminSecretValue' };

function commands(def: ServiceDefinition, c: Credentials): ServiceCommand[] {
  return [def.readiness(c), def.shell(c), def.backup(c), def.restore(c), ...Object.values(def.namedShells(c))];
}

describe('service definitions', () => {
  it('one per provisioned type, each with every member', () => {
    expect([...PROVISIONED_TYPES].sort()).toEqual(['mongodb', 'mysql', 'postgis', 'postgresql', 'rabbitmq', 'redis']);
    for (const type of PROVISIONED_TYPES) {
      const def = serviceDefinition(type);
      expect(def.type).toBe(type);
      for (const member of MEMBERS) expect(def[member], `${type}.${member}`).toBeDefined();
    }
  });

  it('an unknown type is TYPE_UNSUPPORTED', () => {
    expect(() => serviceDefinition('cassandra' as ProvisionedType)).toThrow(PaasError);
  });

  it.each([
    ['postgresql', 'POSTGRESQL', 'SQL', 'DATABASE_URL', 5432, 256],
    ['postgis', 'POSTGRESQL', 'SQL', 'DATABASE_URL', 5432, 256],
    ['mysql', 'MYSQL', 'MYSQL', 'DATABASE_URL', 3306, 512],
    ['redis', 'REDIS', 'REDIS', 'REDIS_URL', 6379, 128],
    ['rabbitmq', 'AMQP', 'AMQP', 'AMQP_URL', 5672, 512],
    ['mongodb', 'MONGODB', 'MONGODB', 'MONGODB_URL', 27017, 512],
  ] as const)('%s: kinds, port and memory', (type, paasKind, dotcloudKind, conventional, port, mib) => {
    const def = serviceDefinition(type);
    expect({ paasKind: def.paasKind, dotcloudKind: def.dotcloudKind, conventional: def.conventional, port: def.port }).toEqual({
      paasKind, dotcloudKind, conventional, port,
    });
    expect(def.memoryBytes).toBe(mib * 1024 * 1024);
  });

  it.each(PROVISIONED_TYPES)('%s: runs as a numeric non-root user with no added capability', (type) => {
    const def = serviceDefinition(type);
    const { uid, gid } = userIds(def.user);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    expect(def.capAdd).toEqual([]);
    expect(def.dataPath).toMatch(/^\/[a-z/]+$/);
  });
});

describe('credentials', () => {
  it.each(PROVISIONED_TYPES)('%s: fresh, random and well-formed every time', (type) => {
    const def = serviceDefinition(type);
    const a = def.newCredentials();
    const b = def.newCredentials();
    for (const c of [a, b]) {
      expect(c.password).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(c.adminPassword).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(c.login).toMatch(/^[a-z]+$/);
    }
    expect(a.password).not.toBe(b.password);
    expect(a.adminPassword).not.toBe(b.adminPassword);
    if (type !== 'mongodb') expect(a.adminPassword).not.toBe(a.password);
  });

  it('logins and databases follow the type', () => {
    const pick = (t: ProvisionedType) => {
      const { login, database } = serviceDefinition(t).newCredentials();
      return `${login}/${database}`;
    };
    expect(PROVISIONED_TYPES.map(pick)).toEqual(['paas/app', 'paas/app', 'paas/app', 'paas/', 'paas/app', 'root/admin']);
  });

  it('randomSecret uses the whole alphabet and honours the length', () => {
    const seen = new Set(randomSecret(4000));
    expect(seen.size).toBe(62);
    expect(randomSecret(7)).toHaveLength(7);
  });
});

describe('what reaches the container', () => {
  it.each(STACK_TYPES)('%s: only the init keys, through the init file', (type) => {
    const def = serviceDefinition(type);
    expect(def.credentialsVia).toBe('file');
    const env = def.containerEnv(SAMPLE);
    for (const key of Object.keys(env)) expect(INIT_KEYS).toContain(key);
    expect(env.PAAS_SERVICE_PASSWORD).toBe(SAMPLE.password);
    expect(renderInitEnv(env)).toContain(`PAAS_SERVICE_PASSWORD='${SAMPLE.password}'\n`);
  });

  it('mongodb: only the upstream image\'s two init variables, as env', () => {
    const def = serviceDefinition('mongodb');
    expect(def.credentialsVia).toBe('env');
    expect(def.containerEnv({ ...SAMPLE, login: 'root' })).toEqual({ MONGO_INITDB_ROOT_USERNAME: 'root', MONGO_INITDB_ROOT_PASSWORD: SAMPLE.password });
  });

  it('renderInitEnv refuses values a shell would read differently', () => {
    expect(() => renderInitEnv({ PAAS_SERVICE_PASSWORD: "it's" })).toThrow(/characters/);
    expect(() => renderInitEnv({ 'BAD-KEY': 'x' })).toThrow(/variable name/);
  });

  it.each(PROVISIONED_TYPES)('%s: secrets travel in env, never in argv', (type) => {
    const def = serviceDefinition(type);
    for (const cmd of commands(def, SAMPLE)) {
      const argv = cmd.argv.join(' ');
      expect(argv).not.toContain(SAMPLE.password);
      expect(argv).not.toContain(SAMPLE.adminPassword);
    }
  });

  it.each(PROVISIONED_TYPES)('%s: named shells are argv without user arguments, including the expected names', (type) => {
    const names = Object.keys(serviceDefinition(type).namedShells(SAMPLE));
    const expected: Record<ProvisionedType, string[]> = {
      postgresql: ['psql'], postgis: ['psql'], mysql: ['mysql'], redis: ['redis-cli'], rabbitmq: ['rabbitmqctl'], mongodb: ['mongo', 'mongosh'],
    };
    for (const name of expected[type]) expect(names).toContain(name);
  });
});

describe('URLs', () => {
  const odd: Credentials = { login: 'u@s:er', password: 'p@ss/w:rd?#%', database: 'my db', adminPassword: 'x' };

  it.each([
    ['postgresql', 'postgresql://paas:Pw0rdSecretValue@db:5432/app'],
    ['postgis', 'postgresql://paas:Pw0rdSecretValue@db:5432/app'],
    ['mysql', 'mysql://paas:Pw0rdSecretValue@db:3306/app'],
    ['redis', 'redis://:Pw0rdSecretValue@db:6379/0'],
    ['rabbitmq', 'amqp://paas:Pw0rdSecretValue@db:5672/app'],
    ['mongodb', 'mongodb://paas:Pw0rdSecretValue@db:27017/app'],
  ] as const)('%s: %s', (type, url) => {
    const def = serviceDefinition(type);
    expect(def.url('db', def.port, SAMPLE)).toBe(url);
  });

  it.each(PROVISIONED_TYPES)('%s: user, password and database are percent-encoded', (type) => {
    const def = serviceDefinition(type);
    const url = new URL(def.url('db', 1234, odd));
    expect(decodeURIComponent(url.password)).toBe(odd.password);
    expect(url.hostname).toBe('db');
    expect(url.port).toBe('1234');
    if (type !== 'redis') {
      expect(decodeURIComponent(url.username)).toBe(odd.login);
      expect(decodeURIComponent(url.pathname.slice(1))).toBe(odd.database);
    }
  });

  it('an IPv6 host is bracketed', () => {
    expect(serviceUrl('redis', { user: '', password: 'p' }, 'fd00::1', 6379, '0')).toBe('redis://:p@[fd00::1]:6379/0');
  });
});

describe('images', () => {
  it.each(STACK_TYPES)('%s: built on the stack, tagged by the recipe hash, labelled by type', (type) => {
    const image = serviceDefinition(type).image();
    if (image.kind !== 'stack') throw new Error('expected a stack image');
    expect(image.dockerfile.startsWith(`FROM ${STACK_IMAGE}\n`)).toBe(true);
    expect(image.ref).toBe(`paas/service-${type}:${recipeHash(image.dockerfile, image.files)}`);
    expect(image.ref).toMatch(/:[0-9a-f]{12}$/);
    expect(image.dockerfile).toContain(`LABEL ${SERVICE_IMAGE_LABEL}=${type}\n`);
    expect(image.dockerfile).toContain(`${INIT_ENV_DIR}`);
    const { uid, gid } = userIds(serviceDefinition(type).user);
    expect(image.dockerfile).toContain(`USER ${uid}:${gid}\n`);
    expect(image.files['paas-service']?.mode).toBe(0o755);
  });

  it('the stack images are distinct', () => {
    const refs = STACK_TYPES.map((t) => serviceDefinition(t).image().ref);
    expect(new Set(refs).size).toBe(refs.length);
  });

  it('the recipe hash changes with the Dockerfile, a file body, a file mode or a file name', () => {
    const files = { a: { body: 'x', mode: 0o644 } };
    const base = recipeHash('FROM x\n', files);
    expect(recipeHash('FROM x\n', { a: { body: 'x', mode: 0o644 } })).toBe(base);
    expect(recipeHash('FROM y\n', files)).not.toBe(base);
    expect(recipeHash('FROM x\n', { a: { body: 'y', mode: 0o644 } })).not.toBe(base);
    expect(recipeHash('FROM x\n', { a: { body: 'x', mode: 0o755 } })).not.toBe(base);
    expect(recipeHash('FROM x\n', { b: { body: 'x', mode: 0o644 } })).not.toBe(base);
  });

  it('a changed recipe is a new ref', () => {
    const recipe = { type: 'redis' as const, packages: ['redis-server'], prepare: ['true'], entrypoint: '#!/bin/sh\n', account: { name: 'redis', id: 903, home: '/' } };
    expect(stackImage(recipe).ref).not.toBe(stackImage({ ...recipe, entrypoint: '#!/bin/sh\nexit 0\n' }).ref);
    expect(stackImage(recipe).ref).not.toBe(stackImage({ ...recipe, packages: ['redis-server', 'redis-tools'] }).ref);
  });

  it('mongodb: the upstream image, another by PAAS_MONGODB_IMAGE, with a hint on how to get it', () => {
    const def = serviceDefinition('mongodb');
    expect(def.image()).toMatchObject({ kind: 'upstream', ref: 'mongo:7' });
    const other = def.image({ PAAS_MONGODB_IMAGE: 'registry.local/mongo:6' });
    expect(other.ref).toBe('registry.local/mongo:6');
    if (other.kind !== 'upstream') throw new Error('expected an upstream image');
    expect(other.hint).toContain('docker pull registry.local/mongo:6');
    expect(other.hint).toContain('docker load -i');
    expect(other.hint).toContain('PAAS_MONGODB_IMAGE');
  });
});
