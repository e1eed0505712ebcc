"""The JSON API's paper endpoints: listing with filters and attention, one paper with history and digests."""

import datetime as dt

import pytest

from papers.models import Tweet, TweetMetrics
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory
from tests.papers.factories import PaperFactory, TweetFactory

pytestmark = pytest.mark.django_db


def at(day, hour=0, minute=0):
    return dt.datetime(2022, 1, day, hour, minute, tzinfo=dt.UTC)


def get_json(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def ids(client, **params):
    return [p["arxiv_id"] for p in get_json(client, "/api/papers/", **params)["results"]]


def post_about(paper, **kwargs):
    tweet = TweetFactory(**kwargs)
    tweet.papers.add(paper)
    return tweet


def test_papers_are_listed_newest_announcement_first_with_their_metadata_and_attention(client):
    old = PaperFactory(arxiv_id="2201.00001", published=at(3))
    new = PaperFactory(
        arxiv_id="2201.00002",
        published=at(5),
        title="Newer  paper",
        with_authors=2,
        with_categories=["cs.LG", "cs.CV"],
        doi="10.1000/xyz",
    )
    post_about(new, retweets=10, likes=100, replies=3, quotes=1)
    post_about(new, source=Tweet.Source.BLUESKY, retweets=2, likes=20, replies=0, quotes=0)
    post_about(new, retweets=1000, likes=1000, is_hidden=True)

    body = get_json(client, "/api/papers/")

    assert [p["arxiv_id"] for p in body["results"]] == [new.arxiv_id, old.arxiv_id]
    paper = body["results"][0]
    assert paper == {
        "arxiv_id": "2201.00002",
        "version": 1,
        "title": "Newer  paper",
        "authors": [a.author.name for a in new.authorships.all()],
        "primary_category": "cs.LG",
        "categories": ["cs.LG", "cs.CV"],
        "abstract": new.abstract,
        "published": "2022-01-05T00:00:00Z",
        "updated": None,
        "announced_on": new.announced_on.isoformat(),
        "comment": "",
        "journal_ref": "",
        "doi": "10.1000/xyz",
        "abs_url": "https://arxiv.org/abs/2201.00002",
        "pdf_url": "https://arxiv.org/pdf/2201.00002",
        "url": "http://testserver/papers/2201.00002/",
        "api_url": "http://testserver/api/papers/2201.00002/",
        "attention": {
            "posts": 2,
            "reposts": 12,
            "likes": 120,
            "replies": 3,
            "quotes": 1,
            "by_source": [
                {"source": "bluesky", "posts": 1, "reposts": 2, "likes": 20, "replies": 0, "quotes": 0},
                {"source": "x", "posts": 1, "reposts": 10, "likes": 100, "replies": 3, "quotes": 1},
            ],
        },
    }
    assert body["results"][1]["attention"] == {
        "posts": 0,
        "reposts": 0,
        "likes": 0,
        "replies": 0,
        "quotes": 0,
        "by_source": [],
    }


def test_papers_filter_by_category_announcement_day_and_words(client):
    def listed(arxiv_id, day, **kwargs):
        PaperFactory(arxiv_id=arxiv_id, published=at(day - 2, 18), announced_on=dt.date(2022, 1, day), **kwargs)

    listed("2201.00010", 10, with_categories=["cs.LG"], title="Sparse attention")
    listed("2201.00011", 11, with_categories=["cs.CV", "cs.LG"], title="Vision")
    listed("2201.00012", 12, with_categories=["cs.CL"], abstract="Retrieval with SPARSE codes.")

    assert ids(client, category="cs.LG") == ["2201.00011", "2201.00010"]
    assert ids(client, category="math.AG") == []
    assert ids(client, announced_from="2022-01-11") == ["2201.00012", "2201.00011"]
    assert ids(client, announced_to="2022-01-10") == ["2201.00010"]
    assert ids(client, announced_from="2022-01-11", announced_to="2022-01-11") == ["2201.00011"]
    assert ids(client, q="sparse") == ["2201.00012", "2201.00010"]
    assert ids(client, q="sparse retrieval") == ["2201.00012"]
    assert ids(client, q="sparse", category="cs.LG") == ["2201.00010"]


@pytest.mark.parametrize(
    "params",
    [
        {"announced_from": "soon"},
        {"announced_from": "2022-01-12", "announced_to": "2022-01-11"},
        {"q": "x" * 201},
        {"page_size": 500},
    ],
    ids=["not-a-date", "range-reversed", "query-too-long", "page-too-large"],
)
def test_bad_paper_filters_are_422(client, params):
    assert get_json(client, "/api/papers/", status=422, **params)["detail"]


def test_paper_pages_cover_every_paper_once_with_undated_papers_last(client):
    for day in range(1, 6):
        PaperFactory(arxiv_id=f"2201.0010{day}", published=at(day))
        PaperFactory(arxiv_id=f"2201.0020{day}", published=at(day))  # same time: order falls back on the row
    PaperFactory(arxiv_id="2201.00300", published=None)

    page = get_json(client, "/api/papers/", page_size=4)
    seen = [p["arxiv_id"] for p in page["results"]]
    while page["next"]:
        page = get_json(client, page["next"])
        seen += [p["arxiv_id"] for p in page["results"]]

    assert len(seen) == len(set(seen)) == 11
    assert seen[-1] == "2201.00300"
    assert seen[:2] == ["2201.00205", "2201.00105"]


def test_the_paper_list_costs_four_queries_for_one_paper_or_a_full_page(client, django_assert_num_queries):
    post_about(PaperFactory(with_authors=2, with_categories=["cs.LG"]))
    with django_assert_num_queries(4):
        get_json(client, "/api/papers/")
    for _ in range(25):
        paper = PaperFactory(with_authors=3, with_categories=["cs.LG", "cs.CV"])
        post_about(paper)
        post_about(paper, source=Tweet.Source.BLUESKY)
    with django_assert_num_queries(4):
        assert len(get_json(client, "/api/papers/")["results"]) == 20


def test_a_paper_has_its_attention_history_and_the_published_digests_it_appeared_in(client):
    paper = PaperFactory(arxiv_id="2201.04182", with_authors=1, with_categories=["cs.LG"])
    first, second = post_about(paper, likes=12), post_about(paper, likes=30)
    hidden = post_about(paper, likes=999, is_hidden=True)
    for tweet, when, likes, retweets in [
        (first, at(13, 9, 10), 5, 1),
        (first, at(13, 9, 40), 8, 2),  # same hour as the one before: only the later one is kept
        (second, at(13, 11), 20, 4),
        (first, at(14, 8), 12, 3),
        (hidden, at(13, 10), 999, 999),
    ]:
        TweetMetrics.objects.create(tweet=tweet, measured_at=when, likes=likes, retweets=retweets)
    older = DigestEntryFactory(paper=paper, digest=DailyDigestFactory(date=dt.date(2022, 1, 13)), position=2)
    newer = DigestEntryFactory(paper=paper, digest=DailyDigestFactory(date=dt.date(2022, 1, 14)), position=1)
    DigestEntryFactory(paper=paper, digest=DailyDigestFactory(date=dt.date(2022, 1, 15), draft=True))

    body = get_json(client, "/api/papers/2201.04182/")

    assert body["arxiv_id"] == "2201.04182" and body["attention"]["posts"] == 2 and body["attention"]["likes"] == 42
    assert body["history"] == [
        {"measured_at": "2022-01-13T09:40:00Z", "posts": 1, "reposts": 2, "likes": 8, "replies": 0, "quotes": 0},
        {"measured_at": "2022-01-13T11:00:00Z", "posts": 2, "reposts": 6, "likes": 28, "replies": 0, "quotes": 0},
        {"measured_at": "2022-01-14T08:00:00Z", "posts": 2, "reposts": 7, "likes": 32, "replies": 0, "quotes": 0},
    ]
    assert body["digests"] == [
        {
            "slug": entry.digest.slug,
            "date": entry.digest.date.isoformat(),
            "title": entry.digest.title,
            "rank": entry.position,
            "retweets": entry.retweets,
            "favorites": entry.favorites,
            "measured_at": entry.measured_at.isoformat().replace("+00:00", "Z"),
            "url": f"http://testserver{entry.digest.get_absolute_url()}",
            "api_url": f"http://testserver/api/digests/{entry.digest.slug}/",
        }
        for entry in (newer, older)
    ]


def test_old_style_ids_keep_their_slash(client):
    PaperFactory(arxiv_id="hep-th/9901001")
    assert get_json(client, "/api/papers/hep-th/9901001/")["api_url"] == "http://testserver/api/papers/hep-th/9901001/"


def test_an_unknown_paper_is_404_with_a_message(client):
    assert get_json(client, "/api/papers/2201.99999/", status=404) == {
        "detail": "No paper has the arXiv id '2201.99999'."
    }


def test_a_paper_costs_the_same_queries_with_few_or_many_posts_snapshots_and_digests(client, django_assert_num_queries):
    quiet = PaperFactory(with_authors=1)
    busy = PaperFactory(with_authors=5, with_categories=["cs.LG", "cs.CV", "stat.ML"])
    for day in range(1, 6):
        tweet = post_about(busy, source=Tweet.Source.BLUESKY if day % 2 else Tweet.Source.X)
        TweetMetrics.objects.create(tweet=tweet, measured_at=at(day), likes=day)
        DigestEntryFactory(paper=busy, digest=DailyDigestFactory(date=dt.date(2022, 2, day)))

    with django_assert_num_queries(6):
        get_json(client, f"/api/papers/{quiet.arxiv_id}/")
    with django_assert_num_queries(6):
        assert len(get_json(client, f"/api/papers/{busy.arxiv_id}/")["digests"]) == 5
