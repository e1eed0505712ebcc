"""Dump files: every format recognised from its content, clear all-or-nothing errors, and big dumps parsed fast."""

import json
import time

import pytest

from papers.sources.dumps import UPLOAD_MAX_BYTES, DumpError, parse_dump
from tests.conftest import FIXTURES_DIR
from tests.social_dumps import bluesky_dump, hackernews_dump, paper_ids, x_dump, x_dump_pages

X = FIXTURES_DIR / "x"
BSKY = FIXTURES_DIR / "bluesky"
HN = FIXTURES_DIR / "hackernews"


def ids(pages) -> list[str]:
    return [post.external_id for page in pages for post in page.posts]


# X


def test_one_x_page_as_a_json_object():
    (page,) = parse_dump((X / "search_page1.json").read_bytes(), name="search_page1.json")
    assert page.source == "x"
    assert len(page.posts) == 3 and page.skipped_reposts == 1
    assert page.next_cursor and page.newest_id == "1481790000000000001"


def test_an_array_of_x_pages():
    data = json.dumps([json.loads((X / name).read_text()) for name in ("search_page1.json", "search_page2.json")])
    pages = parse_dump(data.encode(), name="pages.json")
    assert [len(page.posts) for page in pages] == [3, 2]


def test_twarc_search_json_lines_one_page_a_line_with_its_retrieval_time():
    pages = parse_dump((X / "twarc_search.jsonl").read_bytes(), name="twarc_search.jsonl")
    assert [len(page.posts) for page in pages] == [3, 2]
    assert pages[0].measured_at.isoformat() == "2022-01-14T11:10:50+00:00"
    assert pages[1].measured_at.isoformat() == "2022-01-14T11:10:52+00:00"


def test_twarc_flattened_tweets_one_a_line_gathered_in_one_page():
    (page,) = parse_dump((X / "twarc_flat.jsonl").read_bytes(), name="twarc_flat.jsonl")
    # the retweet is skipped and its original (expanded in place) is kept; the quote's original is not a post here
    assert ids([page]) == ["1481787736264634368", "1481443284304154625", "1481738145863548932", "1481516573458419713"]
    assert page.skipped_reposts == 1
    quote = page.posts[0]
    assert (quote.author_handle, quote.quoted_id) == ("hardmaru", "1481443284304154625")
    assert page.measured_at.isoformat() == "2022-01-14T11:10:51+00:00"


def test_a_json_array_of_bare_tweets():
    tweets = json.loads((X / "search_page2.json").read_text())["data"]
    (page,) = parse_dump(json.dumps(tweets).encode(), name="tweets.json")
    assert len(page.posts) == 2
    assert page.posts[0].author_handle == ""  # no users in a bare array: the handle is unknown, not invented


def test_x_reference_payloads(reference_dir):
    for path in sorted((reference_dir / "x").glob("*.json")):
        (page,) = parse_dump(path.read_bytes(), name=path.name)
        assert len(page.posts) == 1, path.name


# Bluesky and Hacker News


@pytest.mark.parametrize(
    ("name", "expected", "reposts"),
    [
        ("search_page1.json", 2, 0),
        ("get_posts.json", 2, 0),
        ("author_feed.json", 2, 2),
    ],
)
def test_bluesky_answers(name, expected, reposts):
    (page,) = parse_dump((BSKY / name).read_bytes(), name=name)
    assert page.source == "bluesky"
    assert (len(page.posts), page.skipped_reposts) == (expected, reposts)


def test_bluesky_reference_payloads(reference_dir):
    pages = []
    for path in sorted((reference_dir / "bluesky").glob("*.json")):
        pages.extend(parse_dump(path.read_bytes(), name=path.name))
    assert len(ids(pages)) == 6
    assert sum(page.skipped_reposts for page in pages) == 1  # the feed view's repost


