"""The hostile site, built once per test module inside a transaction that is rolled back at its end."""

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from tests.security.hostile import build_hostile_site


@pytest.fixture(scope="module")
def hostile(django_db_setup, django_db_blocker, tmp_path_factory):
    """(site, staff client): every payload through every input path; the test database is left as it was.

    Tests using it run inside this module-wide transaction (their own django_db atomics nest in it), so
    they must not be transactional themselves.
    """
    with django_db_blocker.unblock():
        with transaction.atomic():
            editor = get_user_model().objects.create_superuser("xss-editor", "editor@example.com", "unused-pw")
            client = Client()
            client.force_login(editor)
            timings = {}
            site = build_hostile_site(admin_client=client, tmp_dir=tmp_path_factory.mktemp("hostile"), timings=timings)
            print("hostile site built:", {name: round(seconds, 2) for name, seconds in timings.items()})
            yield site, client
            transaction.set_rollback(True)
