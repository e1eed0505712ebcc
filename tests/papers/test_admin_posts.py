"""The admin's social posts: the post list, a post's counter chart, and a paper's posts and attention."""

import datetime as dt
import html
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from papers.admin import PAPER_POSTS_SHOWN
from papers.models import Tweet, TweetMetrics
from tests.admin_utils import form_data, open_change_form
from tests.papers.factories import PaperFactory, TweetFactory

pytestmark = pytest.mark.django_db

POSTS = reverse("admin:papers_tweet_changelist")


def at(day, hour=0):
    return dt.datetime(2022, 1, day, hour, tzinfo=dt.UTC)


def post_about(*papers, **fields):
    tweet = TweetFactory(**fields)
    tweet.papers.add(*papers)
    return tweet


def listed(client, **params):
    response = client.get(POSTS, params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


# The post list


def test_the_post_list_shows_source_author_linked_papers_counters_and_visibility(admin_client):
    first, second = PaperFactory(arxiv_id="2201.04182"), PaperFactory(arxiv_id="hep-th/9901001")
    post_about(
        first,
        second,
        source=Tweet.Source.BLUESKY,
        author_handle="karpathy.bsky.social",
        author_name="Andrej",
        retweets=12,
        likes=345,
        replies=6,
        quotes=7,
    )

    content = admin_client.get(POSTS).content.decode()

    assert "Bluesky" in content and "@karpathy.bsky.social<br>Andrej" in content
    for paper in (first, second):
        assert f'<a href="{reverse("admin:papers_paper_change", args=[paper.pk])}">{paper.arxiv_id}</a>' in content
    for column, value in [("reposts", 12), ("likes", 345), ("replies", 6), ("quotes", 7)]:
        assert f'<td class="field-{column}">{value}</td>' in content
    assert 'class="field-hidden"' in content and 'class="field-posted"' in content


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"linked": "yes"}, ["linked", "hidden"]),
        ({"linked": "no"}, ["orphan"]),
        ({"source__exact": "bluesky"}, ["orphan"]),
        ({"is_hidden__exact": "1"}, ["hidden"]),
        ({"posted_at__gte": "2022-01-12 00:00:00+00:00", "posted_at__lt": "2022-01-14 00:00:00+00:00"}, ["linked"]),
    ],
)
def test_the_post_list_filters_by_link_source_visibility_and_date(admin_client, params, expected):
    paper = PaperFactory()
    posts = {
        "linked": post_about(paper, posted_at=at(13)),
        "orphan": TweetFactory(source=Tweet.Source.BLUESKY, posted_at=at(10)),
        "hidden": post_about(paper, is_hidden=True, posted_at=at(20)),
    }

    assert sorted(listed(admin_client, **params), key=lambda t: t.pk) == [posts[name] for name in expected]


def test_the_post_list_offers_every_filter(admin_client):
    TweetFactory(is_hidden=True)
    response = admin_client.get(POSTS)
    filters = [spec.title for spec in response.context["cl"].filter_specs]

    assert filters[:4] == ["source", "visibility", "posted at", "linked to papers"]
    assert '<a href="?is_hidden__exact=0">Visible</a>' in response.content.decode()
    assert re.findall(r'<td class="field-hidden">(.*?)</td>', response.content.decode()) == [
        '<strong class="post-hidden">hidden</strong>'
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("forecasting", ["mine"]),
        ("hardmaru", ["mine"]),
        ("David Ha", ["mine"]),
        ("1481443284304154999", ["mine"]),
        ("2201.04182", ["mine", "quoting"]),
        ("arXiv:2201.04182v2", ["mine", "quoting"]),
        ("https://arxiv.org/abs/2201.04182", ["mine", "quoting"]),
        ("forecasting 2201.04182", ["mine"]),
        ("hep-th/9901001", []),
    ],
)
def test_the_post_list_searches_text_handle_author_post_id_and_papers(admin_client, query, expected):
    paper = PaperFactory(arxiv_id="2201.04182")
    posts = {
        "mine": post_about(
            paper,
            external_id="1481443284304154999",
            author_handle="hardmaru",
            author_name="David Ha",
            text="Transformers for forecasting",
        ),
        "quoting": TweetFactory(text="Read arXiv 2201.04182, not linked yet"),  # says the id
        "other": post_about(PaperFactory(), text="Unrelated", author_handle="someone", author_name="Someone"),
    }

    assert sorted(listed(admin_client, q=query), key=lambda t: t.pk) == [posts[name] for name in expected]


