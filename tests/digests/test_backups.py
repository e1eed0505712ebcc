"""export_data and import_data: a whole database out to one file and back, exactly, and bad files refused whole."""

import datetime as dt
import gzip
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from digests.models import DailyDigest, DigestEntry, DigestEntryTweet, DigestTag, Tag
from digests.services import backup_digests
from digests.services.backup import backup_import
from digests.services.importing import digests_import_files
from papers.models import Author, Authorship, Category, Paper, PaperCategory, Tweet, TweetMetrics
from papers.services import backup_papers
from papers.services.backup_format import BackupError
from papers.services.posts_dumps import posts_import_dump
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory, TagFactory
from tests.papers.factories import PaperFactory, TweetFactory
from tests.social_dumps import bluesky_dump, hackernews_dump, paper_ids, x_dump

T0 = dt.datetime(2022, 1, 14, 9, 0, tzinfo=dt.UTC)
CORPUS_SAMPLE = ("2020-06-29---Hot-Papers.md", "2020-09-17---Hot-Papers.md", "2020-12-07---Hot-Papers.md")


# --- a database with a bit of everything --------------------------------------------------------


def _build_rich_database(seed_path, corpus_files=()):
    """Real posts (the seed, corpus posts), posts of every source from dumps, counter history, a hidden
    post, oEmbed state, a published digest with notes, pins and tags, a draft, a scheduled digest."""
    report = digests_import_files(files=[seed_path, *corpus_files])
    assert report.ok, report.errors

    # Posts from dumps of the three platforms; some link papers not stored (pending for arXiv).
    for arxiv_id in paper_ids(6):
        PaperFactory(arxiv_id=arxiv_id, with_authors=2, with_categories=["cs.LG", "stat.ML"])
    for name, dump in (
        ("x.json", x_dump(12, 9, seed=1)),
        ("bluesky.json", bluesky_dump(10, 9, seed=2)),
        ("hackernews.json", hackernews_dump(8, 9, seed=3)),
    ):
        posts_import_dump(data=dump.as_json(), name=name)
    assert set(Tweet.objects.values_list("source", flat=True)) == {"x", "bluesky", "hackernews"}
    assert Tweet.objects.filter(link_status=Tweet.LinkStatus.PENDING).exists()

    # Counter history: three readings of a few posts of each source.
    posts = [
        Tweet.objects.filter(source=source).order_by("external_id")[0] for source in ("x", "bluesky", "hackernews")
    ]
    for post in posts:
        for hours in (0, 6, 30):
            TweetMetrics.objects.get_or_create(
                tweet=post,
                measured_at=T0 + dt.timedelta(hours=hours),
                defaults={"likes": 10 + hours, "retweets": hours},
            )
    Tweet.objects.filter(pk=posts[1].pk).update(is_hidden=True)
    Tweet.objects.filter(pk=posts[0].pk).update(
        oembed_error="404 from oEmbed", oembed_fetched_at=T0, text_dir="rtl", links=["https://arxiv.org/abs/2201.00001"]
    )

    # The seed digest, curated after its import.
    seed = DailyDigest.objects.get(slug="hot-papers-2022-01-13")
    first, second = seed.entries.order_by("position")[:2]
    DigestEntry.objects.filter(pk=first.pk).update(note="Read **this** one.\n\nTwice.", is_pinned=True)
    DigestEntry.objects.filter(pk=second.pk).update(is_excluded=True, shown_title="As shown  then", shown_authors=["A"])

    # A draft with a pinned, a placed and an excluded entry embedding posts of several sources.
    draft = DailyDigestFactory(date=dt.date(2022, 1, 14), draft=True, intro="Draft intro", social_image="/x.png")
    tags = [TagFactory(name="Machine Learning", slug="machine-learning"), TagFactory(name="Robots", slug="robots")]
    for position, tag in enumerate(reversed(tags), start=1):
        DigestTag.objects.create(digest=draft, tag=tag, position=position)
    papers = list(Paper.objects.filter(arxiv_id__in=paper_ids(3)).order_by("arxiv_id"))
    for position, (paper, flags) in enumerate(
        zip(papers, ({"is_pinned": True}, {"is_manually_placed": True}, {"is_excluded": True}), strict=True), start=2
    ):
        entry = DigestEntryFactory(
            digest=draft,
            paper=paper,
            position=position,
            note=f"Note {position}",
            post_count=3,
            account_count=2,
            sources=["x", "bluesky"],
            shown_categories=["cs.LG"],
            shown_arxiv_id=f"{paper.arxiv_id}v2",
            **flags,
        )
        embedded = list(paper.tweets.order_by("source", "external_id")[:3]) or [TweetFactory(source="bluesky")]
        for n, post in enumerate(embedded, start=1):
            DigestEntryTweet.objects.create(entry=entry, tweet=post, position=n)
        DigestEntry.objects.filter(pk=entry.pk).update(ranked_post_ids=[post.pk for post in reversed(embedded)])
    DailyDigestFactory(
        date=dt.date(2022, 1, 17), status=DailyDigest.Status.SCHEDULED, publish_at=T0 + dt.timedelta(days=3)
    )


