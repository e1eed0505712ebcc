"""Broken input through every importer: each gets a clear error of the importer's own type, naming the file,
line or record where it can, and nothing is written (row counts are compared before and after).

Markdown posts (the service and the admin upload), arXiv API Atom feeds and OAI-PMH answers (the parsers
and ``papers_ingest_file``), X/Bluesky/Hacker News dumps (``parse_dump``), and the admin forms (arXiv ids
pasted, the digest form, the Markdown upload form). tests/digests/test_import_errors.py has 25 more posts;
tests/security/test_malformed_fuzz.py throws generated ones at the same parsers.
"""

import datetime as dt
import io
import json

import pytest
from django.urls import reverse

from digests.models import DailyDigest, DigestEntry, DigestEntryTweet, DigestTag, MarkdownImport, Tag
from digests.services.importing import DigestImportError, digest_import_text
from papers.models import Author, IngestRun, Paper, Tweet
from papers.services.arxiv_ingest import papers_ingest_file
from papers.services.upsert import PaperRecordError
from papers.sources.arxiv import ArxivError, parse_document
from papers.sources.dumps import DumpError, parse_dump
from tests.conftest import FIXTURES_DIR
from tests.digests.factories import DailyDigestFactory
from tests.digests.post_samples import SEED_TEXT, line_of
from tests.security.hostile import atom_feed, oai_response

COUNTED = (Paper, Author, Tweet, DailyDigest, DigestEntry, DigestEntryTweet, DigestTag, Tag)
NAME = "hot-papers-2022-01-13.md"


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


def first(needle):
    return line_of(SEED_TEXT, needle)


def replaced(old, new, count=1):
    assert old in SEED_TEXT, old
    return SEED_TEXT.replace(old, new, count)


SEED_LINES = SEED_TEXT.split("\n")


def without_line(number):
    return "\n".join(SEED_LINES[: number - 1] + SEED_LINES[number:])


