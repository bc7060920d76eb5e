"""paas serves `application` on $PORT (a wsgi.py and no process)."""
from app import app as application  # noqa: F401
