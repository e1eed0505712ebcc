"""Dump files: imported whole or not at all, from the command and from an upload; the command's words."""

import pytest
from django.core.management import CommandError, call_command

from papers.models import PostCollectionRun, PostDump, Tweet
from papers.services.posts_collect import posts_collect
from papers.services.posts_dumps import post_dumps_create, posts_import_dump, posts_import_dump_run
from papers.sources.dumps import UPLOAD_MAX_BYTES, DumpError
from tests.papers.factories import PaperFactory
from tests.papers.posts_support import (
    HN_SEARCH,
    SEED_PAPERS,
    by_param,
    fixture_bytes,
    fixture_json,
    hn_client,
    serve_arxiv,
)
from tests.social_dumps import bluesky_dump

pytestmark = pytest.mark.django_db

Status = PostCollectionRun.Status


def test_a_dump_is_imported_with_a_run_record():
    run = posts_import_dump(data=fixture_bytes("x", "twarc_search.jsonl"), name="search.jsonl")

    assert (run.kind, run.source, run.status, run.query) == ("dump", "x", Status.SUCCEEDED, "search.jsonl")
    assert (run.pages, run.created, run.skipped) == (2, 5, 1)
    assert set(Tweet.objects.values_list("learned_via", flat=True)) == {Tweet.LearnedVia.DUMP}


def test_a_feed_dump_s_reposts_are_counted_never_stored():
    run = posts_import_dump(data=fixture_bytes("bluesky", "author_feed.json"), name="feed.json")

    assert run.source == "bluesky" and run.skipped == 2
    assert Tweet.objects.count() == run.created


@pytest.mark.parametrize(
    ("folder", "name", "message"),
    [
        ("x", "malformed.jsonl", "malformed.jsonl: line 3: not JSON"),
        ("x", "tweet_without_id.json", "tweet_without_id.json: record 2, data[1]: a tweet without an id"),
        ("hackernews", "unknown_shape.json", "unknown_shape.json: not a known shape"),
        ("bluesky", "unknown_shape.json", "unknown_shape.json: not a known shape"),
    ],
)
def test_a_bad_dump_names_the_file_and_the_record_and_writes_no_post(folder, name, message):
    with pytest.raises(DumpError) as error:
        posts_import_dump(data=fixture_bytes(folder, name), name=name)

    assert str(error.value).startswith(message)
    assert not Tweet.objects.exists()
    run = PostCollectionRun.objects.get()
    assert run.status == Status.FAILED and message in run.error and run.created == 0


def test_a_big_dump_that_fails_at_its_end_writes_nothing():
    dump = bluesky_dump(2_500, 100)
    data = dump.as_jsonl() + b'{"hits": "not a list"}\n'

    with pytest.raises(DumpError, match="line 26: not a known shape"):
        posts_import_dump(data=data, name="big.jsonl")

    assert not Tweet.objects.exists()


def test_an_upload_is_checked_at_once_and_nothing_is_kept_of_a_bad_one():
    with pytest.raises(DumpError, match="upload.json: line 1: not JSON"):
        post_dumps_create(data=b"{nope", name="upload.json")
    with pytest.raises(DumpError, match="more than the 25.0 MB"):
        post_dumps_create(data=b" " * (UPLOAD_MAX_BYTES + 1), name="huge.json")

    assert not PostCollectionRun.objects.exists() and not PostDump.objects.exists()


def test_an_uploaded_dump_is_stored_once_and_then_let_go():
    run = post_dumps_create(data=fixture_bytes("hackernews", "search_page0.json"), name="hn.json", requested_by_id=None)
    assert bytes(PostDump.objects.get(run=run).data) == fixture_bytes("hackernews", "search_page0.json")

    done = posts_import_dump_run(run_id=run.pk)

    assert (done.status, done.source, done.created) == (Status.SUCCEEDED, "hackernews", 2)
    assert not PostDump.objects.exists()
    assert posts_import_dump_run(run_id=run.pk).created == 2 and Tweet.objects.count() == 2


def test_an_uploaded_dump_that_is_gone_fails_its_run_with_the_reason():
    run = post_dumps_create(data=fixture_bytes("hackernews", "search_page0.json"), name="hn.json")
    PostDump.objects.all().delete()

    with pytest.raises(DumpError, match="upload it again"):
        posts_import_dump_run(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == Status.FAILED and "hn.json" in run.error


# The command


def test_the_command_imports_a_file_and_prints_a_summary(tmp_path, capsys):
    for arxiv_id in SEED_PAPERS:
        PaperFactory(arxiv_id=arxiv_id)
    path = tmp_path / "search.jsonl"
    path.write_bytes(fixture_bytes("x", "twarc_search.jsonl"))

    call_command("ingest_posts", "--file", str(path))

    out = capsys.readouterr().out
    assert "5/5 posts" in out
    assert "2 page(s): 5 created, 0 updated, 0 unchanged, 1 skipped (reposts, posts linking no paper)" in out
    call_command("ingest_posts", "--file", str(path))
    assert "0 created, 0 updated, 5 unchanged" in capsys.readouterr().out


def test_the_command_refuses_a_bad_file_naming_it_and_the_record(tmp_path):
    path = tmp_path / "malformed.jsonl"
    path.write_bytes(fixture_bytes("x", "malformed.jsonl"))

    with pytest.raises(CommandError, match=r"^nothing imported: .*malformed\.jsonl: line 3: not JSON"):
        call_command("ingest_posts", "--file", str(path))
    with pytest.raises(CommandError, match="cannot read"):
        call_command("ingest_posts", "--file", str(tmp_path / "missing.json"))
    with pytest.raises(CommandError, match="--query and --since go with --source only"):
        call_command("ingest_posts", "--file", str(path), "--since", "2022-01-01")
    assert not Tweet.objects.exists()


def test_the_command_says_a_platform_without_credentials_was_skipped(settings):
    settings.X_BEARER_TOKEN = ""

    with pytest.raises(CommandError, match="^skipped: X / Twitter is not configured: X_BEARER_TOKEN not set$"):
        call_command("ingest_posts", "--source", "x")


def test_the_command_collects_then_fetches_the_papers_the_posts_link(httpserver, settings, capsys):
    settings.HN_API_URL = httpserver.url_for("/api/v1")
    serve_arxiv(httpserver, settings)
    pages = {str(n): fixture_json("hackernews", f"search_page{n}.json") for n in (0, 1)}
    httpserver.expect_request(HN_SEARCH).respond_with_handler(by_param("page", pages))

    call_command("ingest_posts", "--source", "hackernews", "--since", "2022-01-01")

    out = capsys.readouterr().out
    assert "2 page(s): 4 created" in out and "Fetching 5 linked paper(s) from arXiv" in out
    assert "1 unknown to arXiv (their posts are flagged)" in out
    assert Tweet.objects.get(external_id="29912000").link_status == Tweet.LinkStatus.LINKED
    assert Tweet.objects.filter(link_status=Tweet.LinkStatus.LINKED).count() == 4
    search = next(request for request, _ in httpserver.log if request.path == HN_SEARCH)
    assert search.args["numericFilters"] == "created_at_i>1640995200"


def test_a_platform_repeating_its_cursor_ends_the_search_instead_of_looping(httpserver):
    httpserver.expect_request(HN_SEARCH).respond_with_json(fixture_json("hackernews", "search_page0.json"))

    run = posts_collect(source="hackernews", client=hn_client(httpserver))

    assert (run.status, run.pages) == (Status.SUCCEEDED, 2)
