"""The web side: queues tasks for the worker and shows their results."""
from concurrent.futures import ThreadPoolExecutor

from celery.exceptions import TimeoutError as TaskTimeout
from flask import Flask, jsonify, request

from tasks import add, reverse

app = Flask(__name__)
WAIT_SECONDS = 10

# With rpc:// the worker sends each result back to the thread that queued the
# task, through a reply queue of that thread's own. The WSGI server runs each
# request in a new thread, so tasks are queued and awaited from a few
# long-lived threads instead: each keeps one reply queue and one consumer.
celery_threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="celery-client")

PAGE = """<!doctype html>
<title>python-celery</title>
<h1>python-celery</h1>
<form action="/reverse"><input name="text" value="hello"> <button>reverse</button></form>
<form action="/add"><input name="x" value="2" size="4"> + <input name="y" value="3" size="4">
<button>add</button></form>
"""


def queue_and_wait(task, *args):
    """Queues the task and waits for the worker's answer: (HTTP status, JSON body)."""
    queued = task.delay(*args)
    try:
        answer = queued.get(timeout=WAIT_SECONDS)
    except TaskTimeout:
        return 504, {"task": queued.id, "state": queued.state,
                     "error": "no worker answered within %d s" % WAIT_SECONDS}
    return 200, {"task": queued.id, "state": queued.state, **answer}


def run(task, *args):
    status, body = celery_threads.submit(queue_and_wait, task, *args).result()
    return jsonify(body), status


@app.route("/")
def index():
    return PAGE


@app.route("/health")
def health():
    return "ok\n"


@app.route("/reverse")
def reverse_text():
    return run(reverse, request.args.get("text", ""))


@app.route("/add")
def add_numbers():
    try:
        x, y = int(request.args.get("x", "")), int(request.args.get("y", ""))
    except ValueError:
        return jsonify(error="x and y must be whole numbers"), 400
    return run(add, x, y)
