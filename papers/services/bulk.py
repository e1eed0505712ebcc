"""Fast inserts of many plain rows, and how to tell two jobs inserting the same new rows from a bug."""

import contextlib

from django.db import IntegrityError, connection

UNIQUE_VIOLATION = "23505"  # SQLSTATE unique_violation


class ConcurrentInsert(IntegrityError):
    """Another transaction inserted the same new row first (a unique key the caller said may race).

    Raised from the IntegrityError it stands for (its __cause__). Worth a retry: the next attempt
    finds the row stored and goes on. Any other IntegrityError is a bug or bad data, and stays one.
    """


def violated_unique_constraint(error):
    """The name of the unique constraint an IntegrityError broke, or None for any other integrity
    error (check, not-null, foreign key) and on databases whose driver does not name it (SQLite)."""
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) != UNIQUE_VIOLATION:
        return None
    return getattr(getattr(cause, "diag", None), "constraint_name", None)


@contextlib.contextmanager
def inserts_may_race(*, constraints):
    """Around inserts that a concurrent job may make first: a unique violation on one of
    `constraints` (database constraint names) becomes ConcurrentInsert; anything else passes as it is."""
    try:
        yield
    except IntegrityError as error:
        name = violated_unique_constraint(error)
        if name is not None and name in constraints:
            raise ConcurrentInsert(f"another job inserted the same row first ({name}): {error}") from error
        raise


def insert_rows(model, fields, rows):
    """Insert rows (tuples in `fields` order) without building instances: COPY on PostgreSQL.

    For new rows only: no defaults are filled, no signals sent, a conflict is an error. Values
    are plain Python values (ids, text, aware datetimes); psycopg adapts them itself, and on
    other databases each field prepares its values as the ORM would.
    """
    model_fields = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in model_fields)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The raw psycopg cursor bypasses Django's error translation: restore it, so a
            # duplicate key is django.db.IntegrityError like everywhere else.
            with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            prepared = [
                tuple(field.get_db_prep_save(value, connection) for field, value in zip(model_fields, row, strict=True))
                for row in rows
            ]
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", prepared)
            count = len(prepared)
    return count


def defer_commit_flush():
    """Let the current PostgreSQL transaction commit without waiting for its WAL flush.

    Only for idempotent writes (ingestion): a crash can lose the last commits, never corrupt
    anything, and the next run writes them again. Saves a disk flush per page.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
