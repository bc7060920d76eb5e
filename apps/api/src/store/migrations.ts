import type { Db } from './db.js';

export interface Migration {
  /** Never change or reorder a released migration; append a new one. */
  id: string;
  sql: string;
}

/** Applied in order, each id once, by both drivers. */
export const migrations: Migration[] = [
  {
    id: '0001_initial',
    sql: `
CREATE TABLE users (
  name        text PRIMARY KEY,
  admin       boolean NOT NULL DEFAULT false,
  token_hash  text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE apps (
  name        text PRIMARY KEY,
  owner       text NOT NULL REFERENCES users(name),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX apps_owner ON apps(owner);

CREATE TABLE scale (
  app         text NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
  service     text NOT NULL,
  instances   integer NOT NULL CHECK (instances >= 0),
  PRIMARY KEY (app, service)
);

CREATE TABLE builds (
  id          text PRIMARY KEY,
  app         text NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
  number      integer NOT NULL,
  status      text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  clean       boolean NOT NULL DEFAULT false,
  error       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  UNIQUE (app, number)
);

CREATE TABLE build_logs (
  build_id    text NOT NULL REFERENCES builds(id) ON DELETE CASCADE,
  seq         integer NOT NULL,
  line        text NOT NULL,
  PRIMARY KEY (build_id, seq)
);

-- build_id is not a foreign key: a rollback release reuses an old build,
-- and pruning old builds must not be blocked by history.
CREATE TABLE releases (
  app         text NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
  version     integer NOT NULL,
  id          text NOT NULL,
  build_id    text NOT NULL,
  spec        jsonb NOT NULL,
  images      jsonb NOT NULL,
  env         jsonb NOT NULL,
  status      text NOT NULL CHECK (status IN ('pending', 'active', 'superseded', 'failed')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app, version),
  UNIQUE (app, id),
  CHECK (id = 'v' || version)
);
-- At most one active release per app, whatever the code above does.
CREATE UNIQUE INDEX releases_one_active ON releases(app) WHERE status = 'active';

-- No foreign key on app: the audit trail outlives a deleted app.
CREATE TABLE events (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  app         text,
  actor       text NOT NULL,
  action      text NOT NULL,
  detail      jsonb NOT NULL DEFAULT '{}',
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_app ON events(app, id);

-- Custom domains (paas domain) and app-wide env (paas env).
CREATE TABLE domains (
  name        text PRIMARY KEY,
  app         text NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE app_env (
  app         text NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
  key         text NOT NULL,
  value       text NOT NULL,
  PRIMARY KEY (app, key)
);
`,
  },
  {
    id: '0002_instance_logs',
    sql: `
-- Output of retired instances, so paas logs still shows it after a push;
-- the newest PAAS_LOG_RETAIN_LINES lines per app are kept.
CREATE TABLE instance_logs (
  app             text NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
  seq             bigint NOT NULL,
  -- The driver's id: lines of an instance that is still listed are not shown twice.
  instance_id     text NOT NULL,
  service         text NOT NULL,
  instance_index  integer NOT NULL,
  release         text NOT NULL,
  -- RFC 3339 in UTC with nine fraction digits, so that text order is time order.
  time            text NOT NULL,
  stream          text NOT NULL CHECK (stream IN ('stdout', 'stderr')),
  line            text NOT NULL,
  PRIMARY KEY (app, seq)
);
CREATE INDEX instance_logs_time ON instance_logs(app, time);
CREATE INDEX instance_logs_instance ON instance_logs(app, instance_id);
`,
  },
  {
    id: '0003_data_services',
    sql: `
-- Data services, created once by the first push that names them and removed
-- only by paas destroy SERVICE. credentials holds secrets: never log it.
CREATE TABLE data_services (
  app          text NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
  name         text NOT NULL,
  type         text NOT NULL,
  credentials  jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app, name)
);
`,
  },
  {
    id: '0005_app_https',
    sql: `
-- The per-app HTTPS switch (paas https): plain HTTP redirected to https://,
-- and the HSTS max-age in seconds (null: no header). No row: both off.
CREATE TABLE app_https (
  app            text PRIMARY KEY REFERENCES apps(name) ON DELETE CASCADE,
  redirect       boolean NOT NULL DEFAULT false,
  hsts_max_age   integer CHECK (hsts_max_age >= 0),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    id: '0006_release_meta',
    sql: `
-- What made a release and who: a push (build_id), an env change (the names
-- set and unset, never values) or a rollback (to vN). Older rows read as pushes.
ALTER TABLE releases ADD COLUMN kind text NOT NULL DEFAULT 'push' CHECK (kind IN ('push', 'env', 'rollback'));
ALTER TABLE releases ADD COLUMN actor text;
ALTER TABLE releases ADD COLUMN cause jsonb NOT NULL DEFAULT '{}';
`,
  },
];

/** Arbitrary constant shared by every paas process: the migration lock. */
const MIGRATION_LOCK = 7_261_730_001;

/**
 * Applies pending migrations in one transaction. The advisory lock is taken
 * first, so when two processes start at once the second waits and then sees
 * the migrations as applied (even CREATE TABLE IF NOT EXISTS races otherwise).
 * Returns the ids applied now.
 */
export async function migrate(db: Db, list: Migration[] = migrations): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set((await tx.query<{ id: string }>('SELECT id FROM schema_migrations')).map((r) => r.id));
    const applied: string[] = [];
    for (const m of list) {
      if (done.has(m.id)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (id) VALUES ($1)', [m.id]);
      applied.push(m.id);
    }
    return applied;
  });
}
