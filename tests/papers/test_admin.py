import datetime as dt
import html
import re

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from papers.admin import AUTHORS_EDITED_INLINE_MAX
from papers.admin_base import EditorAdmin, EditorInline
from papers.models import Author, Authorship, Category, IngestRun, Paper, Tweet, TweetMetrics
from papers.taxonomy import sync_taxonomy
from tests.admin_utils import changelist_queries, fields_without_help_text, form_data, open_change_form
from tests.papers.factories import AuthorFactory, PaperFactory, TweetFactory

pytestmark = pytest.mark.django_db

MODELS = [Category, Author, Paper, Authorship, Tweet, TweetMetrics]


def changelist(model):
    return reverse(f"admin:papers_{model._meta.model_name}_changelist")


@pytest.fixture(autouse=True)
def taxonomy():
    # Migrations load it, but a transactional test's flush empties the table of a reused test database.
    sync_taxonomy(Category)


def make_rows(count):
    """count papers with authors and categories, each cited by a post that has a metrics snapshot."""
    for _ in range(count):
        paper = PaperFactory(with_authors=2, with_categories=["cs.LG", "stat.ML"])
        tweet = TweetFactory()
        tweet.papers.add(paper)
        TweetMetrics.objects.create(tweet=tweet, measured_at=dt.datetime(2022, 1, 13, 12, tzinfo=dt.UTC), likes=5)


@pytest.fixture
def paper():
    return PaperFactory(
        arxiv_id="2201.04182",
        title="Time Series  Forecasting\n  with Transformers",
        with_authors=2,
        with_categories=["cs.LG", "stat.ML"],
    )


@pytest.fixture
def tweet(paper):
    tweet = TweetFactory(author_handle="hardmaru", text="Transformers for forecasting, finally explained")
    tweet.papers.add(paper)
    TweetMetrics.objects.create(tweet=tweet, measured_at=dt.datetime(2022, 1, 13, 12, tzinfo=dt.UTC), likes=42)
    return tweet


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_changelist_lists_its_rows(admin_client, tweet, model):
    response = admin_client.get(changelist(model))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_add_page_renders(admin_client, model):
    response = admin_client.get(reverse(f"admin:papers_{model._meta.model_name}_add"))

    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_change_page_renders(admin_client, tweet, model):
    obj = model.objects.first()
    response = admin_client.get(reverse(f"admin:papers_{model._meta.model_name}_change", args=[obj.pk]))

    assert response.status_code == 200


def test_paper_change_page_shows_ordered_authors_categories_and_links(admin_client, paper):
    response = admin_client.get(reverse("admin:papers_paper_change", args=[paper.pk]))
    content = response.content.decode()

    authors = [a.author.name for a in paper.authorships.order_by("position")]
    assert content.index(authors[0]) < content.index(authors[1])
    assert "https://arxiv.org/abs/2201.04182" in content
    assert "https://arxiv.org/pdf/2201.04182" in content
    assert paper.get_absolute_url() in content
    assert 'name="authorships-0-author"' in content
    assert 'name="paper_categories-0-category"' in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [("2201.04182", True), ("forecasting", True), ("Ada Lovelace", True), ("nothing like it", False)],
)
def test_paper_search_covers_id_title_and_authors(admin_client, paper, query, expected):
    PaperFactory(title="Unrelated")
    response = admin_client.get(changelist(Paper), {"q": query})

    assert (paper in response.context["cl"].result_list) is expected


@pytest.mark.parametrize(("query", "expected"), [("hardmaru", True), ("finally explained", True), ("zzz", False)])
def test_post_search_covers_handle_and_text(admin_client, tweet, query, expected):
    TweetFactory(author_handle="someone", text="Other words")
    response = admin_client.get(changelist(Tweet), {"q": query})

    assert (tweet in response.context["cl"].result_list) is expected


def test_category_search_and_paper_count(admin_client, paper):
    response = admin_client.get(changelist(Category), {"q": "stat.ML"})

    rows = list(response.context["cl"].result_list)
    assert [c.code for c in rows] == ["stat.ML"]
    assert rows[0].paper_count == 1
    assert "Machine Learning" in response.content.decode()


def test_category_autocomplete_answers_for_the_paper_form(admin_client):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "cs.L", "app_label": "papers", "model_name": "papercategory", "field_name": "category"},
    )

    assert response.status_code == 200
    assert "cs.LG" in [r["text"] for r in response.json()["results"]]


