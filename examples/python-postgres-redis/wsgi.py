"""Counts visits in PostgreSQL and caches the latest count in Redis.

paas serves `application` on $PORT and gives the instance DATABASE_URL
(the app's one SQL service, `db`) and REDIS_URL (its one redis, `cache`).
"""
import os
import threading
from contextlib import closing

import psycopg2
import redis

TITLE = "python-postgres-redis"
DATABASE_URL = os.environ["DATABASE_URL"]
cache = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=2,
                             decode_responses=True)

_schema_ready = False
_schema_lock = threading.Lock()


def ensure_schema(cur):
    """Creates the counter table the first time this process needs it."""
    global _schema_ready
    if _schema_ready:
        return
    with _schema_lock:
        cur.execute("CREATE TABLE IF NOT EXISTS counters ("
                    " name text PRIMARY KEY,"
                    " n bigint NOT NULL)")
        _schema_ready = True


def count_visit():
    """One more visit, counted in PostgreSQL: the database is the truth."""
    global _schema_ready
    with closing(psycopg2.connect(DATABASE_URL, connect_timeout=5)) as conn:
        try:
            with conn, conn.cursor() as cur:  # one transaction
                ensure_schema(cur)
                cur.execute("INSERT INTO counters (name, n) VALUES ('visits', 1)"
                            " ON CONFLICT (name) DO UPDATE SET n = counters.n + 1"
                            " RETURNING n")
                return cur.fetchone()[0]
        except psycopg2.Error:
            _schema_ready = False  # e.g. the table was dropped: check again
            raise


def remember(visits):
    """Caches the count in Redis; says what the cache held before."""
    try:
        previous = cache.get("visits")
        cache.set("visits", visits, ex=3600)
    except redis.RedisError as err:
        return "unavailable (%s)" % err
    if previous is None:
        return "miss (nothing cached yet)"
    return "hit (Redis had %s from the previous visit)" % previous


def text(start_response, status, body):
    data = body.encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"),
                            ("Content-Length", str(len(data)))])
    return [data]


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == "/health":  # the health check: no database involved
        return text(start_response, "200 OK", "ok\n")
    if path != "/":
        return text(start_response, "404 Not Found", "not found\n")
    try:
        visits = count_visit()
    except psycopg2.Error as err:
        return text(start_response, "503 Service Unavailable",
                    "database unavailable: %s\n" % str(err).strip())
    return text(start_response, "200 OK",
                "%s\nvisits: %d\ncache: %s\n" % (TITLE, visits, remember(visits)))
