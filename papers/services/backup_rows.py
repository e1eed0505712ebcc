"""Restoring rows from a backup: each chunk of records written in a few statements, whatever its size.

Rows are given by natural key with every column's value, timestamps included: new ones go in with
COPY (insert_rows fills no auto_now, so created_at and modified_at stay as they were backed up),
stored ones are overwritten in one UPDATE. Rows a record owns (a paper's authorships, a post's
links) are replaced by the record's.
"""

from django.db import connection, models

from .bulk import insert_rows
from .posts_rows import json_values, one_of, update_rows


def stored_ids(model, *, key, keys):
    """{key: pk} of the stored rows whose `key` fields (a tuple of attnames) have one of the values `keys`."""
    keys = set(keys)
    if not keys:
        return {}
    where = {}
    for index, name in enumerate(key):
        field = model._meta.get_field(name)
        values = {value[index] for value in keys}
        where[f"{field.attname}__in"] = one_of(values, array_type=field.db_type(connection))
    found = model.objects.filter(**where).values_list(*key, "pk")
    return {tuple(row[:-1]): row[-1] for row in found if tuple(row[:-1]) in keys}


def upsert_rows(model, *, key, rows):
    """Write `rows` ({attname: value}, every one with the same columns); return {key: pk} for all of them."""
    rows = list(rows)
    if not rows:
        return {}
    columns = list(rows[0])
    stored = stored_ids(model, key=key, keys=[_key_of(row, key) for row in rows])
    new, old = [], []
    for row in rows:
        (old if _key_of(row, key) in stored else new).append(row)
    if new:
        insert_rows(model, columns, _tuples(model, columns, new))
    update_rows(model, columns, [model(pk=stored[_key_of(row, key)], **row) for row in old])
    if not new:
        return stored
    return stored | stored_ids(model, key=key, keys=[_key_of(row, key) for row in new])


def replace_rows(model, *, owner, owner_ids, rows):
    """Replace every row of `model` whose `owner` (an attname) is one of `owner_ids` with `rows`."""
    model.objects.filter(**{f"{owner}__in": one_of(owner_ids, array_type="bigint")}).delete()
    rows = list(rows)
    if rows:
        insert_rows(model, list(rows[0]), _tuples(model, list(rows[0]), rows))


def _key_of(row, key):
    return tuple(row[name] for name in key)


def _tuples(model, columns, rows):
    """Rows as insert_rows takes them: JSON columns as COPY reads them."""
    as_json = json_values()
    json_columns = {name for name in columns if isinstance(model._meta.get_field(name), models.JSONField)}
    return [tuple(as_json(row[name]) if name in json_columns else row[name] for name in columns) for row in rows]