def make_posts(count):
    """count posts, each linking two papers, with a snapshot, some hidden, on both platforms; the papers."""
    papers = []
    for index in range(count):
        pair = [PaperFactory(), PaperFactory()]
        tweet = post_about(*pair, source=[Tweet.Source.X, Tweet.Source.BLUESKY][index % 2], is_hidden=index % 3 == 0)
        TweetMetrics.objects.create(tweet=tweet, measured_at=at(13), likes=index)
        papers += pair
    return papers


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("query", ["plain", "search", "filters"])
def test_the_post_list_costs_the_same_queries_for_any_number_of_posts(
    admin_client, django_assert_num_queries, count, query
):
    papers = make_posts(count)
    params = {
        "plain": {},
        "search": {"q": f"{papers[0].arxiv_id} paper"},
        "filters": {"linked": "yes", "is_hidden__exact": "0", "source__exact": "bluesky"},
    }[query]

    # session, user, the editor's finished uploads, count, total count, the page, the page's papers, 2 for the
    # date hierarchy, the languages filter
    with django_assert_num_queries(10):
        response = admin_client.get(POSTS, params)

    assert response.context["cl"].result_list


def test_the_list_of_a_papers_posts_the_paper_page_links_to_has_them_all(admin_client):
    paper = PaperFactory()
    mine = [post_about(paper), post_about(paper, is_hidden=True)]
    post_about(PaperFactory())

    content = open_change_form(admin_client, paper).content.decode()
    (url,) = re.findall(r'<a href="([^"]*)">Every post linking this paper', content)
    response = admin_client.get(html.unescape(url))

    assert response.status_code == 200
    assert sorted(response.context["cl"].result_list, key=lambda t: t.pk) == mine


# A post's page: its counter history as an SVG chart


def chart_of(response):
    (svg,) = re.findall(r'<svg class="counter-chart__svg".*?</svg>', response.content.decode(), re.S)
    return svg


def test_a_post_never_measured_says_so(admin_client):
    content = open_change_form(admin_client, TweetFactory()).content.decode()

    assert "No snapshots yet" in content
    assert "counter-chart__svg" not in content


def test_a_post_measured_once_shows_its_counters_as_dots(admin_client):
    tweet = TweetFactory(author_handle="hardmaru")
    TweetMetrics.objects.create(tweet=tweet, measured_at=at(13, 12), retweets=3, likes=42)

    svg = chart_of(open_change_form(admin_client, tweet))

    assert '<title id="counter-chart-title">Reposts and likes of @hardmaru&#x27;s post over time</title>' in svg
    assert "1 snapshot from Jan 13, 2022 12:00. Reposts: 3. Likes: 42." in svg
    assert "<polyline" not in svg
    assert svg.count("<circle") == 2
    assert 'role="img"' in svg and 'aria-labelledby="counter-chart-title counter-chart-desc"' in svg