def _content():
    """What the database holds, by natural keys: per model, every row's key fields (sorted)."""
    post_keys = dict((pk, (s, e)) for pk, s, e in Tweet.objects.values_list("pk", "source", "external_id"))
    rows = {
        "category": Category.objects.values_list("code", "name", "group", "in_taxonomy"),
        "author": Author.objects.values_list("name", "slug"),
        "paper": Paper.objects.values_list(
            "arxiv_id",
            "version",
            "title",
            "abstract",
            "primary_category__code",
            "published",
            "updated",
            "announced_on",
            "comment",
            "journal_ref",
            "doi",
            "created_at",
            "modified_at",
        ),
        "authorship": Authorship.objects.values_list("paper__arxiv_id", "position", "author__name"),
        "paper category": PaperCategory.objects.values_list("paper__arxiv_id", "position", "category__code"),
        "post": Tweet.objects.values_list(
            "source",
            "external_id",
            "learned_via",
            "author_handle",
            "text",
            "text_html",
            "posted_at",
            "link_status",
            "pending_arxiv_ids",
            "unknown_arxiv_ids",
            "oembed_html",
            "oembed_fetched_at",
            "oembed_error",
            "likes",
            "retweets",
            "metrics_at",
            "is_hidden",
            "text_dir",
            "links",
            "created_at",
        ),
        "post paper": Tweet.papers.through.objects.values_list(
            "tweet__source", "tweet__external_id", "paper__arxiv_id"
        ),
        "snapshot": TweetMetrics.objects.values_list(
            "tweet__source", "tweet__external_id", "measured_at", "retweets", "likes", "replies", "quotes"
        ),
        "tag": Tag.objects.values_list("name", "slug"),
        "digest": DailyDigest.objects.values_list(
            "date",
            "slug",
            "title",
            "description",
            "intro",
            "status",
            "publish_at",
            "published_at",
            "generated_at",
            "social_image",
            "leading_blank_lines",
            "created_at",
            "modified_at",
        ),
        "digest tag": DigestTag.objects.values_list("digest__date", "position", "tag__name"),
        "entry": DigestEntry.objects.values_list(
            "digest__date",
            "position",
            "paper__arxiv_id",
            "retweets",
            "favorites",
            "measured_at",
            "score",
            "post_count",
            "account_count",
            "sources",
            "is_pinned",
            "is_excluded",
            "is_manually_placed",
            "note",
            "shown_title",
            "shown_authors",
            "shown_abstract",
            "shown_categories",
            "shown_arxiv_id",
        ),
        "entry post": DigestEntryTweet.objects.values_list(
            "entry__digest__date", "entry__position", "position", "tweet__source", "tweet__external_id"
        ),
    }
    content = {kind: sorted(map(repr, query)) for kind, query in rows.items()}
    content["ranked posts"] = sorted(
        repr((date, position, [post_keys.get(pk) for pk in ranked]))
        for date, position, ranked in DigestEntry.objects.values_list("digest__date", "position", "ranked_post_ids")
    )
    return content


