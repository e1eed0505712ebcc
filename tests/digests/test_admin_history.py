"""History of digests and entries (django-simple-history): who changed what and when, and reverting."""

import pytest
from django.urls import reverse

from digests.models import DailyDigest, DigestEntry
from tests.admin_utils import form_data
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    digest = DailyDigestFactory(draft=True, intro="The first intro.")
    DigestEntryFactory(digest=digest, position=1, note="The first note.")
    return digest


def change_page(obj):
    return reverse(f"admin:digests_{obj._meta.model_name}_change", args=[obj.pk])


def history_page(obj):
    return reverse(f"admin:digests_{obj._meta.model_name}_history", args=[obj.pk])


def edit(client, digest, **changes):
    data = form_data(client.get(change_page(digest)))
    data.update(changes)
    response = client.post(change_page(digest), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors


def test_the_history_says_who_changed_a_digest_and_when(admin_client, admin_user, draft):
    edit(admin_client, draft, intro="A second intro.")

    latest = draft.history.first()
    assert (latest.intro, latest.history_user, latest.history_type) == ("A second intro.", admin_user, "~")
    content = admin_client.get(history_page(draft)).content.decode()
    assert admin_user.username in content
    assert "Intro" in content  # the field that changed


def test_an_editor_reverts_a_digest_to_an_earlier_version(admin_client, draft):
    edit(admin_client, draft, intro="A regrettable intro.")
    first = draft.history.earliest()
    assert first.intro == "The first intro."
    revert_url = reverse("admin:digests_dailydigest_simple_history", args=[draft.pk, first.history_id])
    page = admin_client.get(revert_url)
    assert page.status_code == 200 and "Revert" in page.content.decode()

    response = admin_client.post(revert_url, form_data(page))

    assert response.status_code == 302
    assert DailyDigest.objects.get(pk=draft.pk).intro == "The first intro."
    assert draft.history.count() == 3


def test_an_entry_changed_on_its_digest_page_has_its_history_and_reverts(admin_client, admin_user, draft):
    entry = draft.entries.get()
    edit(admin_client, draft, **{"entries-0-note": "A second note.", "entries-0-is_pinned": "on"})

    latest = entry.history.first()
    assert (latest.note, latest.is_pinned, latest.history_user) == ("A second note.", True, admin_user)
    assert admin_client.get(history_page(entry)).status_code == 200

    first = entry.history.earliest()
    revert_url = reverse("admin:digests_digestentry_simple_history", args=[entry.pk, first.history_id])
    response = admin_client.post(revert_url, form_data(admin_client.get(revert_url)))

    assert response.status_code == 302
    entry = DigestEntry.objects.get(pk=entry.pk)
    assert (entry.note, entry.is_pinned) == ("The first note.", False)


def test_a_desk_button_leaves_its_change_in_the_history(admin_client, admin_user, draft):
    admin_client.post(reverse("admin:digests_dailydigest_desk", args=[draft.pk, "publish"]))

    latest = draft.history.first()
    assert latest.status == DailyDigest.Status.PUBLISHED
    assert latest.history_user == admin_user
    assert latest.history_change_reason == f"{draft.title} is published: readers see it now."
