"""Real races on PostgreSQL: another connection inserts a row first, while this one is inserting it too."""

import contextlib
import threading
import time

from django.db import connection, transaction

TIMEOUT = 15


def _backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@contextlib.contextmanager
def inserted_first_by_another_job(create):
    """Run create() in another connection's open transaction, and commit it once this connection waits
    on it (a lock it cannot get, as when inserting the same unique key): the body's insert then fails
    with a unique violation, exactly as when two jobs store the same new rows at once.

    Needs a transactional test (django_db(transaction=True)): the other job only sees committed rows.
    """
    pid = _backend_pid()  # this connection, the one that will wait
    inserted, errors = threading.Event(), []

    def other_job():
        try:
            with transaction.atomic():
                create()
                inserted.set()
                with connection.cursor() as cursor:
                    deadline = time.monotonic() + TIMEOUT
                    while time.monotonic() < deadline:
                        # pg_locks is live (pg_stat_activity would be a snapshot for this transaction).
                        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)", [pid])
                        if cursor.fetchone()[0]:
                            break
                        time.sleep(0.02)
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
            inserted.set()
        finally:
            connection.close()

    thread = threading.Thread(target=other_job, daemon=True)
    thread.start()
    assert inserted.wait(TIMEOUT), "the other job never inserted its row"
    assert not errors, errors
    try:
        yield
    finally:
        thread.join(TIMEOUT)
        assert not errors, errors
