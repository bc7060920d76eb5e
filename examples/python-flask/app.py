"""A Flask app using Debian's python3-flask; listens on $PORT."""
import os

from flask import Flask

app = Flask(__name__)
MESSAGE = "Hello from python-flask"


@app.route("/")
def index():
    return MESSAGE + "\n"


@app.route("/health")
def health():
    return "ok\n"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))
