"""A background worker: prints a line every few seconds until it is stopped."""
import signal
import sys
import time

INTERVAL = 3


def stop(signum, frame):
    print("worker: stopping", flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
n = 0
while True:
    n += 1
    print("worker: tick %d" % n, flush=True)
    time.sleep(INTERVAL)