def _markdown_exports(folder):
    call_command("export_digest", "--all", "--output", str(folder), stderr=None)
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _assert_round_trip(tmp_path):
    before = _content()
    markdown_before = _markdown_exports(tmp_path / "md-before")
    first = tmp_path / "backup.jsonl"
    call_command("export_data", "--output", str(first), stderr=None)

    # Sequences left as they are: the rows serialized_rollback puts back afterwards keep their ids,
    # and a sequence restarted at 1 would hand those ids out again to the next tests.
    call_command("flush", "--noinput", reset_sequences=False, verbosity=0)
    assert not Paper.objects.exists() and not Category.objects.exists()
    call_command("import_data", str(first), stdout=None)

    second = tmp_path / "again.jsonl"
    call_command("export_data", "--output", str(second), stderr=None)
    assert second.read_bytes() == first.read_bytes()
    after = _content()
    assert {kind: len(rows) for kind, rows in after.items()} == {kind: len(rows) for kind, rows in before.items()}
    for kind in before:
        assert after[kind] == before[kind], kind
    assert _markdown_exports(tmp_path / "md-after") == markdown_before
    return before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rich_database_exported_flushed_and_restored_exports_to_the_same_bytes(tmp_path, seed_path):
    _build_rich_database(seed_path)

    content = _assert_round_trip(tmp_path)

    assert len(content["snapshot"]) >= 9 and len(content["digest"]) == 3
    assert any("True" in row for row in content["entry"])  # pins and exclusions came back


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_corpus_posts_round_trip_through_a_backup(tmp_path, seed_path, corpus_dir):
    _build_rich_database(seed_path, corpus_files=[corpus_dir / name for name in CORPUS_SAMPLE])

    content = _assert_round_trip(tmp_path)

    assert len(content["digest"]) == 3 + len(CORPUS_SAMPLE)


# --- restoring: empty databases, merges, idempotence ---------------------------------------------


def _small_database():
    """A paper with authors and categories, posts with counter history, a digest embedding them."""
    paper = PaperFactory(arxiv_id="2201.00001", with_authors=2, with_categories=["cs.LG", "stat.ML"])
    PaperFactory(arxiv_id="hep-th/9901001", with_authors=1, with_categories=["hep-th"])
    posts = [TweetFactory(with_papers=[paper]), TweetFactory(source="bluesky", external_id="at://a/b/c")]
    for post in posts:
        TweetMetrics.objects.create(tweet=post, measured_at=T0, likes=3, retweets=1)
    entry = DigestEntryFactory(paper=paper, position=1, note="Why it matters", is_pinned=True)
    for position, post in enumerate(posts, start=1):
        DigestEntryTweet.objects.create(entry=entry, tweet=post, position=position)
    DigestTag.objects.create(digest=entry.digest, tag=TagFactory(name="Robots", slug="robots"), position=1)


def _empty_the_database():
    """What a new database holds: no papers, posts or digests (the taxonomy's categories stay)."""
    DailyDigest.objects.all().delete()
    Tag.objects.all().delete()
    Tweet.objects.all().delete()
    Paper.objects.all().delete()
    Author.objects.all().delete()


def _nothing_stored():
    return not any(model.objects.exists() for model in (Paper, Author, Tweet, TweetMetrics, Tag, DailyDigest))


def _rows_with_ids():
    models = (Category, Author, Paper, Authorship, PaperCategory, Tweet, TweetMetrics, Tweet.papers.through, Tag)
    models += (DailyDigest, DigestTag, DigestEntry, DigestEntryTweet)
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


@pytest.fixture
def backup_file(tmp_path):
    """A backup of _small_database(), and the database emptied."""
    _small_database()
    path = tmp_path / "backup.jsonl"
    call_command("export_data", "--output", str(path), stderr=None)
    _empty_the_database()
    return path


def _lines(path):
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def _write_lines(path, records):
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def _find(records, kind, **fields):
    return next(r for r in records if r.get("kind") == kind and all(r[k] == v for k, v in fields.items()))


@pytest.mark.django_db
def test_importing_the_same_file_again_with_merge_changes_no_row(backup_file):
    backup_import(path=backup_file)
    before = _rows_with_ids()

    result = backup_import(path=backup_file, merge=True)

    assert _rows_with_ids() == before
    assert sum(result.written.values()) == 0 and result.unchanged["post"] == 2


@pytest.mark.django_db
def test_a_database_holding_papers_is_refused_without_merge_and_left_as_it_was(backup_file):
    PaperFactory(arxiv_id="2301.00001")
    before = _rows_with_ids()

    with pytest.raises(CommandError, match=r"not empty \(it holds 1 papers\).*--merge") as error:
        call_command("import_data", str(backup_file))

    assert "Nothing was written" in str(error.value)
    assert _rows_with_ids() == before


@pytest.mark.django_db
def test_merge_writes_the_files_records_over_the_stored_ones_and_keeps_the_rest(backup_file):
    backup_import(path=backup_file)
    Paper.objects.filter(arxiv_id="2201.00001").update(title="Edited since")
    other = PaperFactory(arxiv_id="2301.00001")
    post = Tweet.objects.get(source="x")
    TweetMetrics.objects.create(tweet=post, measured_at=T0 + dt.timedelta(days=1), likes=9)
    DigestEntry.objects.update(note="Edited since", is_pinned=False)
    DigestEntryTweet.objects.filter(position=2).delete()

    result = backup_import(path=backup_file, merge=True)

    assert Paper.objects.get(arxiv_id="2201.00001").title != "Edited since"
    entry = DigestEntry.objects.get()
    assert (entry.note, entry.is_pinned, entry.entry_tweets.count()) == ("Why it matters", True, 2)
    assert Paper.objects.filter(pk=other.pk).exists()
    assert post.metrics.count() == 2  # the snapshot taken since the backup stays
    assert result.written == {"category": 0, "author": 0, "paper": 1, "post": 1, "tag": 0, "digest": 1}


