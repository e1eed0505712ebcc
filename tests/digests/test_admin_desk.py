"""The editor's desk on a digest's change page, through the test client: order, pins, posts,
candidates, the buttons, and the sentences an editor reads when something is refused."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse

from digests.models import DailyDigest, DigestEntry
from tests.admin_utils import form_data
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory
from tests.papers.factories import PaperFactory, TweetFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2022, 1, 13)  # the papers factory's listing day
NOW = dt.datetime(2022, 1, 14, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def the_morning_after():
    with time_machine.travel(NOW, tick=False):
        yield


def change_page(digest):
    return reverse("admin:digests_dailydigest_change", args=[digest.pk])


def desk(digest, action):
    return reverse("admin:digests_dailydigest_desk", args=[digest.pk, action])


def said(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def paper_with_posts(*scores, handle="someone"):
    paper = PaperFactory()
    for n, score in enumerate(scores):
        TweetFactory(with_papers=[paper], retweets=score // 2, likes=score - score // 2, author_handle=f"{handle}{n}")
    return paper


@pytest.fixture
def draft():
    digest = DailyDigestFactory(date=DAY, draft=True)
    for position in (1, 2, 3):
        DigestEntryFactory(digest=digest, position=position, note=f"Note {position}")
    return digest


def entries(digest):
    return list(digest.entries.order_by("position"))


def rows_by_entry(data, count):
    return {int(data[f"entries-{i}-id"]): i for i in range(count)}


# --- the papers in order ---------------------------------------------------------------------------


def test_dragging_an_entry_to_the_top_saves_the_order_and_marks_only_it_as_placed(admin_client, draft):
    first, second, third = entries(draft)
    data = form_data(admin_client.get(change_page(draft)))
    row = rows_by_entry(data, 3)
    # What the drag-and-drop script writes into the hidden position inputs: the new order 1..n.
    for position, entry in enumerate([third, first, second], start=1):
        data[f"entries-{row[entry.pk]}-position"] = str(position)

    response = admin_client.post(change_page(draft), data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert [e.pk for e in entries(draft)] == [third.pk, first.pk, second.pk]
    assert {e.pk: e.is_manually_placed for e in entries(draft)} == {third.pk: True, first.pk: False, second.pk: False}


def test_dragging_an_entry_down_marks_that_entry(admin_client, draft):
    first, second, third = entries(draft)
    data = form_data(admin_client.get(change_page(draft)))
    row = rows_by_entry(data, 3)
    for position, entry in enumerate([second, third, first], start=1):
        data[f"entries-{row[entry.pk]}-position"] = str(position)

    assert admin_client.post(change_page(draft), data).status_code == 302
    assert [(e.pk, e.is_manually_placed) for e in entries(draft)] == [
        (second.pk, False),
        (third.pk, False),
        (first.pk, True),
    ]


def test_saving_without_moving_marks_nothing(admin_client, draft):
    data = form_data(admin_client.get(change_page(draft)))
    data["entries-0-note"] = "A better note."

    assert admin_client.post(change_page(draft), data).status_code == 302
    assert [e.is_manually_placed for e in entries(draft)] == [False, False, False]
    assert entries(draft)[0].note == "A better note."


def test_the_page_has_no_position_numbers_to_type(admin_client, draft):
    content = admin_client.get(change_page(draft)).content.decode()

    assert 'type="hidden" name="entries-0-position"' in content
    assert "adminsortable2/js/adminsortable2" in content
    assert 'class="module sortable' in content


def test_pin_and_exclude_are_switches_on_each_entry(admin_client, draft):
    first, second, _ = entries(draft)
    data = form_data(admin_client.get(change_page(draft)))
    row = rows_by_entry(data, 3)
    data[f"entries-{row[first.pk]}-is_pinned"] = "on"
    data[f"entries-{row[second.pk]}-is_excluded"] = "on"

    assert admin_client.post(change_page(draft), data).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_pinned and not first.is_excluded
    assert second.is_excluded and not second.is_pinned
    content = admin_client.get(change_page(draft)).content.decode()
    assert '<span class="desk-flag">pinned</span>' in content
    assert "desk-flag-excluded" in content


def test_each_entry_shows_its_score_and_why_line_read_only(admin_client, draft):
    DigestEntry.objects.filter(pk=entries(draft)[0].pk).update(
        score=312, post_count=4, account_count=4, sources=["x", "bluesky"], retweets=120, favorites=192
    )

    content = admin_client.get(change_page(draft)).content.decode()

    assert "Score 312 (reposts + likes): 4 posts from 4 accounts on X and Bluesky" in content
    assert "Shown: 120 reposts, 192 likes" in content
    assert 'name="entries-0-score"' not in content and 'name="entries-0-retweets"' not in content


# --- the posts each entry embeds ---------------------------------------------------------------------


def test_an_editor_unticks_one_post_and_ticks_another_of_the_papers_posts(admin_client):
    digest = DailyDigestFactory(date=DAY, draft=True)
    entry = DigestEntryFactory(digest=digest, position=1, with_tweets=2)
    kept, dropped = [row.tweet for row in entry.entry_tweets.order_by("position")]
    spare = TweetFactory(with_papers=[entry.paper], retweets=40, likes=40, author_handle="hardmaru")
    hidden = TweetFactory(with_papers=[entry.paper], retweets=900, likes=900, is_hidden=True)
    TweetFactory(with_papers=[PaperFactory()], retweets=500, author_handle="elsewhere")  # another paper's post

    page = admin_client.get(change_page(digest))
    content = page.content.decode()
    assert f'value="{spare.pk}"' in content and "@hardmaru" in content
    assert f'value="{hidden.pk}"' not in content and "@elsewhere" not in content
    data = form_data(page)
    assert data["entries-0-posts"] == [str(kept.pk), str(dropped.pk)]
    data["entries-0-posts"] = [str(kept.pk), str(spare.pk)]

    assert admin_client.post(change_page(digest), data).status_code == 302
    assert list(entry.entry_tweets.order_by("position").values_list("tweet_id", flat=True)) == [kept.pk, spare.pk]


def test_a_post_of_another_paper_cannot_be_slipped_in(admin_client):
    digest = DailyDigestFactory(date=DAY, draft=True)
    entry = DigestEntryFactory(digest=digest, position=1, with_tweets=1)
    stranger = TweetFactory(with_papers=[PaperFactory()])
    data = form_data(admin_client.get(change_page(digest)))
    data["entries-0-posts"] = [*data["entries-0-posts"], str(stranger.pk)]

    response = admin_client.post(change_page(digest), data)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert entry.entry_tweets.count() == 1


# --- candidates ----------------------------------------------------------------------------------------


def test_candidates_are_the_days_other_papers_best_first_with_their_why_line(admin_client, draft):
    hot = paper_with_posts(300, 200, handle="hot")
    warm = paper_with_posts(40, handle="warm")
    cold = PaperFactory()
    PaperFactory(published=dt.datetime(2022, 1, 10, 12, tzinfo=dt.UTC))  # announced another day

    content = admin_client.get(change_page(draft)).content.decode()
    listed = content[content.index('id="desk-candidates-heading"') :]

    assert listed.index(hot.arxiv_id) < listed.index(warm.arxiv_id) < listed.index(cold.arxiv_id)
    assert "Score 500 (reposts + likes): 2 posts from 2 accounts on X" in listed
    assert "Score 0: no posts about it yet" in listed
    assert all(entry.paper.arxiv_id not in listed for entry in entries(draft))
    assert listed.count('form="desk-add-paper"') == 3


def test_adding_a_candidate_takes_one_click_and_its_figures_come_from_the_ranking(admin_client, draft):
    hot = paper_with_posts(300, 200, handle="hot")

    response = admin_client.post(desk(draft, "add-paper"), {"paper": hot.pk})

    assert response.status_code == 302 and response.url == change_page(draft)
    entry = draft.entries.get(paper=hot)
    assert (entry.position, entry.score, entry.retweets + entry.favorites, entry.is_pinned) == (4, 500, 500, True)
    assert entry.entry_tweets.count() == 2
    assert said(response) == [f"Added {hot.arxiv_id} at #4, pinned: {entry.why_line}."]


def test_adding_a_paper_already_in_the_digest_is_refused_in_a_sentence(admin_client, draft):
    paper = entries(draft)[0].paper

    response = admin_client.post(desk(draft, "add-paper"), {"paper": paper.pk})

    assert said(response) == [f"{paper.arxiv_id} is already in {draft.title}, at #1."]
    assert draft.entries.count() == 3


def test_the_add_a_paper_field_adds_a_paper_of_another_day_on_save(admin_client, draft):
    other_day = PaperFactory(published=dt.datetime(2022, 1, 10, 12, tzinfo=dt.UTC))
    data = form_data(admin_client.get(change_page(draft)))
    data["add_paper"] = str(other_day.pk)

    response = admin_client.post(change_page(draft), data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert draft.entries.get(paper=other_day).position == 4


# --- the buttons ----------------------------------------------------------------------------------------


def test_the_buttons_of_a_draft_are_posts_with_csrf(admin_client, draft):
    content = admin_client.get(change_page(draft)).content.decode()

    for action in ("rebuild", "publish", "schedule"):
        assert f'<form method="post" action="{desk(draft, action)}"' in content
    assert desk(draft, "unpublish") not in content  # a draft has nothing to unpublish
    assert content.count('name="csrfmiddlewaretoken"') >= 5
    assert f'href="{draft.get_absolute_url()}"' in content and "Preview as a reader" in content
    assert f'href="{draft.get_markdown_url()}" download' in content


def test_a_desk_button_answers_only_posts(admin_client, draft):
    assert admin_client.get(desk(draft, "publish")).status_code == 405
    assert admin_client.post(desk(draft, "explode")).status_code == 404


def test_rebuild_from_scores_ranks_the_day_and_keeps_what_the_editor_did(admin_client, draft):
    first = entries(draft)[0]
    DigestEntry.objects.filter(pk=first.pk).update(is_pinned=True)
    hot = paper_with_posts(300, 200, handle="hot")

    response = admin_client.post(desk(draft, "rebuild"))

    assert response.status_code == 302
    (message,) = said(response)
    assert message == "Rebuilt from scores: 4 papers (1 new, 3 kept, 1 pinned)."  # annotated entries stay
    shown = list(DigestEntry.objects.shown().filter(digest=draft).order_by("position"))
    assert shown[0].paper_id == first.paper_id
    assert hot.pk in {e.paper_id for e in shown}


def test_a_published_digest_is_not_rebuilt(admin_client):
    published = DailyDigestFactory(date=DAY)
    DigestEntryFactory(digest=published, position=1)

    response = admin_client.post(desk(published, "rebuild"))

    (message,) = said(response)
    assert "published" in message and message.endswith(".")
    assert desk(published, "rebuild") not in admin_client.get(change_page(published)).content.decode()


def test_publish_now_makes_the_digest_public(admin_client, client, draft):
    assert client.get(draft.get_absolute_url()).status_code == 404

    response = admin_client.post(desk(draft, "publish"))

    draft.refresh_from_db()
    assert draft.status == DailyDigest.Status.PUBLISHED and draft.published_at == NOW
    assert said(response) == [f"{draft.title} is published: readers see it now."]
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_publishing_an_empty_digest_is_refused_with_a_message(admin_client):
    empty = DailyDigestFactory(date=DAY, draft=True)

    response = admin_client.post(desk(empty, "publish"))

    assert said(response) == [f"{empty.title} has no papers: add papers before publishing it."]
    empty.refresh_from_db()
    assert empty.status == DailyDigest.Status.DRAFT


def test_a_digest_whose_papers_are_all_excluded_is_empty(admin_client, draft):
    draft.entries.update(is_excluded=True)

    response = admin_client.post(desk(draft, "publish"))

    assert "has no papers" in said(response)[0]


def test_schedule_with_a_time_schedules_it(admin_client, draft):
    response = admin_client.post(desk(draft, "schedule"), {"publish_at": "2022-01-14T09:30"})

    draft.refresh_from_db()
    assert draft.status == DailyDigest.Status.SCHEDULED
    assert draft.publish_at == dt.datetime(2022, 1, 14, 9, 30, tzinfo=dt.UTC)
    assert said(response) == [f"{draft.title} goes live at 2022-01-14 09:30 UTC."]
    content = admin_client.get(change_page(draft)).content.decode()
    assert 'value="2022-01-14T09:30"' in content and "Reschedule" in content


def test_the_time_typed_is_a_time_in_the_desks_zone(admin_client, draft, settings):
    settings.HOTPAPERS_TIME_ZONE = "Europe/Paris"

    response = admin_client.post(desk(draft, "schedule"), {"publish_at": "2022-01-14T10:30"})

    draft.refresh_from_db()
    assert draft.publish_at == dt.datetime(2022, 1, 14, 9, 30, tzinfo=dt.UTC)
    assert said(response) == [f"{draft.title} goes live at 2022-01-14 10:30 CET."]
    content = admin_client.get(change_page(draft)).content.decode()
    assert "Go live at (Europe/Paris)" in content and 'value="2022-01-14T10:30"' in content
    assert "goes live Fri 14 Jan 2022, 10:30 CET" in content


@pytest.mark.parametrize(
    ("publish_at", "sentence"),
    [
        ("", "Choose when it goes live, or keep it a draft."),
        ("tomorrow-ish", "Give the date and time it goes live, e.g. 2022-01-13 09:00."),
        (
            "2022-01-13T09:30",
            "2022-01-13 09:30 UTC has already passed: choose a later time, or publish the digest now.",
        ),
    ],
)
def test_scheduling_without_a_good_time_is_refused_in_a_sentence(admin_client, draft, publish_at, sentence):
    response = admin_client.post(desk(draft, "schedule"), {"publish_at": publish_at})

    assert said(response) == [sentence]
    draft.refresh_from_db()
    assert draft.status == DailyDigest.Status.DRAFT


def test_unpublish_takes_a_published_digest_back_to_draft(admin_client, client):
    published = DailyDigestFactory(date=DAY)
    DigestEntryFactory(digest=published, position=1)

    response = admin_client.post(desk(published, "unpublish"))

    published.refresh_from_db()
    assert published.status == DailyDigest.Status.DRAFT and published.published_at is None
    assert said(response) == [f"{published.title} is a draft again (it was published): readers no longer see it."]
    assert client.get(published.get_absolute_url()).status_code == 404


def test_the_desk_buttons_need_the_right_to_change_digests(client, django_user_model, draft):
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(*Group.objects.get(name="Editors").permissions.filter(codename__startswith="view_"))
    client.force_login(viewer)

    assert client.post(desk(draft, "publish")).status_code == 403
    assert "Publish now" not in client.get(change_page(draft)).content.decode()
    draft.refresh_from_db()
    assert draft.status == DailyDigest.Status.DRAFT


# --- the form speaks in sentences -----------------------------------------------------------------------


def test_choosing_scheduled_without_a_time_says_what_to_do(admin_client, draft):
    data = form_data(admin_client.get(change_page(draft)))
    data["status"] = "scheduled"

    response = admin_client.post(change_page(draft), data)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Choose when it goes live, or keep it a draft." in content
    assert "digest_scheduled_has_publish_at" not in content and "Constraint" not in content
    assert response.context["adminform"].form.errors == {
        "publish_at": ["Choose when it goes live, or keep it a draft."]
    }


def test_choosing_published_for_an_empty_digest_is_refused_on_the_form(admin_client):
    empty = DailyDigestFactory(date=DAY, draft=True)
    data = form_data(admin_client.get(change_page(empty)))
    data.update(status="published", published_at_0="2022-01-14", published_at_1="07:00")

    response = admin_client.post(change_page(empty), data)

    assert response.status_code == 200
    assert "A digest with no papers cannot go live" in response.context["adminform"].form.errors["status"][0]


def test_the_list_action_refuses_empty_digests_in_a_sentence(admin_client):
    empty = DailyDigestFactory(date=DAY, draft=True)

    response = admin_client.post(
        reverse("admin:digests_dailydigest_changelist"), {"action": "publish_now", "_selected_action": [empty.pk]}
    )

    assert said(response) == [f"{empty.title} has no papers: add papers before publishing it."]
