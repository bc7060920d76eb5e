/**
 * The default server for a python service with a wsgi.py: Debian's gunicorn
 * with sync workers. Each request has a process of its own, so a handler that
 * wedges (a loop, a lock taken twice) or crashes (a segfault) takes one
 * worker, never the instance: the arbiter kills a worker stuck past its
 * timeout and starts another, and starts one again when one dies. Sync
 * workers are safe only behind a proxy that buffers slow clients; the router
 * is that proxy (docs/router.md).
 *
 * The worker timeout is the request timeout the router applies (the spec's
 * request_timeout, in $PAAS_REQUEST_TIMEOUT, else the router's 60 s) plus 2 s:
 * the client gets the router's 504 first, then the stuck worker is replaced.
 */
export const GUNICORN_CONF_PY = `"""paas: gunicorn settings for the default python process (wsgi:application on $PORT)."""
import os

from gunicorn.glogging import Logger


def _seconds(name, default):
    value = os.environ.get(name, "")
    try:
        return max(1, int(float(value))) if value else default
    except ValueError:
        raise SystemExit("paas: %s must be a number of seconds, got %r" % (name, value))


def _count(name, default):
    value = os.environ.get(name, "")
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise SystemExit("paas: %s must be a whole number of processes, got %r" % (name, value))
    return int(value)


class PaasLogger(Logger):
    """gunicorn's access log, without the platform's health probes (one every few seconds per instance)."""

    def access(self, resp, req, environ, request_time):
        if environ.get("HTTP_USER_AGENT") == "paas-health-check":
            return
        super().access(resp, req, environ, request_time)


bind = "0.0.0.0:" + os.environ.get("PORT", "8080")
worker_class = "sync"
workers = _count("WEB_CONCURRENCY", 4)
timeout = _seconds("PAAS_WORKER_TIMEOUT", _seconds("PAAS_REQUEST_TIMEOUT", 60) + 2)
graceful_timeout = 10
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms'
logger_class = PaasLogger
# The app's modules are imported by each worker after the fork: a crash on import shows in the worker's log.
preload_app = False
`;

/** The default process: gunicorn with the settings above, serving $PAAS_WSGI_APP (wsgi:application). */
export function gunicornCommand(confPath: string): string {
  return `gunicorn --config ${confPath} "\${PAAS_WSGI_APP:-wsgi:application}"`;
}