def test_bluesky_feed_items_as_json_lines():
    feed = json.loads((BSKY / "author_feed.json").read_text())["feed"]
    data = "\n".join(json.dumps(item) for item in feed) + "\n"
    (page,) = parse_dump(data.encode(), name="feed.jsonl")
    assert len(page.posts) == 2 and page.skipped_reposts == 2


@pytest.mark.parametrize(("name", "expected"), [("search_page0.json", 2), ("item.json", 1), ("search_empty.json", 0)])
def test_hacker_news_answers(name, expected):
    (page,) = parse_dump((HN / name).read_bytes(), name=name)
    assert page.source == "hackernews"
    assert len(page.posts) == expected


def test_a_file_mixing_platforms_keeps_each_page_s_source():
    records = [
        json.loads((X / "search_page2.json").read_text()),
        json.loads((BSKY / "search_page2.json").read_text()),
        json.loads((HN / "search_page0.json").read_text()),
    ]
    pages = parse_dump(json.dumps(records).encode(), name="mixed.json")
    assert [page.source for page in pages] == ["x", "bluesky", "hackernews"]


def test_runs_of_bare_posts_are_gathered_per_platform_in_file_order():
    tweet = json.loads((X / "search_page2.json").read_text())["data"]
    hit = json.loads((HN / "search_page0.json").read_text())["hits"]
    records = [tweet[0], tweet[1], hit[0], hit[1], tweet[0]]
    pages = parse_dump("\n".join(map(json.dumps, records)).encode(), name="bare.jsonl")
    assert [(page.source, len(page.posts)) for page in pages] == [("x", 2), ("hackernews", 2), ("x", 1)]


def test_json_lines_split_only_on_newlines_not_on_separators_inside_strings():
    tweets = json.loads((X / "search_page2.json").read_text())["data"]
    tweets[0]["text"] = "line\u2028separator and next\u0085line"
    data = "\r\n".join(json.dumps(tweet, ensure_ascii=False) for tweet in tweets) + "\r\n"
    (page,) = parse_dump(data.encode(), name="windows.jsonl")
    assert page.posts[0].text == "line\u2028separator and next\u0085line"
    assert len(page.posts) == 2


def test_a_byte_order_mark_is_fine():
    assert parse_dump(b"\xef\xbb\xbf" + (HN / "item.json").read_bytes(), name="item.json")


# Bad files: a clear message naming the file and the place, nothing returned


def test_a_line_that_is_not_json_is_named():
    with pytest.raises(DumpError) as excinfo:
        parse_dump((X / "malformed.jsonl").read_bytes(), name="malformed.jsonl")
    assert str(excinfo.value).startswith("malformed.jsonl: line 3: not JSON (Unterminated string starting at")
    assert excinfo.value.where == "line 3"


def test_a_tweet_without_an_id_is_named_by_record_and_position():
    with pytest.raises(DumpError) as excinfo:
        parse_dump((X / "tweet_without_id.json").read_bytes(), name="tweet_without_id.json")
    assert str(excinfo.value) == "tweet_without_id.json: record 2, data[1]: a tweet without an id"


def test_a_bad_post_in_a_bare_run_is_named_by_its_line():
    tweets = json.loads((X / "search_page2.json").read_text())["data"]
    broken = dict(tweets[1], created_at="13/01/2022")
    data = "\n".join(json.dumps(tweet) for tweet in (tweets[0], tweets[0], broken)) + "\n"
    with pytest.raises(DumpError, match=r"^bare.jsonl: line 3: tweet 1481516573458419713: created_at '13/01/2022'"):
        parse_dump(data.encode(), name="bare.jsonl")


