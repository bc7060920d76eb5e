/**
 * The default server for a python service with a wsgi.py: stdlib only (PyPI
 * may be unreachable, so no gunicorn by default), one thread per request.
 */
export const WSGI_SERVER_PY = `"""paas: serve wsgi:application from the current directory on $PORT."""
import importlib
import os
import signal
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class RequestHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        # The platform's health probes would fill the app's log with one line every few seconds.
        headers = getattr(self, "headers", None)
        if headers is not None and headers.get("User-Agent") == "paas-health-check":
            return
        sys.stdout.write("%s - %s\\n" % (self.address_string(), format % args))
        sys.stdout.flush()


def stop(signum, frame):
    raise SystemExit(0)


def main():
    sys.path.insert(0, os.getcwd())
    module_name, _, attr = os.environ.get("PAAS_WSGI_APP", "wsgi:application").partition(":")
    application = getattr(importlib.import_module(module_name), attr or "application")
    port = int(os.environ.get("PORT", "8080"))
    signal.signal(signal.SIGTERM, stop)
    with make_server("0.0.0.0", port, application,
                     server_class=ThreadingWSGIServer, handler_class=RequestHandler) as server:
        print("paas: serving %s:%s on port %d" % (module_name, attr or "application", port), flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
`;
