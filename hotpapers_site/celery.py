import contextvars
import logging
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotpapers_site.settings.local")

app = Celery("hotpapers_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def time_limits(soft, hard):
    """A task's soft_time_limit and time_limit, capped at HOTPAPERS_TASK_TIME_LIMIT_MAX (two thirds of the
    broker's visibility timeout): a task still running when the broker hands it out again would run twice."""
    cap = settings.HOTPAPERS_TASK_TIME_LIMIT_MAX
    if hard <= cap:
        return {"soft_time_limit": soft, "time_limit": hard}
    return {"soft_time_limit": cap - max(1, cap // 15), "time_limit": cap}


def retry_countdown_max(seconds):
    """A retry's longest wait, capped at HOTPAPERS_RETRY_COUNTDOWN_MAX: a worker holds a task waiting for its
    countdown unacknowledged, and the broker would hand one held past its visibility timeout to another."""
    return min(seconds, settings.HOTPAPERS_RETRY_COUNTDOWN_MAX)


# Every log line written while a task runs names the task and its id (TaskContextFilter, installed
# on the console handler by settings.LOGGING), in workers and for tasks run eagerly alike.
_current_task = contextvars.ContextVar("current_task", default=None)
_tokens = {}


@task_prerun.connect  # every task's, hence no sender
def _remember_task(task_id=None, task=None, **kwargs):
    _tokens[task_id] = _current_task.set({"task_name": task.name, "task_id": task_id})


@task_postrun.connect
def _forget_task(task_id=None, **kwargs):
    token = _tokens.pop(task_id, None)
    if token is not None:
        _current_task.reset(token)


class TaskContextFilter(logging.Filter):
    """Adds task_name and task_id to records logged inside a Celery task."""

    def filter(self, record):
        for key, value in (_current_task.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True
