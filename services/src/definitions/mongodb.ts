import { freshCredentials } from '../credentials.js';
import { sh } from '../recipe.js';
import type { Credentials, ServiceCommand, ServiceDefinition } from '../types.js';
import { serviceUrl } from '../url.js';

const PORT = 27017;
const MIB = 1024 * 1024;
const DEFAULT_IMAGE = 'mongo:7';

// mongosh where the image has it (mongo 6 and later), the legacy mongo shell otherwise.
// HOME=/tmp: the image user's home is /data/db, where the shell would keep its history.
const SHELL = `if command -v mongosh >/dev/null 2>&1; then shell=mongosh; else shell=mongo; fi
exec "$shell" --host 127.0.0.1 --port ${PORT} -u "$PAAS_LOGIN" -p "$PAAS_PASSWORD" --authenticationDatabase admin "$@"`;

// The image's entrypoint first runs a mongod bound to 127.0.0.1 only to create
// the root user, then restarts it: asking through the container's own address
// answers only once the real server runs.
const READINESS = `host=$(hostname -i 2>/dev/null | cut -d' ' -f1)
if command -v mongosh >/dev/null 2>&1; then shell=mongosh; else shell=mongo; fi
exec "$shell" --quiet --host "\${host:-127.0.0.1}" --port ${PORT} -u "$PAAS_LOGIN" -p "$PAAS_PASSWORD" --authenticationDatabase admin \\
  --eval 'quit(db.adminCommand({ ping: 1 }).ok === 1 ? 0 : 1)'`;

const AUTH = `--host 127.0.0.1 --port ${PORT} -u "$PAAS_LOGIN" -p "$PAAS_PASSWORD" --authenticationDatabase admin`;

const env = (c: Credentials): Record<string, string> => ({ PAAS_LOGIN: c.login, PAAS_PASSWORD: c.password, HOME: '/tmp' });
const shell = (c: Credentials): ServiceCommand => ({ argv: sh(SHELL, '--quiet'), env: env(c) });

/**
 * MongoDB from the upstream image (Debian does not package it): it must be on
 * the engine already. The root user is the app's login (dotCloud gave root);
 * the image reads its credentials from env only.
 */
export const mongodb: ServiceDefinition = {
  type: 'mongodb',
  paasKind: 'MONGODB',
  dotcloudKind: 'MONGODB',
  conventional: 'MONGODB_URL',
  port: PORT,
  dataPath: '/data/db',
  image: (vars) => {
    const ref = vars?.PAAS_MONGODB_IMAGE ?? DEFAULT_IMAGE;
    return {
      kind: 'upstream',
      ref,
      hint:
        `get the image onto the Docker Engine: \`docker pull ${ref}\` where a registry answers, or on a machine that has it ` +
        `\`docker save ${ref} -o mongo.tar\`, copy mongo.tar here and \`docker load -i mongo.tar\`; ` +
        'or set PAAS_MONGODB_IMAGE to another MongoDB image already on the engine',
    };
  },
  // The image's mongodb user: its entrypoint then skips chown and gosu, which need root.
  user: '999:999',
  capAdd: [],
  memoryBytes: 512 * MIB,
  credentialsVia: 'env',
  // One account, root: the admin password is the password.
  newCredentials: () => {
    const c = freshCredentials('root', 'admin');
    return { ...c, adminPassword: c.password };
  },
  containerEnv: (c) => ({ MONGO_INITDB_ROOT_USERNAME: c.login, MONGO_INITDB_ROOT_PASSWORD: c.password }),
  // WiredTiger's cache defaults to half the host's memory, not the container's.
  command: ['mongod', '--wiredTigerCacheSizeGB', '0.25'],
  readiness: (c) => ({ argv: sh(READINESS), env: env(c) }),
  url: (host, port, c) => serviceUrl('mongodb', { user: c.login, password: c.password }, host, port, c.database),
  shell,
  namedShells: (c) => ({ mongo: shell(c), mongosh: shell(c) }),
  backup: (c) => ({ argv: sh(`exec mongodump ${AUTH} --archive --quiet`), env: env(c) }),
  // Users are left out (admin.system.*): the backup's root password would replace the current one.
  // --drop replaces each restored collection; a failure part way leaves earlier collections restored.
  restore: (c) => ({ argv: sh(`exec mongorestore ${AUTH} --archive --drop --quiet --nsExclude 'admin.system.*'`), env: env(c) }),
};
