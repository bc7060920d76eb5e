// Counts visits in MySQL. paas gives the instance $PORT and DATABASE_URL
// (mysql://LOGIN:PASSWORD@db:3306/app: the app's one SQL service, `db`).
const http = require('node:http');
const mysql = require('mysql2/promise');

const TITLE = 'nodejs-mysql';
const port = Number(process.env.PORT || 8080);
const pool = mysql.createPool({ uri: process.env.DATABASE_URL, connectionLimit: 5, enableKeepAlive: true });

let schemaReady;
function ensureSchema() {
  // Once per process; a failure is retried by the next request.
  schemaReady ??= pool
    .query('CREATE TABLE IF NOT EXISTS counters (name VARCHAR(64) PRIMARY KEY, n BIGINT NOT NULL)')
    .catch((err) => {
      schemaReady = undefined;
      throw err;
    });
  return schemaReady;
}

async function countVisit() {
  await ensureSchema();
  const conn = await pool.getConnection();
  try {
    // The row stays locked until commit, so the SELECT reads our own increment.
    await conn.beginTransaction();
    await conn.query("INSERT INTO counters (name, n) VALUES ('visits', 1) ON DUPLICATE KEY UPDATE n = n + 1");
    const [rows] = await conn.query("SELECT n FROM counters WHERE name = 'visits'");
    await conn.commit();
    return Number(rows[0].n);
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const path = new URL(req.url, 'http://localhost').pathname;
  if (path === '/health') return send(res, 200, 'ok\n'); // no database involved
  if (path !== '/') return send(res, 404, 'not found\n');
  countVisit().then(
    (visits) => send(res, 200, `${TITLE}\nvisits: ${visits}\n`),
    (err) => send(res, 503, `database unavailable: ${err.code || err.message}\n`),
  );
});

server.listen(port, () => console.log(`${TITLE} listening on ${port}`));
process.on('SIGTERM', () => server.close(() => pool.end().finally(() => process.exit(0))));
