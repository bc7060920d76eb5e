"""The smallest WSGI app: no dependencies, standard library only."""

GREETING = "Hello from python-hello"


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/health":
        body = b"ok\n"
    else:
        body = (GREETING + "\n").encode()
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"),
                              ("Content-Length", str(len(body)))])
    return [body]
