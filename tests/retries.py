"""Running a task as a worker would (not eagerly), so that its retries reach the real broker."""

import base64
import contextlib
import json
import uuid
from dataclasses import dataclass, field

import redis
from celery.exceptions import Retry

from hotpapers_site.celery import app
from tests.worker import forget_queue


@contextlib.contextmanager
def worker_queue(monkeypatch):
    """A fresh queue name on the real Redis, with tasks sent there for real (not run eagerly)."""
    name = f"test-retry-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    try:
        yield name
    finally:
        forget_queue(name)


def run_as_worker(task, queue, *args, retries=0):
    """Run the task's body as a worker delivering from `queue` would: a retry is sent back there."""
    task.push_request(
        id=str(uuid.uuid4()),
        retries=retries,
        is_eager=False,
        called_directly=False,
        args=list(args),
        kwargs={},
        delivery_info={"routing_key": queue, "exchange": ""},
    )
    try:
        return task.run(*args)
    finally:
        task.pop_request()


def queued_messages(queue):
    """The messages waiting in `queue`, decoded (kombu's Redis transport: JSON with headers and body)."""
    with redis.Redis.from_url(app.conf.broker_url) as client:
        return [json.loads(raw) for raw in client.lrange(queue, 0, -1)]


def message_args(message):
    """The positional arguments a queued task message carries (Celery protocol 2: [args, kwargs, embed])."""
    body = message["body"]
    if message["properties"].get("body_encoding") == "base64":
        body = base64.b64decode(body)
    return json.loads(body)[0]


def take_message(queue):
    """The oldest message waiting in `queue`, removed from it; None when the queue is empty."""
    with redis.Redis.from_url(app.conf.broker_url) as client:
        raw = client.rpop(queue)  # kombu pushes new messages on the left
    return json.loads(raw) if raw is not None else None


def take_messages(queue):
    """The messages waiting in `queue`, decoded, and taken off it (as a worker would take them)."""
    messages = queued_messages(queue)
    with redis.Redis.from_url(app.conf.broker_url) as client:
        client.delete(queue)
    return messages


@dataclass
class Outcome:
    """How a task ended after its retries: what it returned, or the error it gave up with; each Retry it sent."""

    result: object = None
    error: BaseException | None = None
    retries: list[Retry] = field(default_factory=list)


def run_through_retries(task, queue, *args):
    """Run the task as a worker would, then every retry it sends to the broker (taken off the queue and run at
    once: a retry's countdown is in its Retry, not waited for), until it returns or gives up after max_retries."""
    outcome = Outcome()
    while True:
        try:
            outcome.result = run_as_worker(task, queue, *args, retries=len(outcome.retries))
            return outcome
        except Retry as retry:
            outcome.retries.append(retry)
            (message,) = take_messages(queue)
            headers = message["headers"]
            assert (headers["task"], headers["retries"]) == (task.name, len(outcome.retries))
        except Exception as exc:  # noqa: BLE001 - what it gave up with is the outcome
            outcome.error = exc
            return outcome
