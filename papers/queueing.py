"""Sending Celery tasks from web requests, and asking whether the broker answers.

A web request that queues work (an admin action, an upload) must not hang or fail with a 500 when
Redis is stopped or frozen: enqueue() checks the broker with a short timeout first and turns any
broker error into QueueUnavailable, whose message the admin shows to the editor. Tasks that queue
other tasks (fan-outs) call .delay() directly: a worker has Celery's own connection retries.
"""

import logging

from celery import current_app
from kombu.exceptions import OperationalError as KombuOperationalError
from redis import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

PING_TIMEOUT = 0.5
# What sending raises when the broker is gone: kombu wraps connection errors after its retries.
BROKER_ERRORS = (KombuOperationalError, RedisError, OSError)
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class QueueUnavailable(Exception):
    """The broker did not take the job: nothing was queued."""

    def __init__(self, message=None):
        super().__init__(
            message
            or "The task queue (Redis) is not answering, so nothing was queued. Try again in a few minutes; "
            "/healthz says when it is back."
        )


def broker_ping(*, timeout=PING_TIMEOUT):
    """True if the broker answers within timeout seconds, False if not, None if there is none to ask
    (no Redis: tasks run eagerly in the calling process)."""
    url = current_app.conf.broker_url or ""
    if not url.startswith(REDIS_SCHEMES):
        return None
    client = Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        return bool(client.ping())
    except (RedisError, OSError):
        return False
    finally:
        client.close()


def enqueue(task, *args, **kwargs):
    """task.delay(*args, **kwargs), or QueueUnavailable (with a message for editors) if the broker is down."""
    if current_app.conf.task_always_eager:
        return task.delay(*args, **kwargs)  # runs here and now; its own errors are not the queue's
    if broker_ping() is False:
        logger.warning("not queued, the broker does not answer: %s", task.name, extra={"task_name": task.name})
        raise QueueUnavailable()
    try:
        return task.apply_async(args, kwargs)
    except BROKER_ERRORS as exc:
        logger.warning(
            "not queued, the broker refused: %s (%s)",
            task.name,
            type(exc).__name__,
            extra={"task_name": task.name, "error": type(exc).__name__},
        )
        raise QueueUnavailable() from exc
