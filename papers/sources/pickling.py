"""Exceptions that survive pickling. No Django here.

An exception pickles as ``type(*args)``: one whose ``__init__`` takes other (or keyword-only) arguments than
its message cannot be rebuilt, and Celery, finding it unpicklable, carries its nearest picklable base class
instead (a retry after ``RateLimited`` would carry a bare ``SourceUnavailable``, its reset time lost).
"""


class PicklableError(Exception):
    """Pickled as its class, its ``args`` and its attributes, without calling ``__init__`` again."""

    def __reduce__(self):
        return _rebuilt, (type(self), self.args, self.__dict__)


def _rebuilt(cls, args, state):
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error