def test_a_post_measured_many_times_shows_reposts_and_likes_lines_with_labelled_axes(admin_client):
    tweet = TweetFactory()
    for day, (retweets, likes) in enumerate([(1, 10), (4, 60), (9, 180), (9, 175)], start=10):
        TweetMetrics.objects.create(tweet=tweet, measured_at=at(day), retweets=retweets, likes=likes)
    other = TweetFactory()
    TweetMetrics.objects.create(tweet=other, measured_at=at(11), likes=9999)

    response = open_change_form(admin_client, tweet)
    svg = chart_of(response)

    assert svg.count("<polyline") == 2
    assert 'class="counter-chart__reposts"' in svg and 'class="counter-chart__likes"' in svg
    assert "4 snapshots from Jan 10, 2022 00:00 to Jan 13, 2022 00:00." in svg
    assert "Reposts: from 1 to 9. Likes: from 10 to 175, peaking at 180." in svg
    assert ">200</text>" in svg and ">0</text>" in svg  # the y axis, up to a round number
    assert ">Jan 10, 2022</text>" in svg and ">Jan 13, 2022</text>" in svg
    assert "9999" not in response.content.decode()
    assert "<script" not in svg and "style=" not in svg  # no script, nothing a strict CSP refuses


@pytest.mark.parametrize("snapshots", [2, 60])
def test_the_post_page_costs_the_same_queries_for_any_number_of_snapshots(
    admin_client, django_assert_num_queries, snapshots
):
    tweet = post_about(PaperFactory(), PaperFactory())
    for hour in range(snapshots):
        TweetMetrics.objects.create(tweet=tweet, measured_at=at(1) + dt.timedelta(hours=hour), likes=hour)

    with django_assert_num_queries(7):
        open_change_form(admin_client, tweet)


# A paper's page: its posts and its attention


def inline_rows(content):
    return re.findall(r'<tr class="form-row paper-post[^"]*" id="Tweet_papers-\d+">(.*?)</tr>', content, re.S)


def test_a_papers_page_lists_its_posts_best_first_hidden_ones_marked(admin_client):
    paper = PaperFactory()
    modest = post_about(paper, text="Modest", retweets=1, likes=5)
    best = post_about(paper, text="Best", retweets=10, likes=100, replies=3, quotes=2)
    hidden = post_about(paper, text="Spam", retweets=500, likes=500, is_hidden=True)
    post_about(PaperFactory(), text="Another paper's")

    content = open_change_form(admin_client, paper).content.decode()
    rows = inline_rows(content)

    assert [re.search(r'<a href="[^"]+">([^<]+)</a>', row).group(1) for row in rows] == ["Spam", "Best", "Modest"]
    for row, tweet in zip(rows, [hidden, best, modest], strict=True):
        assert reverse("admin:papers_tweet_change", args=[tweet.pk]) in row
    assert "hidden" in rows[0] and "visible" in rows[1]
    assert 'class="form-row paper-post post-hidden"' in content
    for field, value in [("reposts", 10), ("likes", 100), ("replies", 3), ("quotes", 2), ("score", 110)]:
        assert re.search(rf'class="field-{field}">{value}</td>', rows[1])
    assert 'name="tweet_papers-0-DELETE"' not in "".join(rows)


def test_a_papers_page_sums_its_visible_posts_attention_per_platform(admin_client):
    paper = PaperFactory()
    post_about(paper, retweets=10, likes=100, replies=3, quotes=1)
    post_about(paper, source=Tweet.Source.BLUESKY, retweets=2, likes=20)
    post_about(paper, retweets=999, likes=999, is_hidden=True)

    content = open_change_form(admin_client, paper).content.decode()
    (table,) = re.findall(r'<table class="attention-table">.*?</table>', content, re.S)
    cells = [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]

    assert cells[1:] == [
        ["Bluesky", "1", "2", "20", "0", "0", "22"],
        ["X / Twitter", "1", "10", "100", "3", "1", "110"],
        ["All", "2", "12", "120", "3", "1", "132"],
    ]


def test_a_paper_without_posts_says_so(admin_client):
    content = open_change_form(admin_client, PaperFactory()).content.decode()

    assert "No visible posts." in content
    assert inline_rows(content) == []