def test_post_filters_by_source_hidden_and_learned_via(admin_client, tweet):
    hidden = TweetFactory(is_hidden=True, learned_via=Tweet.LearnedVia.API)

    response = admin_client.get(changelist(Tweet), {"is_hidden__exact": "1", "learned_via__exact": "api"})

    assert list(response.context["cl"].result_list) == [hidden]


def test_hide_and_show_actions_change_only_the_selected_posts(admin_client):
    chosen, other = TweetFactory(), TweetFactory()

    response = admin_client.post(changelist(Tweet), {"action": "hide_posts", "_selected_action": [chosen.pk]})
    assert response.status_code == 302
    chosen.refresh_from_db()
    other.refresh_from_db()
    assert (chosen.is_hidden, other.is_hidden) == (True, False)

    admin_client.post(changelist(Tweet), {"action": "show_posts", "_selected_action": [chosen.pk]})
    chosen.refresh_from_db()
    assert chosen.is_hidden is False


def test_hiding_is_recorded_in_the_admin_history_and_counts_only_real_changes(admin_client):
    already_hidden, visible = TweetFactory(is_hidden=True), TweetFactory()
    response = admin_client.post(
        changelist(Tweet), {"action": "hide_posts", "_selected_action": [already_hidden.pk, visible.pk]}
    )

    assert "Hid 1 post." in [str(m) for m in response.wsgi_request._messages]
    (entry,) = LogEntry.objects.all()
    assert (entry.object_id, entry.get_change_message()) == (str(visible.pk), "Changed Is hidden.")


def test_metrics_snapshots_are_read_only_once_stored(admin_client, tweet):
    snapshot = tweet.metrics.get()
    response = admin_client.get(reverse("admin:papers_tweetmetrics_change", args=[snapshot.pk]))

    assert 'name="likes"' not in response.content.decode()
    assert "42" in response.content.decode()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model):
    make_rows(3)
    few = changelist_queries(admin_client, model)
    make_rows(17)
    many = changelist_queries(admin_client, model)

    assert many == few


@pytest.mark.parametrize("model", [*MODELS, IngestRun], ids=lambda m: m.__name__)
def test_every_field_an_editor_sees_has_help_text(rf, admin_user, model):
    request = rf.get("/")
    request.user = admin_user

    assert fields_without_help_text(admin.site._registry[model], request) == []


def test_author_slug_is_prepopulated_from_the_name(admin_client):
    response = admin_client.get(reverse("admin:papers_author_add"))

    assert "&quot;#id_slug&quot;" in response.content.decode()


def test_ingest_runs_are_listed_and_shown_but_not_written_in_the_admin(admin_client):
    run = IngestRun.objects.create(kind=IngestRun.Kind.IDS, parameters={"ids": ["2201.04182"]}, created=1)

    listed = admin_client.get(changelist(IngestRun))
    shown = admin_client.get(reverse("admin:papers_ingestrun_change", args=[run.pk]))

    assert list(listed.context["cl"].result_list) == [run]
    assert shown.status_code == 200
    assert "2201.04182" in shown.content.decode()
    assert admin_client.get(reverse("admin:papers_ingestrun_add")).url == "/admin/papers/ingestrun/ingest/"
    assert admin_client.post(reverse("admin:papers_ingestrun_change", args=[run.pk]), {}).status_code == 403


def test_ingest_run_changelist_query_count_does_not_grow_with_rows(admin_client):
    IngestRun.objects.bulk_create([IngestRun(kind=IngestRun.Kind.OAI) for _ in range(3)])
    few = changelist_queries(admin_client, IngestRun)
    IngestRun.objects.bulk_create([IngestRun(kind=IngestRun.Kind.OAI) for _ in range(17)])

    assert changelist_queries(admin_client, IngestRun) == few


def test_editors_fix_the_author_order_of_a_paper(admin_client):
    paper = PaperFactory(with_authors=2)
    first, second = paper.authorships.order_by("position")
    url = reverse("admin:papers_paper_change", args=[paper.pk])
    data = form_data(admin_client.get(url))
    index = {data[f"authorships-{i}-id"]: i for i in range(2)}
    data[f"authorships-{index[str(first.pk)]}-position"] = "2"
    data[f"authorships-{index[str(second.pk)]}-position"] = "1"

    assert admin_client.post(url, data).status_code == 302
    assert [a.author_id for a in paper.authorships.order_by("position")] == [second.author_id, first.author_id]


