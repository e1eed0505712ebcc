"""Many rows changed in one UPDATE, long IN lists as one parameter, and JSON values ready for insert_rows."""

import json

from django.db import connection
from django.db.models.expressions import RawSQL


def json_values():
    """How insert_rows takes a JSON column's values on this database: JSON text for COPY on PostgreSQL
    (which parses it as jsonb), the values themselves elsewhere (prepared as the field would)."""
    return json.dumps if connection.vendor == "postgresql" else _same


def _same(value):
    return value


def insert_pairs(model, fields, pairs):
    """Rows of two foreign keys (a link table), those already there skipped: ON CONFLICT DO NOTHING.

    PostgreSQL: one INSERT of two array parameters, whatever the number of pairs; elsewhere bulk_create.
    """
    pairs = list(pairs)
    if not pairs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**{f"{fields[0]}_id": a, f"{fields[1]}_id": b}) for a, b in pairs], ignore_conflicts=True
        )
        return
    quote = connection.ops.quote_name
    first, second = (quote(model._meta.get_field(name).column) for name in fields)
    firsts, seconds = zip(*pairs, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({first}, {second}) "
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[]) ON CONFLICT DO NOTHING",
            [list(firsts), list(seconds)],
        )


def update_rows(model, fields, objs):
    """Write `fields` of every instance in `objs` in one statement, whatever their number.

    PostgreSQL: UPDATE ... FROM (VALUES ...), one row per instance, each value cast to its column's type
    (bulk_update's CASE WHEN per field grows with the square of the rows). Elsewhere: bulk_update.
    """
    objs = list(objs)
    if not objs:
        return 0
    if connection.vendor != "postgresql":
        return model.objects.bulk_update(objs, fields)
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    quote = connection.ops.quote_name
    row = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in columns) + ")"
    params = [field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in objs for field in columns]
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in columns[1:])
    names = ", ".join(quote(field.column) for field in columns)
    pk = quote(meta.pk.column)
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "
        f"FROM (VALUES {', '.join([row] * len(objs))}) AS v ({names}) WHERE t.{pk} = v.{pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def one_of(values, *, array_type="text"):
    """The right side of an `__in` filter over many values: on PostgreSQL one array parameter
    (`IN (SELECT unnest(%s))`), so neither Django nor psycopg handles thousands of placeholders."""
    values = list(values)
    if connection.vendor != "postgresql":
        return values
    return RawSQL(f"SELECT unnest(%s::{array_type}[])", [values])