@pytest.mark.django_db
def test_a_merge_the_database_refuses_writes_nothing(backup_file):
    author = _find(_lines(backup_file), "author")
    Author.objects.create(name="Someone Else", slug=author["slug"])

    with pytest.raises(BackupError, match="the database refused the file's rows"):
        backup_import(path=backup_file, merge=True)

    assert not Paper.objects.exists() and not Tweet.objects.exists()


@pytest.mark.django_db
def test_a_gzipped_backup_restores_and_its_bytes_do_not_depend_on_the_time(tmp_path):
    _small_database()
    first, second = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    call_command("export_data", "-o", str(first), stderr=None)
    call_command("export_data", "-o", str(second), stderr=None)
    plain = io.StringIO()
    call_command("export_data", stdout=plain, stderr=None)
    _empty_the_database()

    call_command("import_data", str(first), stdout=None)

    assert first.read_bytes() == second.read_bytes()
    assert gzip.decompress(first.read_bytes()).decode() == plain.getvalue()
    assert Paper.objects.count() == 2 and DigestEntry.objects.get().note == "Why it matters"


@pytest.mark.django_db
def test_check_says_what_a_backup_holds_and_writes_nothing(backup_file):
    out = io.StringIO()

    call_command("import_data", "--check", str(backup_file), stdout=out)

    assert "is a valid backup: " in out.getvalue() and "2 papers, 2 posts" in out.getvalue()
    assert _nothing_stored()


# --- bad files: refused whole, with the line and the record at fault ----------------------------


def _header(records, **changes):
    records[0].update(changes)


def _drop_field(kind, field, **where):
    def change(records):
        del _find(records, kind, **where)[field]

    return change


def _set_field(kind, field, value, **where):
    def change(records):
        _find(records, kind, **where)[field] = value

    return change


def _set_entry(field, value):
    def change(records):
        _find(records, "digest")["entries"][0][field] = value

    return change


def _swap_sections(records):
    category = next(i for i, r in enumerate(records) if r.get("kind") == "category")
    moved = records.pop(category)
    records.insert(-1, moved)


