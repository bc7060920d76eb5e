"""A misbehaving WSGI app for bench/failsafe.ts: one route per case, stdlib only."""
import os
import signal
import threading
import time

BIG = b"x" * (100 * 1024)
CHUNK = b"y" * (64 * 1024)
kept = []


def cpu():
    # About 50 ms of pure computation on one core.
    n = 0
    for i in range(200_000):
        n += i * i % 7
    return str(n).encode()


def download():
    for _ in range(160):  # 160 x 64 KB = 10 MB
        yield CHUNK


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    body = None
    if path in ("/", "/health"):
        body = [b"ok"]
    elif path == "/cpu":
        body = [cpu()]
    elif path == "/big":
        body = [BIG]
    elif path == "/sleep":
        time.sleep(1)
        body = [b"slept"]
    elif path == "/wedge":
        lock = threading.Lock()
        lock.acquire()
        lock.acquire()  # never returns
    elif path == "/spin":
        while 1:
            pass
    elif path == "/segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif path == "/leak":
        kept.append(b"z" * (10 * 1024 * 1024))
        body = [str(len(kept) * 10).encode() + b" MB kept"]
    elif path == "/upload":
        left = int(environ.get("CONTENT_LENGTH") or 0)
        stream = environ["wsgi.input"]
        total = 0
        while left > 0:
            part = stream.read(min(left, 65536))
            if not part:
                break
            total += len(part)
            left -= len(part)
        body = [str(total).encode()]
    elif path == "/download":
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(160 * 64 * 1024))])
        return download()
    if body is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(sum(len(b) for b in body)))])
    return body