@pytest.mark.parametrize("app_label", ["papers", "digests"])
def test_every_admin_editors_use_extends_the_editor_base(app_label):
    admins = [model_admin for model, model_admin in admin.site._registry.items() if model._meta.app_label == app_label]

    assert admins
    assert [type(a).__name__ for a in admins if not isinstance(a, EditorAdmin)] == []
    inlines = [inline for model_admin in admins for inline in model_admin.inlines]
    assert [inline.__name__ for inline in inlines if not issubclass(inline, EditorInline)] == []


# The change forms cost the same at any size: each inline selects what its rows show, and the
# autocomplete widgets show the selected object without a query of their own.


@pytest.mark.parametrize("authors", [2, 30])
def test_the_paper_form_costs_the_same_for_any_number_of_authors(admin_client, django_assert_num_queries, authors):
    paper = PaperFactory(with_authors=authors, with_categories=["cs.LG", "stat.ML", "cs.AI"])

    with django_assert_num_queries(10):
        open_change_form(admin_client, paper)


@pytest.mark.parametrize("papers", [2, 20])
def test_the_post_form_costs_the_same_for_any_number_of_papers(admin_client, django_assert_num_queries, papers):
    tweet = TweetFactory()
    tweet.papers.add(*[PaperFactory() for _ in range(papers)])

    with django_assert_num_queries(7):
        open_change_form(admin_client, tweet)


def test_the_author_rows_show_their_selected_authors(admin_client, paper):
    content = open_change_form(admin_client, paper).content.decode()

    for authorship in paper.authorships.select_related("author"):
        assert f'<option value="{authorship.author_id}" selected>{authorship.author.name}</option>' in content


def test_a_form_shown_again_with_its_errors_shows_the_author_chosen_in_it(admin_client, paper):
    url = reverse("admin:papers_paper_change", args=[paper.pk])
    data = form_data(admin_client.get(url))
    newcomer = AuthorFactory(name="Grace Hopper")
    data["authorships-0-author"] = str(newcomer.pk)
    data["title"] = ""

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert f'<option value="{newcomer.pk}" selected>Grace Hopper</option>' in response.content.decode()


# Papers by large collaborations: the authors are listed read-only, and edited one by one.

LARGE = AUTHORS_EDITED_INLINE_MAX + 1


@pytest.mark.parametrize("authors", [LARGE, 300])
def test_a_paper_with_too_many_authors_lists_them_read_only_at_a_fixed_cost(
    admin_client, django_assert_num_queries, authors
):
    paper = PaperFactory(with_authors=authors, with_categories=["cs.LG", "stat.ML"])

    with django_assert_num_queries(10):
        content = open_change_form(admin_client, paper).content.decode()

    assert 'name="authorships-0-author"' not in content
    names = [a.author.name for a in paper.authorships.select_related("author").order_by("position")]
    assert ", ".join(names) in content
    assert f"{authors} authors:" in content
    assert 'name="paper_categories-0-category"' in content


def test_a_paper_with_as_many_authors_as_can_be_edited_still_edits_them_inline(admin_client):
    paper = PaperFactory(with_authors=AUTHORS_EDITED_INLINE_MAX)

    assert (
        f'name="authorships-{AUTHORS_EDITED_INLINE_MAX - 1}-author"'
        in open_change_form(admin_client, paper).content.decode()
    )


def test_a_paper_with_hundreds_of_authors_can_be_saved(admin_client):
    # The inline's four fields a row made this form too big for Django to accept (1,000 fields).
    paper = PaperFactory(with_authors=300, title="Old")
    url = reverse("admin:papers_paper_change", args=[paper.pk])
    data = form_data(admin_client.get(url))
    data["title"] = "Observation of a new particle"

    assert admin_client.post(url, data).status_code == 302
    paper.refresh_from_db()
    assert paper.title == "Observation of a new particle"
    assert paper.authorships.count() == 300


def test_the_read_only_author_list_links_to_the_papers_authorships_in_order(admin_client):
    paper = PaperFactory(with_authors=LARGE)
    PaperFactory(with_authors=2)  # another paper's authorships stay out of the list
    content = open_change_form(admin_client, paper).content.decode()
    (url,) = re.findall(r'<a href="([^"]*)">edit them one by one</a>', content)

    response = admin_client.get(html.unescape(url))

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [row.position for row in rows[:3]] == [1, 2, 3]
    assert {row.paper_id for row in rows} == {paper.pk}
    assert response.context["cl"].result_count == LARGE


