"""oEmbed: an X post from the API gets the blockquote the seed embeds; asked once; a failure never blocks."""

import pytest

from digests.models import DailyDigest, DigestEntry, DigestEntryTweet
from digests.postformat.renderer import SCRIPT_LINE, render_post
from digests.services.exporting import digest_to_post
from digests.services.importing import digest_import_text
from papers.models import Tweet
from papers.services.posts import posts_upsert
from papers.services.posts_oembed import tweets_fetch_oembed
from papers.sources import x
from tests.conftest import SEED_PATH
from tests.papers.factories import PaperFactory
from tests.papers.posts_support import NOW, fixture_json, http_client, json_response, requests_to

pytestmark = pytest.mark.django_db

AK = "1481443284304154625"
AK_URL = f"https://twitter.com/ak92501/status/{AK}"


@pytest.fixture
def api_posts(httpserver, settings):
    settings.OEMBED_URL = httpserver.url_for("/oembed")
    posts_upsert(pages=[x.parse_page(fixture_json("x", "search_page1.json"), measured_at=NOW)], learned_via="api")


def seed_blockquote(tweet_id):
    line = next(line for line in SEED_PATH.read_text(encoding="utf-8").splitlines() if f"/status/{tweet_id}?" in line)
    return line


def test_a_post_from_the_api_gets_the_blockquote_the_seed_embeds(httpserver, api_posts):
    oembed = fixture_json("oembed", "oembed_ak92501_1481443284304154625_omit_script.json")
    others = json_response(fixture_json("oembed", "not_found.json"), status=404)
    httpserver.expect_request(
        "/oembed", query_string={"url": AK_URL, "omit_script": "true", "dnt": "true"}
    ).respond_with_json(oembed)
    httpserver.expect_request("/oembed").respond_with_response(others)

    run = tweets_fetch_oembed(client=http_client())

    assert (run.kind, run.pages, run.updated, run.skipped) == ("oembed", 3, 1, 2)
    ak = Tweet.objects.get(external_id=AK)
    assert ak.oembed_html == oembed["html"].strip() and ak.oembed_error == "" and ak.oembed_fetched_at
    assert (ak.lang, ak.text_dir, ak.author_name) == ("en", "ltr", "AK")
    # What a digest embedding the post renders: the seed's blockquote, byte for byte.
    assert _rendered_blockquote(ak) == seed_blockquote(AK)


def _rendered_blockquote(tweet):
    digest = DailyDigest.objects.create(date="2022-01-13", slug="hot-papers-2022-01-13", title="Hot Papers 2022-01-13")
    entry = DigestEntry.objects.create(digest=digest, paper=PaperFactory(), position=1, retweets=0, favorites=0)
    DigestEntryTweet.objects.create(entry=entry, tweet=tweet, position=1)
    markdown = render_post(digest_to_post(digest=digest))
    return next(line for line in markdown.splitlines() if line.startswith("<blockquote") and line != SCRIPT_LINE)


def test_a_post_is_asked_once(httpserver, api_posts):
    httpserver.expect_request("/oembed").respond_with_json(
        fixture_json("oembed", "oembed_ak92501_1481443284304154625_omit_script.json")
    )
    tweets_fetch_oembed(tweet_ids=[Tweet.objects.get(external_id=AK).pk], client=http_client())
    asked = len(requests_to(httpserver, "/oembed"))

    again = tweets_fetch_oembed(tweet_ids=[Tweet.objects.get(external_id=AK).pk], client=http_client())

    assert asked == 1 and len(requests_to(httpserver, "/oembed")) == 1 and again.pages == 0


def test_a_deleted_post_notes_the_failure_keeps_its_text_and_is_not_asked_again(httpserver, api_posts):
    httpserver.expect_request("/oembed").respond_with_response(
        json_response(fixture_json("oembed", "not_found.json"), status=404)
    )

    run = tweets_fetch_oembed(client=http_client())

    assert run.status == "succeeded" and run.skipped == 3
    ak = Tweet.objects.get(external_id=AK)
    assert "HTTP 404" in ak.oembed_error and ak.oembed_fetched_at and ak.oembed_html == ""
    assert ak.text.startswith("HyperTransformer") and ak.text_html == ""
    assert tweets_fetch_oembed(client=http_client()).pages == 0


def test_a_transient_failure_is_noted_and_asked_again_next_time(httpserver, api_posts):
    httpserver.expect_request("/oembed").respond_with_response(json_response({"error": "busy"}, status=503))

    tweets_fetch_oembed(client=http_client())

    ak = Tweet.objects.get(external_id=AK)
    assert "HTTP 503" in ak.oembed_error and ak.oembed_fetched_at is None
    assert tweets_fetch_oembed(client=http_client()).pages == 3


def test_posts_imported_from_markdown_keep_the_embed_they_came_with(httpserver, settings):
    settings.OEMBED_URL = httpserver.url_for("/oembed")
    digest_import_text(text=SEED_PATH.read_bytes(), name="seed.md")

    run = tweets_fetch_oembed(client=http_client())

    assert run.pages == 0 and not httpserver.log
