"""The web side: queues tasks for the worker and shows their results."""
from celery.exceptions import TimeoutError as TaskTimeout
from flask import Flask, jsonify, request

from tasks import add, reverse

app = Flask(__name__)
WAIT_SECONDS = 10

PAGE = """<!doctype html>
<title>python-celery</title>
<h1>python-celery</h1>
<form action="/reverse"><input name="text" value="hello"> <button>reverse</button></form>
<form action="/add"><input name="x" value="2" size="4"> + <input name="y" value="3" size="4">
<button>add</button></form>
"""


def run(task, *args):
    """Queues the task, waits for the worker's answer, and says what happened."""
    queued = task.delay(*args)
    try:
        answer = queued.get(timeout=WAIT_SECONDS)
    except TaskTimeout:
        return jsonify(task=queued.id, state=queued.state,
                       error="no worker answered within %d s" % WAIT_SECONDS), 504
    return jsonify(task=queued.id, state=queued.state, **answer)


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
