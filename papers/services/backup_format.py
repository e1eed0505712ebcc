"""The backup file: JSON Lines, one record a line, checked field by field against the models.

A file is a header line ({"format": "hotpapers-backup", "version": 1}), then records in section
order, each {"kind": ..., fields...}, then an end line with the number of records of each kind (a
truncated file has none). Rows are named by natural keys (arXiv ids, (source, post id), dates),
never database ids. Values are written the same way every time (keys in a fixed order, datetimes in
UTC ISO 8601), so exporting a restored database gives the same bytes.
"""

import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Iterator

from django.core.exceptions import ValidationError
from django.db import models

from papers.fields import ArxivIdField

FORMAT = "hotpapers-backup"
VERSION = 1

_INT_MAX = {models.PositiveSmallIntegerField: 32767, models.PositiveIntegerField: 2147483647}


class BackupError(ValueError):
    """A backup file that cannot be restored; the message names the line and the record."""


def encode(record):
    """One line of the file (bytes, newline included)."""
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def decode(line, *, number):
    """The record on one line of the file, which must be a JSON object."""
    try:
        record = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"line {number}: not JSON ({error})") from None
    if not isinstance(record, dict):
        raise BackupError(f"line {number}: expected a JSON object, found {type(record).__name__}")
    return record


def dump_value(value):
    """A field's value as the file writes it."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def dump_fields(instance, names):
    """{name: value} for the model fields `names` of `instance`, as the file writes them."""
    return {name: dump_value(getattr(instance, name)) for name in names}


def check_keys(record, expected):
    """The record has exactly the keys `expected` (plus "kind")."""
    keys = set(record) - {"kind"}
    missing = [name for name in expected if name not in keys]
    if missing:
        raise BackupError(f"missing field {missing[0]!r}")
    unknown = sorted(keys - set(expected))
    if unknown:
        raise BackupError(f"unknown field {unknown[0]!r}")


def load_fields(model, record, names):
    """{name: Python value} for the model fields `names`, each checked as the database would store it."""
    return {name: load(record[name]) for name, load in _loaders(model, tuple(names))}


@functools.cache
def _loaders(model, names):
    # One checking function per field, chosen once: a restore checks every value of every record twice.
    return tuple((name, _loader(model._meta.get_field(name), name)) for name in names)


def _loader(field, name):
    """A function checking a value from the file as `field` stores it, raising BackupError naming the field."""
    check = _checker(field, name)

    def load(value):
        if value is None:
            if field.null:
                return None
            raise BackupError(f"field {name!r} may not be null")
        return check(value)

    return load


def _checker(field, name):
    if isinstance(field, models.BooleanField):
        return functools.partial(_boolean, name=name)
    if isinstance(field, models.IntegerField):
        return functools.partial(_integer, name=name, top=_INT_MAX.get(type(field), 2147483647))
    if isinstance(field, models.DateTimeField):
        return functools.partial(load_datetime, name=name)
    if isinstance(field, models.DateField):
        return functools.partial(load_date, name=name)
    if isinstance(field, models.JSONField):
        is_list = isinstance(field.default() if callable(field.default) else field.default, list)
        return functools.partial(_json, name=name, is_list=is_list)
    if isinstance(field, models.CharField | models.TextField):
        choices = frozenset(choice for choice, _ in field.choices) if field.choices else None
        return functools.partial(_text, field=field, name=name, choices=choices)
    raise TypeError(f"no rule for {field!r}")  # a model field this module was not taught: a bug


def _boolean(value, *, name):
    if value is not True and value is not False:
        raise BackupError(f"field {name!r} must be true or false, not {value!r}")
    return value


def _integer(value, *, name, top):
    if type(value) is not int or not 0 <= value <= top:
        raise BackupError(f"field {name!r} must be a whole number from 0 to {top}, not {value!r}")
    return value


def _json(value, *, name, is_list):
    if is_list and not isinstance(value, list):
        raise BackupError(f"field {name!r} must be a list, not {value!r}")
    return value


def _text(value, *, field, name, choices):
    if type(value) is not str:
        raise BackupError(f"field {name!r} must be a string, not {value!r}")
    if field.max_length is not None and len(value) > field.max_length:
        raise BackupError(f"field {name!r} is longer than {field.max_length} characters")
    if choices is not None and value not in choices:
        raise BackupError(f"field {name!r} is {value!r}: expected one of {', '.join(sorted(choices))}")
    if "\x00" in value:
        raise BackupError(f"field {name!r} holds a NUL character, which the database cannot store")
    if isinstance(field, ArxivIdField):
        try:
            field.run_validators(value)
        except ValidationError as error:
            raise BackupError(f"field {name!r}: {value!r} is not a base arXiv id ({error.messages[0]})") from None
    return value


def load_datetime(value, *, name):
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment
    raise BackupError(f"field {name!r} must be an ISO 8601 time with its UTC offset, not {value!r}")


def load_date(value, *, name):
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise BackupError(f"field {name!r} must be a date (YYYY-MM-DD), not {value!r}")


def load_list(record, name, *, of=str):
    """A list field of the file (not a model field), every item of type `of`."""
    value = record[name]
    if not isinstance(value, list) or not all(isinstance(item, of) and not isinstance(item, bool) for item in value):
        raise BackupError(f"field {name!r} must be a list of {of.__name__}s, not {value!r}")
    return value


def post_key(value, *, name):
    """A post's natural key as the file writes it: [source, post id]."""
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(part, str) for part in value)):
        raise BackupError(f"field {name!r} must name posts as [source, post id], not {value!r}")
    return tuple(value)


@dataclasses.dataclass(frozen=True)
class Section:
    """One kind of record: how to write it, check it and restore it.

    `export(keys)` yields the records of the stored rows (every one, in key order, when keys is None);
    `load(record, known)` checks a record from the file (its references against `known`, the keys of
    the records read so far, by kind) and returns (key, value); `restore(values)` writes a chunk.
    """

    kind: str
    key_fields: tuple[str, ...]
    export: Callable[[Iterable[tuple] | None], Iterator[dict]]
    load: Callable[[dict, dict[str, set]], tuple[tuple, object]]
    restore: Callable[[list], None]
    chunk_size: int = 1000

    def label(self, record):
        """How an error names the record: "paper 2201.04182", "post x:1480000000000000000"."""
        return f"{self.kind} " + ":".join(str(record.get(name, "?")) for name in self.key_fields)