def test_a_paper_talked_about_everywhere_lists_its_best_posts(admin_client):
    paper = PaperFactory()
    for likes in range(PAPER_POSTS_SHOWN + 5):
        post_about(paper, likes=likes)

    rows = inline_rows(open_change_form(admin_client, paper).content.decode())

    assert len(rows) == PAPER_POSTS_SHOWN
    assert re.search(r'class="field-likes">54</td>', rows[0])


@pytest.mark.parametrize("posts", [2, 20])
def test_the_paper_page_costs_the_same_queries_for_any_number_of_posts(admin_client, django_assert_num_queries, posts):
    paper = PaperFactory(with_authors=2, with_categories=["cs.LG"])
    for index in range(posts):
        post_about(paper, source=[Tweet.Source.X, Tweet.Source.BLUESKY][index % 2], likes=index)

    with django_assert_num_queries(10):
        open_change_form(admin_client, paper)


def test_a_paper_with_posts_saves_and_its_posts_stay_linked(admin_client):
    paper = PaperFactory(title="Old")
    tweets = [post_about(paper), post_about(paper, is_hidden=True)]
    url = reverse("admin:papers_paper_change", args=[paper.pk])
    data = form_data(admin_client.get(url))
    data["title"] = "New"

    assert admin_client.post(url, data).status_code == 302
    paper.refresh_from_db()
    assert paper.title == "New"
    assert sorted(paper.tweets.all(), key=lambda t: t.pk) == tweets


def test_an_editor_who_may_only_change_papers_sees_no_posts_inline(client, django_user_model):
    editor = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    editor.user_permissions.add(*Permission.objects.filter(codename__in=["view_paper", "change_paper"]))
    client.force_login(editor)
    paper = PaperFactory()
    post_about(paper, text="Visible to post editors")

    content = open_change_form(client, paper).content.decode()

    assert "Visible to post editors" not in content


# Linking to arXiv, as the collectors record it


def test_the_post_list_notes_ids_waiting_for_arxiv_or_unknown_to_it_and_filters_by_link_status(admin_client):
    paper = PaperFactory(arxiv_id="2201.04182")
    waiting = post_about(
        paper, link_status=Tweet.LinkStatus.PENDING, pending_arxiv_ids=["2201.09999"], text="Two papers"
    )
    unknown = TweetFactory(link_status=Tweet.LinkStatus.UNKNOWN, unknown_arxiv_ids=["2201.99999"], text="Typo")
    linked = post_about(paper, text="Fine")

    content = admin_client.get(POSTS).content.decode()

    assert '2201.04182</a><br><span class="post-note">waiting for arXiv: 2201.09999</span>' in content
    assert '<span class="post-note">unknown to arXiv: 2201.99999</span>' in content
    assert listed(admin_client, link_status__exact="pending") == [waiting]
    assert listed(admin_client, link_status__exact="unknown") == [unknown]
    assert listed(admin_client, link_status__exact="linked") == [linked]


def test_a_posts_page_shows_its_links_and_arxiv_state_without_letting_them_be_edited(admin_client):
    tweet = TweetFactory(
        links=["https://arxiv.org/abs/2201.04182", "https://example.com/a?b=<c>"],
        link_status=Tweet.LinkStatus.PENDING,
        pending_arxiv_ids=["2201.04182"],
        author_id="1234",
    )

    content = open_change_form(admin_client, tweet).content.decode()

    assert (
        '<a href="https://arxiv.org/abs/2201.04182" rel="noopener">https://arxiv.org/abs/2201.04182</a><br>' in content
    )
    assert "https://example.com/a?b=&lt;c&gt;" in content
    assert "Waiting for arXiv" in content
    assert '<div class="readonly">2201.04182</div>' in content
    for field in ["link_status", "pending_arxiv_ids", "links", "oembed_html"]:
        assert f'name="{field}"' not in content
    assert 'name="author_id" value="1234"' in content
