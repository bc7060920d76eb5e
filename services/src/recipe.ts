import { createHash } from 'node:crypto';
import type { ImageSource, ProvisionedType } from './types.js';

/** The base every stack-built data service image starts from (architecture.md). */
export const STACK_IMAGE = 'paas/stack:bookworm';

/** Label on every data service image; images are shared by every platform on the engine, so it names no platform. */
export const SERVICE_IMAGE_LABEL = 'paas.service-image';

/** Where a stack image's entrypoint lives. */
export const ENTRYPOINT_PATH = '/usr/local/bin/paas-service';

/** The directory, owned by the service user, that holds the init credentials file. */
export const INIT_ENV_DIR = '/etc/paas-service';
/** The init credentials file the provisioner writes before the first start (credentialsVia 'file'). */
export const INIT_ENV_FILE = 'init.env';

/** Present in a data directory once it was initialised; its presence forbids initialising again. */
export const INIT_MARKER = '.paas-initialised';

/**
 * Exit status of a restore that refused its input (not a complete backup of
 * this type) before changing anything: the provisioner reports BACKUP_INVALID
 * for it and RESTORE_FAILED for any other non-zero status.
 */
export const RESTORE_INVALID_EXIT = 65;

/** First 12 hex digits of the sha256 of a Dockerfile and its files: the image tag, so a changed recipe is a new image. */
export function recipeHash(dockerfile: string, files: Record<string, { body: string; mode: number }>): string {
  const hash = createHash('sha256');
  hash.update(`Dockerfile\0${dockerfile}\0`);
  for (const name of Object.keys(files).sort()) {
    const file = files[name]!;
    hash.update(`${name}\0${file.mode.toString(8)}\0${file.body}\0`);
  }
  return hash.digest('hex').slice(0, 12);
}

/** What differs between the stack-built images. */
export interface StackRecipe {
  type: ProvisionedType;
  /** Debian packages installed on the stack. */
  packages: string[];
  /** Shell run as root after the install: remove the package's default data, create and chown directories. */
  prepare: string[];
  /** The entrypoint script (initialise once, then exec the server). */
  entrypoint: string;
  /** Config files, by absolute path in the image. */
  configs?: Record<string, string>;
  /**
   * The server's account, created before the packages (whose scripts then
   * keep it) so its uid and gid are fixed: the provisioner owns the init file
   * by number, since Docker 20.10 looks copyUIDGID's user up on the host.
   */
  account: { name: string; id: number; home: string };
  /** Signal that makes the server shut down quickly and cleanly (PostgreSQL: SIGINT). */
  stopSignal?: string;
}

/**
 * A stack image source from a recipe: one cached apt layer, the preparation,
 * the files, then the non-root user and the entrypoint. The tag is the
 * recipe's hash, so an image never goes stale under an unchanged name.
 */
export function stackImage(recipe: StackRecipe): ImageSource & { kind: 'stack' } {
  const { name, id, home } = recipe.account;
  const files: Record<string, { body: string; mode: number }> = { 'paas-service': { body: recipe.entrypoint, mode: 0o755 } };
  const copies = [`COPY paas-service ${ENTRYPOINT_PATH}`];
  for (const [path, body] of Object.entries(recipe.configs ?? {})) {
    const name = `config${path}`;
    files[name] = { body, mode: 0o644 };
    copies.push(`COPY ${name} ${path}`);
  }
  const lines = [
    `FROM ${STACK_IMAGE}`,
    `RUN groupadd --system --gid ${id} ${name} \\
 && useradd --system --uid ${id} --gid ${id} --home-dir ${home} --no-create-home --shell /bin/sh ${name}`,
    // policy-rc.d keeps the packages' maintainer scripts from starting servers inside the build.
    `RUN printf '#!/bin/sh\\nexit 101\\n' >/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d \\
 && apt-get update -qq && apt-get install -y -q --no-install-recommends ${recipe.packages.join(' ')} \\
 && rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d`,
    `RUN ${[...recipe.prepare, `install -d -o ${id} -g ${id} -m 0700 ${INIT_ENV_DIR}`].join(' \\\n && ')}`,
    ...copies,
    `USER ${id}:${id}`,
    ...(recipe.stopSignal ? [`STOPSIGNAL ${recipe.stopSignal}`] : []),
    `ENTRYPOINT ["${ENTRYPOINT_PATH}"]`,
    `LABEL ${SERVICE_IMAGE_LABEL}=${recipe.type}`,
    '',
  ];
  const dockerfile = lines.join('\n');
  return { kind: 'stack', ref: `paas/service-${recipe.type}:${recipeHash(dockerfile, files)}`, dockerfile, files };
}

/**
 * The common head of every entrypoint: strict shell, logging, and the
 * loading and checking of the init credentials file. The type's script
 * follows and defines what "initialise" and "run" mean.
 */
export function entrypointPrelude(dataPath: string, keys: readonly string[]): string {
  return `#!/bin/sh
# paas-service: initialises an empty data directory once from ${INIT_ENV_DIR}/${INIT_ENV_FILE},
# then runs the server in the foreground (logs on stdout/stderr).
set -eu
DATA=${dataPath}
MARKER="$DATA/${INIT_MARKER}"
INIT_ENV=${INIT_ENV_DIR}/${INIT_ENV_FILE}
say() { echo "paas-service: $*" >&2; }
# The container's memory limit in bytes (cgroup v2 or v1), or nothing when unlimited.
memory_limit() {
  limit=$(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || true)
  case "$limit" in '' | *[!0-9]*) return 0 ;; esac
  # cgroup v1 writes "unlimited" as a number near 2^63.
  if [ \${#limit} -le 15 ]; then echo "$limit"; fi
}
load_init_env() {
  if [ ! -r "$INIT_ENV" ]; then say "$INIT_ENV is missing: cannot initialise the empty data directory"; exit 78; fi
  . "$INIT_ENV"
  for key in ${keys.join(' ')}; do
    eval "value=\\\${$key-}"
    case "$value" in
      '' | *[!A-Za-z0-9_-]*) say "$key in $INIT_ENV is empty or has characters other than A-Z a-z 0-9 _ -"; exit 78 ;;
    esac
  done
}
`;
}

/**
 * The end of every entrypoint but RabbitMQ's: initialise unless the marker
 * exists (an interrupted first initialisation has no marker and starts
 * over), write the marker last, then run.
 */
export const ENTRYPOINT_MAIN = `
if [ -e "$MARKER" ]; then
  say "data directory already initialised; starting"
else
  say "initialising the data directory"
  load_init_env
  initialise
  sync
  touch "$MARKER"
  sync
  say "initialised; starting"
fi
run
`;

/** The numeric uid and gid of a definition's `user` (\`uid:gid\`), for the owner of files put into its container. */
export function userIds(user: string): { uid: number; gid: number } {
  const match = /^(\d+):(\d+)$/.exec(user);
  if (match === null) throw new Error(`service user ${JSON.stringify(user)} is not numeric uid:gid`);
  return { uid: Number(match[1]), gid: Number(match[2]) };
}

/** A shell script as a command's argv: `sh -c script` (values come through env, never the script text). */
export function sh(script: string, ...args: string[]): string[] {
  return args.length === 0 ? ['sh', '-c', script] : ['sh', '-c', script, 'sh', ...args];
}
