/**
 * One definition per data service type (architecture.md "provisioner —
 * services/"). A definition is data plus pure functions: the API's
 * provisioner does every engine call (create the volume, start the container,
 * exec the readiness check, stream a backup) through its runtime driver.
 */

/** The types this platform provisions. */
export type ProvisionedType = 'postgresql' | 'postgis' | 'mysql' | 'redis' | 'rabbitmq' | 'mongodb';

/** dotCloud's name for the kind: `DOTCLOUD_<SVC>_<KIND>_URL`. */
export type DotcloudKind = 'SQL' | 'MYSQL' | 'REDIS' | 'MONGODB' | 'AMQP';

/** What a provisioned service's login is; generated once, stored, never changed by a push. */
export interface Credentials {
  /** The app's login (may create databases). */
  login: string;
  password: string;
  /** Database / vhost name; '' where the type has none (redis). */
  database: string;
  /** Password of the service's administrator, for `paas run`, backup and restore. */
  adminPassword: string;
}

/** An argv run in the data service's container, with extra env (secrets go here, never in argv). */
export interface ServiceCommand {
  argv: string[];
  env?: Record<string, string>;
  /** User to run as inside the container; default: the image's user. */
  user?: string;
}

/** Where the image comes from. */
export type ImageSource =
  /** Built on paas/stack:bookworm from Debian packages: a Dockerfile and files beside it. */
  | { kind: 'stack'; ref: string; dockerfile: string; files: Record<string, { body: string; mode: number }> }
  /** An upstream image that must already be on the engine (mongodb). */
  | { kind: 'upstream'; ref: string; hint: string };

export interface ServiceDefinition {
  type: ProvisionedType;
  /** `PAAS_<SVC>_<paasKind>_HOST`: POSTGRESQL for postgresql and postgis. */
  paasKind: string;
  dotcloudKind: DotcloudKind;
  /** The Heroku-style name set when the app has exactly one service of this family. */
  conventional: 'DATABASE_URL' | 'REDIS_URL' | 'MONGODB_URL' | 'AMQP_URL';
  /** Default port inside the container (the instance reaches `<service name>:<port>`). */
  port: number;
  /** Named volume mount point: all state lives here. */
  dataPath: string;
  /** The image; `env` lets an operator name another (PAAS_MONGODB_IMAGE). */
  image(env?: Record<string, string | undefined>): ImageSource;
  /**
   * Container user the server runs as, never root: numeric `uid:gid` (see
   * userIds), fixed in the image, so the init file can be owned by number in
   * its tar header. Docker 20.10 resolves putArchive's copyUIDGID user on the
   * host, not in the image, so that option cannot be used for this.
   */
  user: string;
  /** Capabilities the server needs on top of none (most need none). */
  capAdd: string[];
  /** Memory the container gets by default, in bytes. */
  memoryBytes: number;
  /** Fresh random credentials (crypto-strong). */
  newCredentials(): Credentials;
  /** Env given to the data container; used only on first initialisation of an empty volume. */
  containerEnv(c: Credentials): Record<string, string>;
  /**
   * How containerEnv reaches the container. 'file' (every stack type): the
   * provisioner writes `renderInitEnv(containerEnv(c))` to
   * `/etc/paas-service/init.env` (INIT_ENV_DIR/INIT_ENV_FILE), mode 0600 and
   * owned by `user` (putArchive with copyUIDGID), before the first start, and
   * sets no Env, so no secret shows in `docker inspect`. 'env' (mongodb): the
   * upstream image reads only env, so containerEnv is the container's Env.
   */
  credentialsVia: 'file' | 'env';
  /** Command overriding the image's (undefined: the image's own). */
  command?: string[];
  /** Exit 0 once the service is initialised and accepts the app's login. */
  readiness(c: Credentials): ServiceCommand;
  /** The URL an instance uses: `postgresql://login:pass@host:port/db`. */
  url(host: string, port: number, c: Credentials): string;
  /** `paas run db` with no command: the shell as the admin (psql, mysql, redis-cli, mongosh/mongo, rabbitmqctl). */
  shell(c: Credentials): ServiceCommand;
  /** Named shells (`paas run data mongo`): argv[0] → command. */
  namedShells(c: Credentials): Record<string, ServiceCommand>;
  /** Writes a consistent dump to stdout; exit non-zero on failure. */
  backup(c: Credentials): ServiceCommand;
  /**
   * Reads a dump (what backup wrote) from stdin and loads it; exit non-zero
   * on failure. Where it can, it leaves the old data in place on failure.
   * Exit RESTORE_INVALID_EXIT (65) means the input was refused as not a
   * complete backup of this type before anything changed (BACKUP_INVALID).
   */
  restore(c: Credentials): ServiceCommand;
}
