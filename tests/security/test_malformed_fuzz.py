"""Generated broken input (hypothesis): random and mutated posts, arXiv answers, dumps and post texts.

Each parser may accept what it is given or refuse it with its own error; nothing else may escape (no
IndexError, RecursionError, UnicodeError, DataError...). The import writes all or nothing. Runs are
bounded (max_examples per test, no deadline on this shared machine) so the file takes seconds.
"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digests.html import render_arxiv_text, render_markdown, sanitize_post_html
from digests.models import DailyDigest, DigestEntry
from digests.postformat import PostFormatError, parse_post
from digests.services.importing import DigestImportError, digest_import_text
from papers.models import Paper, Tweet
from papers.sources.arxiv import ArxivError, ArxivId, normalize_arxiv_id, parse_api_feed, parse_document, parse_oai
from papers.sources.dumps import DumpError, parse_dump
from papers.sources.links import find_arxiv_ids
from tests.conftest import FIXTURES_DIR
from tests.digests.post_samples import SEED_BYTES
from tests.security.checks import html_problems

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
ATOM_SAMPLE = (FIXTURES_DIR / "arxiv" / "api_id_list_classic.xml").read_bytes()
OAI_SAMPLE = (FIXTURES_DIR / "arxiv" / "oai_list_records_arxiv_1.xml").read_bytes()
DUMP_SAMPLES = [
    (FIXTURES_DIR / "x" / "search_page1.json").read_bytes(),
    (FIXTURES_DIR / "x" / "twarc_search.jsonl").read_bytes(),
    (FIXTURES_DIR / "bluesky" / "search_page1.json").read_bytes(),
    (FIXTURES_DIR / "hackernews" / "search_page0.json").read_bytes(),
]
# Bytes that matter to the formats: markup, quotes, separators, line ends, encodings' edge cases.
SPICE = [b"<", b">", b"&", b'"', b"'", b"\n", b"\r", b"\x00", b"\xff", b"\xc3", b"{", b"}", b"[", b"]", b":", b","]
SPICE += [b"- ", b"# 1. ", b"---\n", b"<entry>", b"</entry>", b"<![CDATA[", b"&#0;", b"\\u0000", b"\t", b"$"]


@st.composite
def mutated(draw, samples):
    """A sample with a few slices deleted, duplicated or replaced by spice or random bytes."""
    data = bytearray(draw(st.sampled_from(samples)))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        start = draw(st.integers(0, len(data) - 1))
        end = min(len(data), start + draw(st.integers(0, 64)))
        action = draw(st.sampled_from(["delete", "duplicate", "spice", "random", "truncate"]))
        if action == "delete":
            del data[start:end]
        elif action == "duplicate":
            data[start:start] = data[start:end]
        elif action == "spice":
            data[start:end] = draw(st.sampled_from(SPICE))
        elif action == "random":
            data[start:end] = draw(st.binary(max_size=16))
        else:
            del data[start:]
    return bytes(data)


@FUZZ
@given(data=st.one_of(mutated([SEED_BYTES]), st.binary(max_size=400), st.text(max_size=400).map(str.encode)))
def test_the_post_parser_accepts_or_names_the_problem(data):
    try:
        parse_post(data, name="fuzz.md")
    except PostFormatError as error:
        assert str(error).startswith("fuzz.md")


@pytest.mark.django_db
@settings(FUZZ, max_examples=60)
@given(data=mutated([SEED_BYTES]))
def test_importing_a_mutated_post_writes_all_or_nothing(data):
    tables = (DailyDigest, DigestEntry, Paper, Tweet)
    before = [model.objects.count() for model in tables]
    try:
        digest_import_text(text=data, name="fuzz.md")
    except DigestImportError as error:
        assert str(error).startswith("fuzz.md")
        assert [model.objects.count() for model in tables] == before


@FUZZ
@given(data=st.one_of(mutated([ATOM_SAMPLE, OAI_SAMPLE]), st.binary(max_size=300)))
def test_the_arxiv_parsers_accept_or_raise_their_own_error(data):
    for parse in (parse_document, parse_api_feed, parse_oai):
        try:
            page = parse(data)
        except ArxivError as error:
            assert str(error)
        else:
            assert all(record.arxiv_id for record in page.records)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["data", "includes", "meta", "posts", "feed", "hits", "id", "text", "uri", "post", "record"]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@FUZZ
@given(data=st.one_of(mutated(DUMP_SAMPLES), json_values.map(lambda value: json.dumps(value).encode())))
def test_parse_dump_accepts_or_names_the_record(data):
    try:
        pages = parse_dump(data, name="fuzz.json")
    except DumpError as error:
        assert str(error).startswith("fuzz.json")
    else:
        assert all(post.external_id for page in pages for post in page.posts)


link_text = st.lists(
    st.sampled_from(
        [
            "https://arxiv.org/abs/",
            "arxiv.org/pdf/",
            "http://export.arxiv.org/abs/",
            "hf.co/papers/",
            "arXiv:",
            "2201.04182",
            "v2",
            "hep-th/9901001",
            "math.GT/0309136",
            ".pdf",
            "?x=1",
            "#y",
            "/",
            " ",
            "%2F",
            "\u200b",
            "\n",
            "(",
            ")",
            "9999.99999",
        ]
    )
    | st.text(max_size=6),
    max_size=12,
).map("".join)


@FUZZ
@given(text=link_text, urls=st.lists(link_text, max_size=3))
def test_the_link_finder_returns_only_real_arxiv_ids(text, urls):
    found = find_arxiv_ids(urls=urls, text=text)
    assert all(isinstance(arxiv_id, ArxivId) for arxiv_id in found)
    assert all(normalize_arxiv_id(str(arxiv_id)) == arxiv_id for arxiv_id in found)


markup = st.lists(
    st.sampled_from(
        [
            "<",
            ">",
            "</",
            "/>",
            "=",
            '"',
            "'",
            " ",
            "\n\n",
            "a",
            "img",
            "svg",
            "math",
            "mtext",
            "mglyph",
            "style",
            "script",
            "table",
            "iframe",
            "noscript",
            "href",
            "src",
            "onerror",
            "xlink:href",
            "javascript:",
            "data:",
            "&#x6A;",
            "&lt;",
            "<!--",
            "-->",
            "[x](",
            ")",
            "![",
            "](",
            "$",
            "\\href{",
            "}",
            "alert(1)",
        ]
    ),
    max_size=40,
).map("".join)


@FUZZ
@given(text=markup)
def test_generated_markup_never_survives_the_sanitizers(text):
    for render in (render_markdown, sanitize_post_html, render_arxiv_text):
        assert html_problems(render(text), fragment=True) == [], (render.__name__, text)
