"""The "Editors" group from the data migration: curate and publish digests, moderate posts, nothing else."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from digests.models import DailyDigest
from tests.admin_utils import form_data
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory
from tests.papers.factories import TweetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor", "editor@example.com", "correct horse battery")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def granted(group):
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_the_migration_makes_an_editors_group_for_digests_and_moderation():
    permissions = granted(Group.objects.get(name="Editors"))

    assert {
        "digests.add_dailydigest",
        "digests.change_dailydigest",
        "digests.delete_dailydigest",
        "digests.change_digestentry",
        "digests.add_digestentrytweet",
        "digests.add_markdownimport",
        "papers.view_paper",
        "papers.view_ingestrun",
        "papers.change_tweet",
    } <= permissions
    assert not {p for p in permissions if p.split(".")[0] in ("auth", "django_celery_beat", "sessions", "admin")}
    assert "papers.delete_tweet" not in permissions and "papers.add_paper" not in permissions


def test_an_editor_opens_the_desk_and_curates_a_digest(editor_client):
    digest = DailyDigestFactory(draft=True)
    DigestEntryFactory(digest=digest, position=1)
    url = reverse("admin:digests_dailydigest_change", args=[digest.pk])

    assert editor_client.get(reverse("admin:index")).status_code == 200
    data = form_data(editor_client.get(url))
    data["intro"] = "Edited by an editor."
    response = editor_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert DailyDigest.objects.get(pk=digest.pk).intro == "Edited by an editor."


def test_an_editor_hides_a_post(editor_client):
    tweet = TweetFactory()
    url = reverse("admin:papers_tweet_change", args=[tweet.pk])
    response = editor_client.get(url)

    assert response.status_code == 200
    assert 'name="is_hidden"' in response.content.decode()


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:auth_user_changelist",
        "admin:auth_user_add",
        "admin:auth_group_changelist",
        "admin:django_celery_beat_periodictask_changelist",
        "admin:django_celery_beat_periodictask_add",
        "admin:django_celery_beat_crontabschedule_changelist",
    ],
)
def test_an_editor_cannot_touch_users_groups_or_schedules(editor_client, url_name):
    assert editor_client.get(reverse(url_name)).status_code == 403


def test_the_admin_index_lists_no_users_or_schedules_to_an_editor(editor_client):
    content = editor_client.get(reverse("admin:index")).content.decode()

    assert reverse("admin:digests_dailydigest_changelist") in content
    assert reverse("admin:auth_user_changelist") not in content
    assert reverse("admin:django_celery_beat_periodictask_changelist") not in content