def test_one_broken_json_document_names_its_line():
    text = json.dumps(json.loads((X / "search_page2.json").read_text()), indent=2)
    broken = text.replace('"lang": "en",', '"lang": "en"', 1)
    line = broken[: broken.index('"lang": "en"')].count("\n") + 2
    with pytest.raises(DumpError, match=rf"^page.json: line {line}: not JSON \(Expecting ',' delimiter: line {line}"):
        parse_dump(broken.encode(), name="page.json")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty.json: the file is empty"),
        (b"  \n\n ", "empty.json: the file is empty"),
        (b"[]", "empty.json: the file holds no records"),
        (b"42", "empty.json: a JSON number, not an object of posts"),
        (b'["a"]', "empty.json: record 1: a JSON string, not an object of posts"),
        ("{}".encode("utf-16"), "empty.json: the file is UTF-16 encoded; save it as UTF-8"),
        (b'{"text": "caf\xe9"}', r"empty.json: line 1: not UTF-8 text \(byte 14\)"),
        (b"not json at all", r"empty.json: line 1: not JSON \(Expecting value"),
    ],
)
def test_unusable_files(data, message):
    with pytest.raises(DumpError, match=f"^{message}"):
        parse_dump(data, name="empty.json")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (BSKY / "unknown_shape.json", "not a known shape (an object with thread)"),
        (HN / "unknown_shape.json", "not a known shape (an object with results, total)"),
        (X / "unauthorized.json", "an API error answer (Unauthorized), not posts"),
        (BSKY / "expired_token.json", "an API error answer (ExpiredToken: Token has expired), not posts"),
    ],
)
def test_unknown_shapes_say_what_they_are_and_what_was_expected(path, message):
    with pytest.raises(DumpError) as excinfo:
        parse_dump(path.read_bytes(), name=path.name)
    assert str(excinfo.value).startswith(f"{path.name}: {message}")


def test_a_bad_record_after_good_ones_returns_nothing():
    good = json.loads((X / "search_page1.json").read_text())
    with pytest.raises(DumpError, match=r"^dump.json: record 3: not a known shape"):
        parse_dump(json.dumps([good, good, {"tweets": []}]).encode(), name="dump.json")


def test_a_file_over_the_size_limit_is_refused_before_parsing():
    data = (X / "search_page1.json").read_bytes()
    with pytest.raises(DumpError, match=r"^upload.json: the file is \d.\d KB, more than the 1.0 KB a dump may have"):
        parse_dump(data, name="upload.json", max_bytes=1024)
    assert parse_dump(data, name="upload.json", max_bytes=UPLOAD_MAX_BYTES)


# Big dumps


def test_the_synthetic_x_dump_is_what_it_says():
    dump = x_dump(500, 120, seed=3)
    pages = parse_dump(dump.as_jsonl(), name="synthetic.jsonl")
    assert set(ids(pages)) == set(dump.links)
    assert sum(page.skipped_reposts for page in pages) == dump.retweets == 50
    linked = {paper for papers in dump.links.values() for paper in papers}
    assert linked == set(dump.paper_ids) == set(paper_ids(120))
    assert x_dump_pages(500, 120, seed=3) == dump.pages  # deterministic


def test_a_dump_of_10000_posts_parses_fast():
    dump = x_dump(10_000, 2_000, seed=7)
    timings = {}
    for kind, data in (("json", dump.as_json()), ("jsonl", dump.as_jsonl())):
        started = time.perf_counter()
        pages = parse_dump(data, name=f"big.{kind}")
        timings[kind] = time.perf_counter() - started
        assert len(ids(pages)) == 10_000
        assert sum(page.skipped_reposts for page in pages) == 1_000
    print(f"10,000 X posts: JSON {timings['json']:.2f}s, JSON Lines {timings['jsonl']:.2f}s")
    # About 0.4 s on a quiet machine; the bound leaves room for a busy CI box.
    assert max(timings.values()) < 5.0


@pytest.mark.parametrize("make", [bluesky_dump, hackernews_dump])
def test_big_bluesky_and_hacker_news_dumps(make):
    dump = make(3_000, 500, seed=1)
    pages = parse_dump(dump.as_json(), name="big.json")
    assert set(ids(pages)) == set(dump.links)
    assert {page.source for page in pages} == {dump.source}