BAD_FILES = {
    "format version": (
        lambda r: _header(r, version=2),
        "line 1: the file is backup format version 2; this Hot Papers reads version 1",
    ),
    "not a backup": (lambda r: _header(r, format="something"), "line 1: not a Hot Papers backup"),
    "missing field": (
        _drop_field("paper", "title", arxiv_id="2201.00001"),
        "(paper 2201.00001): missing field 'title'",
    ),
    "unknown field": (_set_field("tag", "colour", "red"), "(tag Robots): unknown field 'colour'"),
    "unknown paper": (
        _set_field("post", "papers", ["2999.99999"], source="x"),
        "field 'papers' names paper '2999.99999', which the file does not hold",
    ),
    "unknown category": (_set_field("paper", "categories", ["xx.YY"], arxiv_id="2201.00001"), "names category 'xx.YY'"),
    "entry's paper": (_set_entry("paper", "2999.99999"), "entry 1: field 'paper' names paper '2999.99999'"),
    "entry's post": (_set_entry("posts", [["x", "1"]]), "entry 1: field 'posts' names post 'x:1'"),
    "wrong type": (
        _set_field("post", "likes", "many", source="bluesky"),
        "(post bluesky:at://a/b/c): field 'likes' must be a whole number",
    ),
    "bad choice": (
        _set_field("post", "link_status", "lost", source="x"),
        "field 'link_status' is 'lost': expected one of",
    ),
    "naive time": (
        _set_field("digest", "published_at", "2022-01-14T00:00:00"),
        "must be an ISO 8601 time with its UTC offset",
    ),
    "not a base id": (_set_field("paper", "arxiv_id", "2201.00001v2", arxiv_id="2201.00001"), "is not a base arXiv id"),
    "too long": (_set_field("category", "code", "c" * 33, code="cs.LG"), "field 'code' is longer than 32 characters"),
    "published without a time": (_set_field("digest", "published_at", None), "a published digest needs 'published_at'"),
    "second record": (
        lambda r: r.insert(-2, dict(_find(r, "tag"))),
        "(tag Robots): a second tag with the same name",
    ),
    "sections out of order": (_swap_sections, "a category after the digest records"),
    "cut short": (lambda r: r.pop(), "the file stops before its end line"),
    "wrong count": (lambda r: r[-1]["counts"].update(post=3), "the end line counts 3 post records, the file holds 2"),
    "unknown kind": (lambda r: r.insert(1, {"kind": "user"}), "line 2: unknown kind 'user'"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_bad_backup_is_refused_with_the_line_and_record_and_nothing_is_written(backup_file, case):
    change, message = BAD_FILES[case]
    records = _lines(backup_file)
    change(records)
    _write_lines(backup_file, records)

    with pytest.raises(CommandError) as error:
        call_command("import_data", str(backup_file))

    assert message in str(error.value)
    assert str(error.value).endswith("Nothing was written.")
    assert _nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b'{"format":"hotpapers-backup","version":1}\n{"kind": "tag", \n', "line 2: not JSON"),
        (b"[1, 2]\n", "line 1: expected a JSON object, found list"),
        (b"\x1f\x8bnot really gzip", "the gzip stream is damaged or cut short"),
        (gzip.compress(b'{"format":"hotpapers-backup","version":1}\n')[:-12], "damaged or cut short"),
    ],
    ids=["empty", "broken JSON", "not an object", "not gzip", "cut gzip"],
)
def test_a_file_that_is_not_json_lines_is_refused(tmp_path, data, message):
    path = tmp_path / "broken.jsonl"
    path.write_bytes(data)

    with pytest.raises(CommandError, match=message):
        call_command("import_data", str(path))


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="cannot read .*nowhere.jsonl: No such file or directory"):
        call_command("import_data", str(tmp_path / "nowhere.jsonl"))


@pytest.mark.django_db
def test_import_data_says_what_it_restored_and_a_merge_what_it_left_alone(backup_file):
    out = io.StringIO()
    call_command("import_data", str(backup_file), stdout=out)
    PaperFactory(arxiv_id="2301.00001")
    Paper.objects.filter(arxiv_id="2201.00001").update(doi="10.1/changed")
    call_command("import_data", "--merge", str(backup_file), stdout=out)

    first, second = out.getvalue().splitlines()
    assert first.startswith("Restored 155 categories, 3 authors, 2 papers, 2 posts, 1 tag, 1 digest from ")
    assert second.endswith(
        ": wrote 1 paper; already stored as in the file, left alone: 155 categories, 3 authors, 1 paper, 2 posts, "
        "1 tag, 1 digest"
    )


@pytest.mark.django_db
def test_export_data_to_a_folder_that_does_not_exist_says_so_and_leaves_nothing(tmp_path):
    with pytest.raises(CommandError, match=r"cannot write to .*missing: No such file or directory"):
        call_command("export_data", "--output", str(tmp_path / "missing" / "backup.jsonl"), stderr=None)

    assert list(tmp_path.iterdir()) == []


# Every column of every model in the backup, and where the file keeps it (a field added to a model
# must be added to its section, or the restore would lose it).
BACKED_UP = {
    Category: backup_papers.CATEGORY_FIELDS,
    Author: backup_papers.AUTHOR_FIELDS,
    Paper: (*backup_papers.PAPER_COLUMNS, "primary_category"),
    Authorship: ("paper", "author", "position"),  # a paper's "authors", in order
    PaperCategory: ("paper", "category", "position"),  # a paper's "categories", in order
    Tweet: backup_papers.POST_COLUMNS,
    TweetMetrics: ("tweet", *backup_papers.METRICS_FIELDS),  # a post's "metrics"
    Tag: backup_digests.TAG_FIELDS,
    DailyDigest: backup_digests.DIGEST_COLUMNS,
    DigestTag: ("digest", "tag", "position"),  # a digest's "tags", in order
    DigestEntry: ("digest", "paper", *backup_digests.ENTRY_COLUMNS, "ranked_post_ids"),
    DigestEntryTweet: ("entry", "tweet", "position"),  # an entry's "posts", in order
}


@pytest.mark.parametrize("model", BACKED_UP, ids=lambda model: model.__name__)
def test_every_column_of_a_backed_up_model_is_in_the_file(model):
    columns = {field.name for field in model._meta.concrete_fields} - {"id"}

    assert columns - set(BACKED_UP[model]) == set()