def test_an_author_of_a_large_paper_is_fixed_on_its_own_form(admin_client):
    paper = PaperFactory(with_authors=LARGE)
    authorship = paper.authorships.get(position=7)
    replacement = AuthorFactory(name="Fabiola Gianotti")
    url = reverse("admin:papers_authorship_change", args=[authorship.pk])
    data = form_data(admin_client.get(url))
    data["author"] = str(replacement.pk)

    assert admin_client.post(url, data).status_code == 302
    assert paper.authorships.get(position=7).author == replacement


# Visibility: every path goes through the moderation service and into the admin's history.


def history(tweet):
    entries = LogEntry.objects.filter(object_id=tweet.pk).order_by("action_time", "pk")
    return [(entry.user.username, entry.get_change_message()) for entry in entries]


def test_the_post_list_has_no_editable_visibility_column(admin_client):
    tweet = TweetFactory()
    content = admin_client.get(changelist(Tweet)).content.decode()
    assert 'name="form-0-is_hidden"' not in content

    admin_client.post(
        changelist(Tweet),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(tweet.pk),
            "form-0-is_hidden": "on",
            "_save": "Save",
        },
    )

    tweet.refresh_from_db()
    assert tweet.is_hidden is False
    assert history(tweet) == []


def test_showing_posts_again_is_recorded_in_the_admin_history(admin_client):
    hidden = TweetFactory(is_hidden=True)

    admin_client.post(changelist(Tweet), {"action": "show_posts", "_selected_action": [hidden.pk]})

    hidden.refresh_from_db()
    assert hidden.is_hidden is False
    assert history(hidden) == [("admin", "Changed Is hidden.")]


@pytest.mark.parametrize("hide", [True, False], ids=["hide", "show"])
def test_the_post_form_changes_visibility_and_records_it(admin_client, hide):
    tweet = TweetFactory(is_hidden=not hide)
    url = reverse("admin:papers_tweet_change", args=[tweet.pk])
    data = form_data(admin_client.get(url))
    if hide:
        data["is_hidden"] = "on"
    else:
        del data["is_hidden"]

    assert admin_client.post(url, data).status_code == 302
    tweet.refresh_from_db()
    assert tweet.is_hidden is hide
    assert history(tweet) == [("admin", "Changed Is hidden.")]


def test_a_post_form_opened_before_the_post_was_hidden_does_not_show_it_again(admin_client):
    tweet = TweetFactory(text="Before")
    url = reverse("admin:papers_tweet_change", args=[tweet.pk])
    data = form_data(admin_client.get(url))
    admin_client.post(changelist(Tweet), {"action": "hide_posts", "_selected_action": [tweet.pk]})
    data["text"] = "After"

    assert admin_client.post(url, data).status_code == 302
    tweet.refresh_from_db()
    assert (tweet.text, tweet.is_hidden) == ("After", True)
    assert history(tweet) == [("admin", "Changed Is hidden."), ("admin", "Changed Text.")]


def test_hiding_on_a_stale_form_what_someone_already_hid_records_no_change_of_visibility(admin_client):
    tweet = TweetFactory()
    url = reverse("admin:papers_tweet_change", args=[tweet.pk])
    data = form_data(admin_client.get(url))
    admin_client.post(changelist(Tweet), {"action": "hide_posts", "_selected_action": [tweet.pk]})
    data["is_hidden"] = "on"

    assert admin_client.post(url, data).status_code == 302
    assert history(tweet) == [("admin", "Changed Is hidden."), ("admin", "No fields changed.")]


def test_a_post_added_hidden_is_hidden(admin_client):
    data = form_data(admin_client.get(reverse("admin:papers_tweet_add")))
    data.update(
        source="x",
        external_id="1481443284304154999",
        learned_via="markdown",
        url="https://x.com/a/status/1",
        author_handle="a",
        posted_at_0="2022-01-13",
        posted_at_1="09:00:00",
        is_hidden="on",
    )

    response = admin_client.post(reverse("admin:papers_tweet_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    tweet = Tweet.objects.get(external_id="1481443284304154999")
    assert tweet.is_hidden is True
    assert history(tweet) == [("admin", "Added.")]
