import datetime as dt
import re

import pytest
from django.contrib import admin
from django.urls import reverse

from digests.models import DailyDigest, DigestEntry, DigestTag, Tag
from papers.models import Paper
from tests.admin_utils import changelist_queries, fields_without_help_text, form_data, open_change_form
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory, TagFactory
from tests.papers.factories import PaperFactory, TweetFactory

pytestmark = pytest.mark.django_db

MODELS = [Tag, DailyDigest, DigestEntry]


def changelist(model):
    return reverse(f"admin:digests_{model._meta.model_name}_changelist")


def change_page(obj):
    return reverse(f"admin:digests_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def digest():
    digest = DailyDigestFactory(date=dt.date(2022, 1, 13), intro="Today's *hottest* papers.")
    DigestTag.objects.create(digest=digest, tag=TagFactory(name="Machine Learning"), position=1)
    for position in (1, 2):
        DigestEntryFactory(digest=digest, position=position, note=f"Note {position}", with_tweets=2)
    return digest


def make_digests(count):
    for _ in range(count):
        digest = DailyDigestFactory()
        DigestTag.objects.create(digest=digest, tag=TagFactory(name="Shared"), position=1)
        DigestEntryFactory(digest=digest, position=1, with_tweets=1)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_changelist_lists_its_rows(admin_client, digest, model):
    response = admin_client.get(changelist(model))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model", [Tag, DailyDigest], ids=lambda m: m.__name__)
def test_every_add_page_renders(admin_client, model):
    assert admin_client.get(reverse(f"admin:digests_{model._meta.model_name}_add")).status_code == 200


def test_entries_are_added_on_their_digest_page_not_typed_in(admin_client):
    assert admin_client.get(reverse("admin:digests_digestentry_add")).status_code == 403


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_change_page_renders(admin_client, digest, model):
    assert admin_client.get(change_page(model.objects.first())).status_code == 200


def test_digest_changelist_shows_status_dates_and_entry_count(admin_client, digest):
    response = admin_client.get(changelist(DailyDigest))

    (row,) = response.context["cl"].result_list
    assert row.entry_count == 2
    content = response.content.decode()
    assert "Hot Papers 2022-01-13" in content
    assert "Published" in content
    assert digest.get_absolute_url() in content


def test_digest_changelist_filters_by_status_and_searches_titles(admin_client, digest):
    draft = DailyDigestFactory(draft=True, title="Quiet day")

    by_status = admin_client.get(changelist(DailyDigest), {"status__exact": "draft"})
    by_title = admin_client.get(changelist(DailyDigest), {"q": "2022-01-13"})

    assert list(by_status.context["cl"].result_list) == [draft]
    assert list(by_title.context["cl"].result_list) == [digest]


def test_digest_change_page_edits_intro_and_notes_with_markdownx(admin_client, digest):
    content = admin_client.get(change_page(digest)).content.decode()

    # The intro and both entries' notes (papers are added from the candidates: no blank entry form).
    assert content.count('class="markdownx"') == 3
    assert re.search(r'<textarea name="intro"[^>]*class="[^"]*markdownx-editor', content)
    assert re.search(r'<textarea name="entries-0-note"[^>]*class="[^"]*markdownx-editor', content)
    assert 'class="markdownx-preview"' in content
    assert 'data-markdownx-urls-path="/markdownx/markdownify/"' in content
    assert 'data-markdownx-upload-urls-path="/markdownx/upload/"' in content
    assert "markdownx/js/markdownx" in content
    assert "Today&#x27;s *hottest* papers." in content


def test_digest_change_page_has_ordered_inlines_and_view_on_site(admin_client, digest):
    content = admin_client.get(change_page(digest)).content.decode()

    first, second = digest.entries.order_by("position").select_related("paper")
    assert 'name="digest_tags-0-tag"' in content
    assert 'name="entries-0-position"' in content
    assert content.index(f"<b>{first.paper.arxiv_id}</b>") < content.index(f"<b>{second.paper.arxiv_id}</b>")
    assert content.index("Note 1") < content.index("Note 2")
    assert "View on site" in content


def test_entry_change_page_embeds_posts_inline_with_autocomplete(admin_client, digest):
    entry = digest.entries.first()
    content = admin_client.get(change_page(entry)).content.decode()

    assert 'name="entry_tweets-0-tweet"' in content
    assert 'name="entry_tweets-1-tweet"' in content
    assert "admin-autocomplete" in content
    assert entry.paper.abs_url in content
    assert 'class="markdownx"' in content


def test_entry_search_finds_papers_by_arxiv_id(admin_client, digest):
    entry = digest.entries.first()
    response = admin_client.get(changelist(DigestEntry), {"q": entry.paper.arxiv_id})

    assert list(response.context["cl"].result_list) == [entry]


def test_paper_autocomplete_answers_for_the_entry_inline(admin_client, digest):
    paper = PaperFactory(title="Attention Is Still All You Need")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "Still All", "app_label": "digests", "model_name": "digestentry", "field_name": "paper"},
    )

    assert [r["id"] for r in response.json()["results"]] == [str(paper.pk)]