# (text or bytes, the line the error must name or None, a fragment of the message)
MARKDOWN = {
    "empty file": (b"", None, "empty"),
    "only blank lines": (b"\n\n\n", None, "empty"),
    "utf-16": (SEED_TEXT.encode("utf-16"), None, "UTF-16"),
    "latin-1 byte": (SEED_TEXT.encode().replace("Stéphane".encode(), "St\xe9phane".encode("latin-1")), 40, "UTF-8"),
    "nul byte": (replaced("# 2. Deep", "# 2. De\x00ep").encode(), first("# 2. Deep"), "NUL"),
    "crlf line ends": (SEED_TEXT.replace("\n", "\r\n").encode(), 1, "CR"),
    "no front matter": (SEED_TEXT[SEED_TEXT.index("# 1.") :], 1, "front matter"),
    "front matter never closed": (SEED_TEXT.replace("\n---\n", "\n", 1), 1, "never closed"),
    "title key missing": (without_line(2), 2, "'title:'"),
    "date in another format": (replaced("date: 2022-01-14T11:10:50.Z", "date: 14/01/2022"), 3, "date"),
    "impossible date": (replaced("date: 2022-01-14T11:10:50.Z", "date: 2022-02-30T11:10:50.Z"), 3, "date"),
    "draft not a boolean": (replaced("draft: false", "draft: maybe"), 5, "true or false"),
    "slug unquoted json": (replaced('slug: "hot-papers-2022-01-13"', "slug: hot-papers-2022-01-13"), 6, "quoted"),
    "tags inline list": (replaced('tags:\n  - "arXiv"', 'tags: ["arXiv"]\n  - "arXiv"'), 8, "tags"),
    "tag not a string": (replaced('  - "arXiv"', "  - 42"), 9, "tags item"),
    "tag too long": (replaced('  - "arXiv"', f'  - "{"x" * 101}"'), 8, "tag is longer than 100"),
    "no date anywhere": (
        replaced('slug: "hot-papers-2022-01-13"', 'slug: "hot-papers"').replace(
            "title: Hot Papers 2022-01-13", "title: Hot"
        ),
        6,
        "neither the slug nor the title",
    ),
    "slug and title disagree": (
        replaced('slug: "hot-papers-2022-01-13"', 'slug: "hot-papers-2022-01-12"'),
        6,
        "disagree",
    ),
    "slug not a slug": (
        replaced('slug: "hot-papers-2022-01-13"', 'slug: "hot papers/2022-01-13"'),
        6,
        "slug",
    ),
    "rank out of sequence": (replaced("# 2. Deep", "# 3. Deep"), first("# 2. Deep"), "out of sequence"),
    "heading without rank": (replaced("# 2. Deep", "# Deep"), None, "heading"),
    "empty title": (replaced("# 2. Deep Symbolic Regression for Recurrent Sequences", "# 2. "), None, "title"),
    "authors with a stray space": (
        replaced("Mark Sandler, Max", "Mark Sandler,  Max"),
        first("Andrey Zhmoginov"),
        "authors",
    ),
    "author name too long": (replaced("Mark Sandler", "M" * 301), first("Andrey Zhmoginov"), "longer than 300"),
    "metrics line garbled": (
        replaced("- retweets: 1343, favorites: 239", "- retweets: many, favorites: 239"),
        22,
        "metrics",
    ),
    "metrics date impossible": (replaced("(01/14/2022 11:10:50)", "(13/45/2022 11:10:50)"), 22, "metrics"),
    "count too large": (replaced("retweets: 1343", "retweets: 99999999999"), 22, "too large"),
    "links to another site": (
        replaced("[abs](https://arxiv.org/abs/2201.04182)", "[abs](https://evil.example/abs/2201.04182)"),
        24,
        "links line",
    ),
    "abs and pdf disagree": (
        replaced("[pdf](https://arxiv.org/pdf/2201.04182)", "[pdf](https://arxiv.org/pdf/2201.04183)"),
        24,
        "pdf link",
    ),
    "not an arxiv id": (SEED_TEXT.replace("2201.04182", "2213.04182"), 24, "arXiv id"),
    "category link broken": (
        replaced("[cs.CV](https://arxiv.org/list/cs.CV/recent)", "[cs.CV](https://arxiv.org/list/cs.LG/recent)"),
        25,
        "category",
    ),
    "category line missing": (without_line(25), 25, None),
    "blockquote without link": (
        replaced('<a href="https://twitter.com/ak92501/status/1481443284304154625?ref_src=twsrc%5Etfw">', "<a>"),
        first("Semi-Supervised Few-Shot Learning<br>abs: "),
        "blockquote",
    ),
    "blockquote handle mismatch": (
        replaced(
            '(@ak92501) <a href="https://twitter.com/ak92501/', '(@ak92501) <a href="https://twitter.com/someone/'
        ),
        None,
        "status link",
    ),
    "blockquote date impossible": (
        replaced(">January 13, 2022</a></blockquote>", ">Smarch 13, 2022</a></blockquote>"),
        None,
        "date",
    ),
    "author name not escaped": (replaced("&mdash; AK (@ak92501)", "&mdash; A<b>K (@ak92501)"), None, "escaped"),
    "widgets line missing": (replaced(SEED_LINES[29] + "\n", "", 1), None, "widgets.js"),
    "html instead of markdown": (b"<!doctype html><html><body>Not found</body></html>\n", 1, "front matter"),
    "json instead of markdown": (json.dumps({"data": []}).encode() + b"\n", 1, "front matter"),
    "truncated mid entry": (
        SEED_TEXT[: SEED_TEXT.index("- links: [abs](https://arxiv.org/abs/2201.04600)")],
        None,
        None,
    ),
    "no final newline": (SEED_TEXT.rstrip("\n"), None, "truncated"),
    "same paper twice": (
        replaced(
            "2201.04600) | [pdf](https://arxiv.org/pdf/2201.04600)",
            "2201.04182) | [pdf](https://arxiv.org/pdf/2201.04182)",
        ),
        None,
        "listed twice",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", MARKDOWN.values(), ids=MARKDOWN.keys())
def test_a_broken_markdown_post_is_refused_with_its_line_and_writes_nothing(case):
    data, line, fragment = case
    data = data.encode() if isinstance(data, str) else data
    before = counts()

    with pytest.raises(DigestImportError) as caught:
        digest_import_text(text=data, name=NAME)

    message = str(caught.value)
    assert message.startswith(NAME)
    if line is not None:
        assert caught.value.line == line, message
        assert f"line {line}:" in message
    if fragment is not None:
        assert fragment.lower() in message.lower(), message
    assert counts() == before


@pytest.mark.django_db
def test_a_post_for_a_day_another_digest_covers_is_refused_and_writes_nothing():
    DailyDigestFactory(date=dt.date(2022, 1, 13), slug="another-slug-2022-01-13")
    before = counts()
    with pytest.raises(DigestImportError, match="already covers 2022-01-13"):
        digest_import_text(text=SEED_TEXT, name=NAME)
    assert counts() == before


UPLOADS = {
    "not markdown by name": ("notes.txt", SEED_TEXT.encode(), "only .md files"),
    "utf-16": (NAME, SEED_TEXT.encode("utf-16"), "UTF-16"),
    "binary": (NAME, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    "empty": (NAME, b"", "empty"),
    "too large": (NAME, b"x" * (2 * 1024 * 1024 + 1), "larger than 2 MB"),
    "crlf": (NAME, SEED_TEXT.replace("\n", "\r\n").encode(), "CR"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", UPLOADS.values(), ids=UPLOADS.keys())
def test_a_bad_upload_is_refused_on_the_form_and_nothing_is_stored(admin_client, case):
    name, data, fragment = case
    upload = io.BytesIO(data)
    upload.name = name
    before = counts() | {"imports": MarkdownImport.objects.count()}

    response = admin_client.post(reverse("admin:digests_markdownimport_import"), {"files": [upload]})

    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert counts() | {"imports": MarkdownImport.objects.count()} == before


UPLOADED_BUT_MALFORMED = ["date in another format", "rank out of sequence", "not an arxiv id", "tag too long"]


@pytest.mark.django_db
@pytest.mark.parametrize("key", UPLOADED_BUT_MALFORMED)
def test_a_malformed_upload_is_recorded_as_failed_with_its_line_and_writes_nothing(
    admin_client, django_capture_on_commit_callbacks, key
):
    data, line, _fragment = MARKDOWN[key]
    upload = io.BytesIO(data.encode() if isinstance(data, str) else data)
    upload.name = NAME
    before = counts()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:digests_markdownimport_import"), {"files": [upload]})

    assert response.status_code == 302
    markdown_import = MarkdownImport.objects.get()
    assert markdown_import.status == MarkdownImport.Status.FAILED
    assert markdown_import.message.startswith(f"{NAME}, line {line}:") if line else NAME in markdown_import.message
    assert counts() == before
    assert admin_client.get(reverse("admin:digests_markdownimport_changelist")).status_code == 200


# arXiv: API Atom feeds and OAI-PMH answers.

GOOD_ATOM = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
    b'xmlns:arxiv="http://arxiv.org/schemas/atom"><entry><id>http://arxiv.org/abs/2201.04182v1</id>'
    b"<updated>2022-01-12T18:00:00Z</updated><published>2022-01-12T18:00:00Z</published>"
    b"<title>A title</title><summary>An abstract</summary><author><name>Ada Lovelace</name></author>"
    b'<arxiv:primary_category term="cs.LG"/><category term="cs.LG"/></entry></feed>\n'
)


def atom(entry_body=None, *, head=b"", tail=b"</feed>\n"):
    if entry_body is None:
        return GOOD_ATOM
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n' + head + b'<feed xmlns="http://www.w3.org/2005/Atom" '
        b'xmlns:arxiv="http://arxiv.org/schemas/atom"><entry>' + entry_body + b"</entry>" + tail
    )


ENTRY = (
    b"<id>http://arxiv.org/abs/2201.04182v1</id><updated>2022-01-12T18:00:00Z</updated>"
    b"<published>2022-01-12T18:00:00Z</published><title>T</title><author><name>A</name></author>"
)
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2201.04182v1</id>'
    b"<published>2022-01-12T18:00:00Z</published><title>&d;&d;&d;&d;&d;&d;&d;&d;</title></entry></feed>"
)
XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2201.04182v1</id>'
    b"<published>2022-01-12T18:00:00Z</published><title>&x;</title></entry></feed>"
)
OAI_HEAD = b'<?xml version="1.0"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>'
OAI_TAIL = b"</ListRecords></OAI-PMH>"


def oai(records):
    return OAI_HEAD + records + OAI_TAIL


OAI_RECORD = (
    b"<record><header><identifier>oai:arXiv.org:2201.04182</identifier></header><metadata>"
    b'<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>2201.04182</id><created>2022-01-12</created>'
    b"<authors><author><keyname>Lovelace</keyname><forenames>Ada</forenames></author></authors>"
    b"<title>T</title><categories>cs.LG</categories><abstract>A</abstract></arXiv></metadata></record>"
)

# (bytes, a fragment of the message)
ARXIV = {
    "empty body": (b"", "not an XML document"),
    "whitespace": (b"   \n", "not an XML document"),
    "html error page": (b"<!DOCTYPE html><html><body><h1>503</h1></body></html>", "neither"),
    "json": (b'{"feed": []}', "not an XML document"),
    "truncated feed": (GOOD_ATOM[: len(GOOD_ATOM) // 2], "not complete XML"),
    "unclosed entry": (atom(ENTRY, tail=b"</feed>"), "not complete XML"),
    "wrong root": (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "neither"),
    "atom without namespace": (b"<feed><entry><id>x</id></entry></feed>", "neither"),
    "entry without id": (atom(b"<published>2022-01-12T18:00:00Z</published><title>T</title>"), "has no <id>"),
    "entry id not arxiv": (atom(ENTRY.replace(b"2201.04182v1", b"9999.99999")), "not an arXiv id"),
    "entry id a url elsewhere": (atom(ENTRY.replace(b"http://arxiv.org/abs/", b"https://evil.example/")), "arXiv id"),
    "entry without published": (atom(b"<id>http://arxiv.org/abs/2201.04182v1</id><title>T</title>"), "no <published>"),
    "published garbled": (
        atom(ENTRY.replace(b"<published>2022-01-12T18:00:00Z", b"<published>yesterday")),
        "malformed date",
    ),
    "updated garbled": (
        atom(ENTRY.replace(b"<updated>2022-01-12T18:00:00Z", b"<updated>2022-13-45T99:99:99Z")),
        "malformed date",
    ),
    "total results not a number": (
        atom(
            ENTRY,
            tail=b'<opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
            b"lots</opensearch:totalResults></feed>",
        ),
        "totalResults",
    ),
    "arxiv error feed": (
        atom(
            b"<id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id><title>Error</title>"
            b"<summary>incorrect id format for 1234</summary>"
        ),
        "incorrect id format",
    ),
    "billion laughs": (BILLION_LAUGHS, ""),
    "external entity": (XXE, ""),
    "utf-16 declared utf-8": (GOOD_ATOM.decode().encode("utf-16"), ""),
    "control character": (GOOD_ATOM.replace(b"A title", b"A \x01 title"), "not"),
    "oai truncated": (oai(OAI_RECORD)[:-30], "not complete XML"),
    "oai bad argument": (
        OAI_HEAD.replace(b"<ListRecords>", b"") + b'<error code="badArgument">Illegal argument</error></OAI-PMH>',
        "badArgument",
    ),
    "oai bad token": (
        OAI_HEAD.replace(b"<ListRecords>", b"")
        + b'<error code="badResumptionToken">The token is invalid</error></OAI-PMH>',
        "badResumptionToken",
    ),
    "oai record without metadata": (oai(OAI_RECORD.split(b"<metadata>")[0] + b"</record>"), "has no metadata"),
    "oai unknown metadata format": (
        oai(
            OAI_RECORD.replace(b'<arXiv xmlns="http://arxiv.org/OAI/arXiv/">', b'<other xmlns="urn:x">').replace(
                b"</arXiv>", b"</other>"
            )
        ),
        "unsupported metadata format",
    ),
    "oai id not arxiv": (oai(OAI_RECORD.replace(b"<id>2201.04182</id>", b"<id>not-an-id</id>")), "arXiv id"),
    "oai created garbled": (oai(OAI_RECORD.replace(b"<created>2022-01-12</created>", b"<created>soon</created>")), ""),
    "oai without id": (
        oai(OAI_RECORD.replace(b"<id>2201.04182</id>", b"").replace(b"oai:arXiv.org:2201.04182", b"")),
        "",
    ),
    "oai deleted with bad identifier": (
        oai(b'<record><header status="deleted"><identifier>oai:arXiv.org:nonsense</identifier></header></record>'),
        "",
    ),
    "oai token count garbled": (
        oai(OAI_RECORD + b'<resumptionToken completeListSize="many">x|1</resumptionToken>'),
        "",
    ),
}

# Well-formed answers whose values the database cannot hold: the parser takes them, the upsert refuses them.
TOO_LONG = {
    "author name too long": (GOOD_ATOM.replace(b"Ada Lovelace", b"A" * 301), "author name is longer than 300"),
    "category code too long": (
        GOOD_ATOM.replace(b'<category term="cs.LG"/>', b'<category term="cs.' + b"X" * 40 + b'"/>'),
        "category code is longer than 32",
    ),
    "doi too long": (
        GOOD_ATOM.replace(b"</entry>", b"<arxiv:doi>10." + b"1" * 300 + b"</arxiv:doi></entry>"),
        "DOI is longer",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", TOO_LONG.values(), ids=TOO_LONG.keys())
def test_a_value_too_long_for_its_column_fails_the_run_clearly_and_stores_nothing(tmp_path, case):
    data, fragment = case
    path = tmp_path / "answer.xml"
    path.write_bytes(data)
    before = counts()

    with pytest.raises(PaperRecordError, match=fragment):
        papers_ingest_file(path=path)

    run = IngestRun.objects.latest("started_at")
    assert run.status == IngestRun.Status.FAILED
    assert run.error.startswith("PaperRecordError: 2201.04182: ")
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("case", ARXIV.values(), ids=ARXIV.keys())
def test_a_broken_arxiv_answer_is_refused_by_ingestion_and_stores_no_paper(tmp_path, case):
    data, fragment = case
    path = tmp_path / "answer.xml"
    path.write_bytes(data)
    before = counts()

    try:
        page = parse_document(data)
    except ArxivError as error:
        assert fragment.lower() in str(error).lower(), str(error)
        refused = True
    else:
        # Some bodies parse (an entity left unexpanded, a count read as absent): what they give must still be
        # stored whole or refused whole by the ingestion below.
        refused = False
        assert all(len(record.title) < 10_000 for record in page.records)
        assert all("root:" not in record.title for record in page.records)  # no file was read

    with pytest.raises(ArxivError) if refused else _nothing():
        run = papers_ingest_file(path=path)
    run = IngestRun.objects.latest("started_at")
    if refused:
        assert run.status == IngestRun.Status.FAILED and run.error
        assert counts() == before
    else:
        assert run.status in (IngestRun.Status.SUCCEEDED, IngestRun.Status.FAILED)
        if run.status == IngestRun.Status.FAILED:
            assert counts() == before and run.error


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_the_hostile_feeds_parse():
    assert len(parse_document(atom_feed()).records) > 5
    assert len(parse_document(oai_response()).records) > 5


# Social dumps (parse_dump: the ingest_posts --file and admin upload format).

X_LINE = (FIXTURES_DIR / "x" / "twarc_search.jsonl").read_bytes().split(b"\n")[0]

DUMPS = {
    "empty": (b"", "empty"),
    "blank": (b"  \n\n", "empty"),
    "utf-16": ('{"data": []}'.encode("utf-16"), "UTF-16"),
    "invalid utf-8": (b'{"data": ["\xff"]}', "not UTF-8"),
    "not json": (b"hello world", "not JSON"),
    "truncated object": (b'{"data": [{"id": "1"', "not JSON"),
    "json number": (b"42", ""),
    "json string": (b'"a string"', ""),
    "json null": (b"null", ""),
    "array of numbers": (b"[1, 2, 3]", "record 1"),
    "empty array": (b"[]", "no records"),
    "empty object": (b"{}", ""),
    "unknown shape": (b'{"something": "else"}', ""),
    "x data not a list": (b'{"data": "nope"}', ""),
    "x tweet without id": (b'{"data": [{"text": "hi"}]}', ""),
    "x tweet id a number": (b'{"data": [{"id": 5, "text": "hi"}]}', ""),
    "x tweet text not a string": (b'{"data": [{"id": "5", "text": ["hi"]}]}', ""),
    "x metrics negative": (
        b'{"data": [{"id": "5", "text": "hi", "public_metrics": {"like_count": -3}}]}',
        "",
    ),
    "x created_at garbled": (b'{"data": [{"id": "5", "text": "hi", "created_at": "last tuesday"}]}', ""),
    "x includes users not a list": (b'{"data": [{"id": "5", "text": "hi"}], "includes": {"users": 7}}', ""),
    "bluesky posts not a list": (b'{"posts": {"uri": "at://x"}}', ""),
    "bluesky post without uri": (b'{"posts": [{"record": {"text": "hi"}}]}', ""),
    "bluesky record not an object": (b'{"posts": [{"uri": "at://did:plc:x/app.bsky.feed.post/1", "record": 5}]}', ""),
    "bluesky feed item without post": (b'{"feed": [{"reason": {}}]}', ""),
    "hn hits not a list": (b'{"hits": "none"}', ""),
    "hn hit without id": (b'{"hits": [{"title": "x", "url": "https://arxiv.org/abs/2201.04182"}]}', ""),
    "hn created_at_i a string": (b'{"hits": [{"objectID": "1", "created_at_i": "soon", "title": "x"}]}', ""),
    "json lines one broken": (X_LINE + b"\n{broken\n" + X_LINE, "line 2"),
    "json lines a number": (X_LINE + b"\n7\n", "line 2"),
    "deeply nested": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "deeply nested json lines": (X_LINE + b"\n" + b"[" * 100_000 + b"]" * 100_000 + b"\n", "line 2"),
    "nan counters": (b'{"data": [{"id": "5", "text": "hi", "public_metrics": {"like_count": NaN}}]}', ""),
    "huge number": (b'{"data": [{"id": "5", "text": "hi", "public_metrics": {"like_count": 1e400}}]}', ""),
}


@pytest.mark.parametrize("case", DUMPS.values(), ids=DUMPS.keys())
def test_a_broken_dump_is_refused_whole_with_the_file_and_record_named(case):
    data, fragment = case
    name = "dump.json"
    try:
        pages = parse_dump(data, name=name)
    except DumpError as error:
        assert str(error).startswith(f"{name}:"), str(error)
        assert fragment.lower() in str(error).lower(), str(error)
    else:
        # Some shapes are valid but hold nothing usable; they must say so, not invent posts.
        raise AssertionError(f"{name} was accepted: {pages!r}"[:500])


def test_a_dump_over_the_upload_limit_is_refused_before_parsing():
    with pytest.raises(DumpError, match="more than the"):
        parse_dump(b"[" + b" " * 2048 + b"]", name="big.json", max_bytes=1024)


# Admin forms.


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ids",
    [
        "",
        "   ",
        "not-an-id",
        "2213.00001",
        "1501.0001",
        "https://evil.example/abs/2201.04182",
        "2201.04182, banana",
        "hep-th/99",
        "<script>alert(1)</script>",
        "2201.04182\x00",
        "x" * 20_000,
    ],
)
def test_pasted_ids_that_are_not_arxiv_ids_are_refused_on_the_form(admin_client, ids):
    runs = IngestRun.objects.count()
    response = admin_client.post(reverse("admin:papers_ingestrun_ingest"), {"ids": ids})

    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert IngestRun.objects.count() == runs


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", "2022-02-30"),
        ("date", "yesterday"),
        ("slug", "not a slug!"),
        ("title", "x" * 201),
        ("title", ""),
        ("description", "x" * 301),
        ("intro", "a\x00b"),
        ("title", "a\x00b"),
        ("publish_at_0", "31/31/2022"),
        ("status", "deleted"),
        ("generated_at_0", "2022-01-32"),
        ("generated_at_1", "25:61:00"),
        ("leading_blank_lines", "-1"),
        ("leading_blank_lines", "many"),
    ],
)
def test_the_digest_form_refuses_bad_values_and_changes_nothing(admin_client, field, value):
    from tests.admin_utils import form_data

    digest = DailyDigestFactory(title="Hot Papers 2022-01-01", slug="hot-papers-2022-01-01")
    url = reverse("admin:digests_dailydigest_change", args=[digest.pk])
    data = form_data(admin_client.get(url))
    data[field] = value
    before = DailyDigest.objects.values().get(pk=digest.pk)

    response = admin_client.post(url, data)

    assert response.status_code == 200, response.status_code
    assert b"errornote" in response.content or b"errorlist" in response.content
    assert DailyDigest.objects.values().get(pk=digest.pk) == before
