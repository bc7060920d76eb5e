"""The Celery app and its tasks, shared by the web service and the worker."""
import os

from celery import Celery

# amqp://LOGIN:PASSWORD@broker:5672/app, set because the app has one rabbitmq.
celery = Celery("tasks", broker=os.environ["CELERY_BROKER_URL"], backend="rpc://")
celery.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_expires=3600,
)


def _ran_by():
    return os.environ.get("PAAS_INSTANCE", "?")


@celery.task
def add(x, y):
    return {"result": x + y, "worker": _ran_by()}


@celery.task
def reverse(text):
    return {"result": text[::-1], "worker": _ran_by()}