def test_adding_a_draft_digest_through_the_admin_saves_it(admin_client):
    response = admin_client.post(
        reverse("admin:digests_dailydigest_add"),
        {
            "date": "2022-02-01",
            "title": "Hot Papers 2022-02-01",
            "slug": "hot-papers-2022-02-01",
            "intro": "Hello **editors**.",
            "status": "draft",
            "leading_blank_lines": "0",
            "digest_tags-TOTAL_FORMS": "0",
            "digest_tags-INITIAL_FORMS": "0",
            "entries-TOTAL_FORMS": "0",
            "entries-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert DailyDigest.objects.get(slug="hot-papers-2022-02-01").intro == "Hello **editors**."


def test_a_published_digest_without_a_publish_time_is_refused_on_the_form(admin_client):
    response = admin_client.post(
        reverse("admin:digests_dailydigest_add"),
        {
            "date": "2022-02-02",
            "title": "Hot Papers 2022-02-02",
            "slug": "hot-papers-2022-02-02",
            "status": "published",
            "leading_blank_lines": "0",
            "digest_tags-TOTAL_FORMS": "0",
            "digest_tags-INITIAL_FORMS": "0",
            "entries-TOTAL_FORMS": "0",
            "entries-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not DailyDigest.objects.filter(slug="hot-papers-2022-02-02").exists()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model):
    make_digests(3)
    few = changelist_queries(admin_client, model)
    make_digests(17)
    many = changelist_queries(admin_client, model)

    assert many == few


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_an_editor_sees_has_help_text(rf, admin_user, digest, model):
    request = rf.get("/")
    request.user = admin_user

    assert fields_without_help_text(admin.site._registry[model], request, model.objects.first()) == []


def test_editors_reorder_entries_by_swapping_positions(admin_client):
    digest = DailyDigestFactory()
    first = DigestEntryFactory(digest=digest, position=1)
    second = DigestEntryFactory(digest=digest, position=2)
    data = form_data(admin_client.get(change_page(digest)))
    order = {data[f"entries-{i}-id"]: i for i in range(2)}
    data[f"entries-{order[str(first.pk)]}-position"] = "2"
    data[f"entries-{order[str(second.pk)]}-position"] = "1"

    response = admin_client.post(change_page(digest), data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.position, second.position) == (2, 1)


def test_reordering_while_deleting_an_entry_frees_its_position(admin_client):
    digest = DailyDigestFactory()
    entries = [DigestEntryFactory(digest=digest, position=position) for position in (1, 2, 3)]
    data = form_data(admin_client.get(change_page(digest)))
    index = {data[f"entries-{i}-id"]: i for i in range(3)}
    data[f"entries-{index[str(entries[0].pk)]}-DELETE"] = "on"
    data[f"entries-{index[str(entries[2].pk)]}-position"] = "1"
    data[f"entries-{index[str(entries[1].pk)]}-position"] = "2"

    assert admin_client.post(change_page(digest), data).status_code == 302
    assert list(digest.entries.order_by("position").values_list("pk", flat=True)) == [entries[2].pk, entries[1].pk]


@pytest.mark.parametrize("entries", [2, 20])
def test_the_digest_form_costs_the_same_for_any_number_of_entries(admin_client, django_assert_num_queries, entries):
    digest = DailyDigestFactory(date=dt.date(2022, 1, 13))  # the papers factory's day
    for position, name in enumerate(["Machine Learning", "Vision"], start=1):
        DigestTag.objects.create(digest=digest, tag=TagFactory(name=name), position=position)
    for position in range(1, entries + 1):
        DigestEntryFactory(digest=digest, position=position, with_tweets=1)
    for _ in range(entries):  # the day's other papers: the candidates
        TweetFactory(with_papers=[PaperFactory()], retweets=30, likes=30)

    # Session, user, digest, tags, entries with papers, their embedded posts, the posts on offer
    # (one windowed query for all papers), the day's ranking, the digest's papers, the candidates'
    # titles, content type (the history link).
    with django_assert_num_queries(11):
        content = open_change_form(admin_client, digest).content.decode()

    first = digest.entries.select_related("paper").get(position=1)
    assert f"<b>{first.paper.arxiv_id}</b>" in content
    assert content.count('form="desk-add-paper"') == entries


@pytest.mark.parametrize("posts", [2, 20])
def test_the_entry_form_costs_the_same_for_any_number_of_posts(admin_client, django_assert_num_queries, posts):
    entry = DigestEntryFactory(with_tweets=posts)

    # Digest and paper are read-only here (entries are added on the digest's page): no lookups for them.
    with django_assert_num_queries(7):
        content = open_change_form(admin_client, entry).content.decode()

    embedded = entry.entry_tweets.select_related("tweet").get(position=1)
    assert f'<option value="{embedded.tweet_id}" selected>{embedded.tweet}</option>' in content


def test_a_digest_of_260_entries_saves_in_its_change_form(admin_client):
    """Each entry is several form fields: Django's default cap of 1,000 fields refused this with a 400."""
    digest = DailyDigestFactory(draft=True)
    papers = PaperFactory.build_batch(260)  # built, then stored in one statement each: a factory per row is slow
    Paper.objects.bulk_create(papers)
    DigestEntry.objects.bulk_create(
        DigestEntryFactory.build(digest=digest, paper=paper, position=position)
        for position, paper in enumerate(papers, start=1)
    )
    data = form_data(admin_client.get(change_page(digest)))
    assert len(data) > 1000
    data["intro"] = "Many papers today."

    response = admin_client.post(change_page(digest), data)

    assert response.status_code == 302, response.content[:500]
    digest.refresh_from_db()
    assert digest.intro == "Many papers today." and digest.entries.count() == 260
