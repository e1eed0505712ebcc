"""The JSON API's index, OpenAPI document, digest endpoints, errors and CORS."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from digests.models import DailyDigest, DigestEntryTweet, DigestTag
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory, TagFactory
from tests.papers.factories import PaperFactory

pytestmark = pytest.mark.django_db

ORIGIN = {"origin": "https://reader.example"}


def digest_with_entries(count, *, tweets=1, tags=(), **digest_kwargs):
    digest = DailyDigestFactory(**digest_kwargs)
    for position in range(1, count + 1):
        DigestEntryFactory(digest=digest, position=position, with_tweets=tweets)
    for position, name in enumerate(tags, start=1):
        DigestTag.objects.create(digest=digest, tag=TagFactory(name=name, slug=name.lower()), position=position)
    return digest


def get_json(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def all_pages(client, url, **params):
    """Every item of a paginated list, following `next`."""
    page = get_json(client, url, **params)
    items = page["results"]
    while page["next"]:
        page = get_json(client, page["next"])
        items += page["results"]
    return items


# The index and the OpenAPI document


def test_the_index_links_every_endpoint_and_the_openapi_document(client):
    index = get_json(client, "/api/")
    assert index["openapi"] == "http://testserver/api/openapi.json"
    assert index["endpoints"] == {
        "digests": "http://testserver/api/digests/",
        "digest": "http://testserver/api/digests/{slug}/",
        "papers": "http://testserver/api/papers/",
        "paper": "http://testserver/api/papers/{arxiv_id}/",
    }


def test_the_openapi_document_is_json_describing_every_path_and_field(client):
    response = client.get("/api/openapi.json")
    document = json.loads(response.content)

    assert response.status_code == 200 and document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/",
        "/api/digests/",
        "/api/digests/{slug}/",
        "/api/papers/",
        "/api/papers/{arxiv_id}/",
    }
    for path, operations in document["paths"].items():
        assert set(operations) == {"get"}, path
        assert "200" in operations["get"]["responses"], path
    parameters = {p["name"] for p in document["paths"]["/api/digests/"]["get"]["parameters"]}
    assert parameters == {"date", "date_from", "date_to", "tag", "cursor", "page_size"}
    parameters = {p["name"] for p in document["paths"]["/api/papers/"]["get"]["parameters"]}
    assert parameters == {"category", "announced_from", "announced_to", "q", "cursor", "page_size"}
    assert "404" in document["paths"]["/api/digests/{slug}/"]["get"]["responses"]
    schemas = document["components"]["schemas"]
    entry = schemas["EntryOut"]["properties"]
    assert {"rank", "arxiv_id", "title", "authors", "categories", "abstract", "retweets", "favorites"} <= set(entry)
    assert {"measured_at", "note_markdown", "note_html", "posts"} <= set(entry)
    assert "description" in entry["note_html"] and "description" in schemas["PaperDetailOut"]["properties"]["history"]


# Digests


def test_the_digest_list_has_published_digests_only_newest_first(client):
    older = digest_with_entries(2, date=dt.date(2022, 1, 12), tags=["Vision"])
    newer = digest_with_entries(3, date=dt.date(2022, 1, 13))
    soon = timezone.now() + dt.timedelta(days=1)
    DailyDigestFactory(date=dt.date(2021, 1, 1), draft=True)
    DailyDigestFactory(date=dt.date(2021, 1, 2), status=DailyDigest.Status.SCHEDULED, publish_at=soon)
    DailyDigestFactory(date=dt.date(2021, 1, 3), published_at=soon)

    page = get_json(client, "/api/digests/")

    assert [d["slug"] for d in page["results"]] == [newer.slug, older.slug]
    assert page["next"] is None
    first = page["results"][1]
    assert first == {
        "slug": "hot-papers-2022-01-12",
        "date": "2022-01-12",
        "title": older.title,
        "description": older.description,
        "tags": [{"name": "Vision", "slug": "vision"}],
        "paper_count": 2,
        "published_at": "2022-01-13T11:10:50Z",
        "generated_at": "2022-01-13T11:10:50Z",
        "url": "http://testserver/digests/hot-papers-2022-01-12/",
        "markdown_url": "http://testserver/digests/hot-papers-2022-01-12.md",
        "api_url": "http://testserver/api/digests/hot-papers-2022-01-12/",
    }


def test_digests_filter_by_day_range_and_tag(client):
    for day in range(10, 15):
        digest_with_entries(1, date=dt.date(2022, 1, day), tags=["Robots"] if day % 2 else [])

    def dates(**params):
        return [d["date"][-2:] for d in get_json(client, "/api/digests/", **params)["results"]]

    assert dates(date="2022-01-12") == ["12"]
    assert dates(date_from="2022-01-12") == ["14", "13", "12"]
    assert dates(date_to="2022-01-11") == ["11", "10"]
    assert dates(date_from="2022-01-11", date_to="2022-01-13") == ["13", "12", "11"]
    assert dates(tag="robots") == ["13", "11"]
    assert dates(tag="robots", date_from="2022-01-12") == ["13"]
    assert dates(tag="nothing") == []


@pytest.mark.parametrize(
    "params",
    [{"date": "yesterday"}, {"date_from": "2022-13-01"}, {"date_from": "2022-01-13", "date_to": "2022-01-12"}],
    ids=["not-a-date", "no-such-month", "range-reversed"],
)
def test_bad_digest_filters_are_422_with_what_is_wrong(client, params):
    body = get_json(client, "/api/digests/", status=422, **params)
    assert body["detail"] and all("msg" in error and "loc" in error for error in body["detail"])


def test_digest_pages_follow_the_cursor_without_gaps_or_repeats_even_as_digests_arrive(client):
    for day in range(1, 8):
        DailyDigestFactory(date=dt.date(2022, 3, day))

    first = get_json(client, "/api/digests/", page_size=3)
    DailyDigestFactory(date=dt.date(2022, 3, 8))  # published while a client pages through
    rest = all_pages(client, first["next"])

    seen = [d["date"] for d in first["results"] + rest]
    assert seen == [f"2022-03-0{day}" for day in range(7, 0, -1)]
    assert "page_size=3" in first["next"]


@pytest.mark.parametrize("params", [{"cursor": "not-a-cursor"}, {"page_size": 0}, {"page_size": 101}])
def test_bad_pagination_is_422(client, params):
    assert get_json(client, "/api/digests/", status=422, **params)["detail"]


def test_the_digest_list_costs_two_queries_for_one_digest_or_a_full_page(client, django_assert_num_queries):
    digest_with_entries(1, tags=["One"])
    with django_assert_num_queries(2):
        get_json(client, "/api/digests/")
    for day in range(1, 25):
        digest_with_entries(2, tweets=0, date=dt.date(2023, 1, day), tags=["One", "Two"])
    with django_assert_num_queries(2):
        assert len(get_json(client, "/api/digests/")["results"]) == 20


def test_a_digest_lists_its_entries_in_rank_order_as_the_digest_showed_them(client):
    digest = DailyDigestFactory(date=dt.date(2022, 1, 13), intro="Today's *picks*.")
    paper = PaperFactory(title="Paper title now", with_authors=2, with_categories=["cs.LG"])
    second = DigestEntryFactory(digest=digest, position=2)
    DigestEntryFactory(
        digest=digest,
        paper=paper,
        position=1,
        retweets=1343,
        favorites=239,
        note='Worth **reading**.<script>alert("x")</script>',
        shown_title="Title as shown",
        shown_authors=["A. Shown"],
        shown_categories=["cs.CV"],
        shown_abstract="Abstract as shown.",
        shown_arxiv_id=f"{paper.arxiv_id}v2",
        with_tweets=1,
    )

    body = get_json(client, f"/api/digests/{digest.slug}/")

    assert body["intro_markdown"] == "Today's *picks*." and body["intro_html"] == "<p>Today's <em>picks</em>.</p>"
    assert body["paper_count"] == 2
    assert [e["rank"] for e in body["entries"]] == [1, 2]
    assert body["entries"][1]["arxiv_id"] == second.paper.arxiv_id
    entry = body["entries"][0]
    post = entry.pop("posts")
    assert entry == {
        "rank": 1,
        "arxiv_id": paper.arxiv_id,
        "arxiv_id_shown": f"{paper.arxiv_id}v2",
        "title": "Title as shown",
        "authors": ["A. Shown"],
        "categories": ["cs.CV"],
        "abstract": "Abstract as shown.",
        "retweets": 1343,
        "favorites": 239,
        "measured_at": "2022-01-14T11:10:50Z",
        "note_markdown": 'Worth **reading**.<script>alert("x")</script>',
        "note_html": "<p>Worth <strong>reading</strong>.</p>",
        "abs_url": paper.abs_url,
        "pdf_url": paper.pdf_url,
        "paper_url": f"http://testserver/papers/{paper.arxiv_id}/",
        "paper_api_url": f"http://testserver/api/papers/{paper.arxiv_id}/",
    }
    assert post == [
        {
            "source": "x",
            "external_id": post[0]["external_id"],
            "url": f"https://twitter.com/ak92501/status/{post[0]['external_id']}",
            "author_handle": "ak92501",
            "author_name": "AK",
            "lang": "en",
            "text": "A paper worth reading",
            "posted_at": "2022-01-13T09:00:00Z",
            "reposts": 0,
            "likes": 0,
            "replies": 0,
            "quotes": 0,
            "metrics_at": None,
        }
    ]


def test_hidden_posts_never_appear_and_a_post_embedded_twice_appears_once(client):
    entry = DigestEntryFactory(with_tweets=3)
    hidden, twice, _ = entry.tweets.order_by("entry_tweets__position")
    hidden.is_hidden = True
    hidden.save()
    DigestEntryTweet.objects.create(entry=entry, tweet=twice, position=4)

    posts = get_json(client, f"/api/digests/{entry.digest.slug}/")["entries"][0]["posts"]

    assert hidden.external_id not in [p["external_id"] for p in posts]
    assert [p["external_id"] for p in posts].count(twice.external_id) == 1 and len(posts) == 2


@pytest.mark.parametrize(
    "digest_kwargs",
    [{"draft": True}, {"published_at": dt.datetime(2099, 1, 1, tzinfo=dt.UTC)}],
    ids=["draft", "future-dated"],
)
def test_unpublished_and_unknown_digests_are_404_with_a_message(client, digest_kwargs, django_user_model):
    digest = DailyDigestFactory(**digest_kwargs)
    client.force_login(django_user_model.objects.create_user("editor", password="x", is_staff=True))

    body = get_json(client, f"/api/digests/{digest.slug}/", status=404)

    assert body == {"detail": f"No published digest has the slug '{digest.slug}'."}
    assert digest.slug not in json.dumps(get_json(client, "/api/digests/"))
    assert get_json(client, "/api/digests/no-such-digest/", status=404)["detail"]


def test_a_digest_costs_the_same_queries_for_3_and_30_entries(client, django_assert_num_queries):
    small = digest_with_entries(3, tweets=2, tags=["A"])
    large = digest_with_entries(30, tweets=3, tags=["A", "B"])
    with django_assert_num_queries(6):
        get_json(client, f"/api/digests/{small.slug}/")
    with django_assert_num_queries(6):
        assert len(get_json(client, f"/api/digests/{large.slug}/")["entries"]) == 30


def test_unknown_api_paths_are_json_404_and_a_missing_slash_redirects(client):
    body = get_json(client, "/api/nothing/here/", status=404)
    assert body == {"detail": "No API endpoint at /api/nothing/here/; http://testserver/api/ lists them."}
    response = client.get("/api/digests", {"tag": "x"})
    assert response.status_code == 301 and response["Location"] == "/api/digests/?tag=x"


# CORS


def test_any_origin_may_read_the_api_without_credentials(client):
    DailyDigestFactory()
    for url in ("/api/", "/api/digests/", "/api/digests/nope/"):
        response = client.get(url, headers=ORIGIN)
        assert response["Access-Control-Allow-Origin"] == "*", url
        assert "Access-Control-Allow-Credentials" not in response


def test_preflight_is_answered_for_reads_only(client):
    read = client.options("/api/digests/", headers={**ORIGIN, "access-control-request-method": "GET"})
    write = client.options("/api/digests/", headers={**ORIGIN, "access-control-request-method": "POST"})

    assert read.status_code == 204
    assert read["Access-Control-Allow-Origin"] == "*"
    assert read["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "Access-Control-Allow-Origin" not in write


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unsafe_methods_are_refused_and_not_shared(client, method):
    response = getattr(client, method)("/api/digests/", headers=ORIGIN)
    assert response.status_code == 405
    assert "Access-Control-Allow-Origin" not in response


def test_pages_outside_the_api_carry_no_cors_header(client):
    assert "Access-Control-Allow-Origin" not in client.get("/", headers=ORIGIN)
