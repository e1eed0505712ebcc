"""Malformed posts: each is refused with its file and line named, writes nothing, and stops no other file."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from digests.models import DailyDigest, DigestEntry
from digests.services.importing import DigestImportError, digest_import_text, digests_import_files
from papers.models import Author, Paper, Tweet
from tests.digests.factories import DailyDigestFactory
from tests.digests.post_samples import (
    SEED_TEXT,
    line_of,
    make_entry,
    make_post,
    make_tweet,
    post_bytes,
    seed_with,
)

pytestmark = pytest.mark.django_db

GOOD_POST = make_post(
    "2022-02-01",
    entries=[
        make_entry(1, "2202.00001", authors=["Good Author One"], tweets=[make_tweet("1488000000000000001")]),
        make_entry(2, "2202.00002", authors=["Good Author Two"]),
    ],
)
FIRST_BLOCKQUOTE = SEED_TEXT[SEED_TEXT.index("<blockquote") : SEED_TEXT.index("</blockquote>") + len("</blockquote>")]
SCRIPT = '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>'


def _text_case(text, needle_or_line, fragment):
    line = needle_or_line if isinstance(needle_or_line, int) else line_of(text, needle_or_line)
    return text.encode("utf-8"), line, fragment


def _truncated_in_entry_3():
    end = SEED_TEXT.index("- retweets: 468")
    return _text_case(SEED_TEXT[: SEED_TEXT.index("\n", end) + 1], "# 3. Multiview", "entry 3 is truncated")


def _repeated_tweet_with_other_text():
    text = seed_with("hardmaru/status/1481787736264634368", "hardmaru/status/1481443284304154625")
    return _text_case(text, "hardmaru/status/1481443284304154625", "tweet 1481443284304154625 is embedded differently")


CASES = {
    "broken front matter": lambda: _text_case(
        seed_with("date: 2022-01-14", "date 2022-01-14"), 3, "front matter line does not parse"
    ),
    "front matter keys out of order": lambda: _text_case(
        seed_with('template: "post"\ndraft: false', 'draft: false\ntemplate: "post"'),
        4,
        "front matter key 'draft:' found where 'template:' was expected",
    ),
    "front matter not post template": lambda: _text_case(
        seed_with('template: "post"', 'template: "page"'), 4, "'template:' must be \"post\""
    ),
    "missing front matter end": lambda: _text_case(
        seed_with('flying-marine.jpg"\n\n---\n', 'flying-marine.jpg"\n\n'), 1, "never closed by a '---' line"
    ),
    "bad date": lambda: _text_case(
        seed_with("date: 2022-01-14T11:10:50.Z", "date: 2022-01-14T25:10:50.Z"), 3, "'date:' must be a UTC time"
    ),
    "metrics line that does not parse": lambda: _text_case(
        seed_with("- retweets: 535, favorites: 166", "- retweets: 535, likes: 166"),
        "retweets: 535, likes",
        "metrics line does not parse",
    ),
    "truncated entry": _truncated_in_entry_3,
    "bad arXiv link": lambda: _text_case(
        seed_with("arxiv.org/abs/2201.04600)", "arxiv.org/abs/2201.O46OO)"),
        "abs/2201.O46OO",
        "not an arXiv id in the links line: '2201.O46OO'",
    ),
    "arXiv id that cannot exist": lambda: _text_case(
        seed_with(
            "2201.04600) | [pdf](https://arxiv.org/pdf/2201.04600",
            "2213.04600) | [pdf](https://arxiv.org/pdf/2213.04600",
        ),
        "abs/2213.04600",
        "2213.04600 is not a valid arXiv id",
    ),
    "abs and pdf ids differ": lambda: _text_case(
        seed_with("arxiv.org/pdf/2201.04182)", "arxiv.org/pdf/2201.04183)"),
        "pdf/2201.04183",
        "the abs link is for 2201.04182 but the pdf link is for 2201.04183",
    ),
    "UTF-16 encoding": lambda: (SEED_TEXT.encode("utf-16"), 1, "the file is UTF-16 encoded"),
    "latin-1 encoding": lambda: (SEED_TEXT.encode("latin-1"), line_of(SEED_TEXT, "Stéphane"), "not UTF-8 (byte 0xE9"),
    "CRLF line endings": lambda: (SEED_TEXT.replace("\n", "\r\n").encode(), 1, "CR (Windows) line endings"),
    "empty file": lambda: (b"", None, "the file is empty"),
    "blank file": lambda: (b"\n\n  \n", None, "the file is empty"),
    "binary file": lambda: (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00", 3, "the file is binary"),
    "non-sequential rank": lambda: _text_case(
        seed_with("# 2. Deep Symbolic", "# 3. Deep Symbolic"),
        "# 3. Deep Symbolic",
        "entry rank 3 is out of sequence (expected 2)",
    ),
    "entry without its heading": lambda: _text_case(
        seed_with("# 1. HyperTransformer", "HyperTransformer"),
        "- retweets: 1343",
        "no '# 1. title' heading comes before it",
    ),
    "malformed blockquote": lambda: _text_case(
        seed_with("</p>&mdash; hardmaru", "</p>hardmaru"),
        "1481787736264634368",
        "embedded tweet is not a Twitter oEmbed blockquote (no '</p>&mdash; ' after the text)",
    ),
    "blockquote without its script line": lambda: _text_case(
        seed_with(FIRST_BLOCKQUOTE + "\n" + SCRIPT + "\n", FIRST_BLOCKQUOTE + "\n"),
        line_of(SEED_TEXT, "1481443284304154625") + 1,
        "expected the widgets.js script line after the tweet",
    ),
    "duplicate paper in one post": lambda: _text_case(
        seed_with(
            "abs/2201.04288) | [pdf](https://arxiv.org/pdf/2201.04288",
            "abs/2201.04182) | [pdf](https://arxiv.org/pdf/2201.04182",
        ),
        "# 3. Multiview",
        "paper 2201.04182 is listed twice (entries 1 and 3)",
    ),
    "one tweet embedded with two texts": _repeated_tweet_with_other_text,
    "slug and title dates conflict": lambda: _text_case(
        seed_with("title: Hot Papers 2022-01-13", "title: Hot Papers 2022-01-14"),
        6,
        "the slug's date 2022-01-13 and the title's date 2022-01-14 disagree",
    ),
    "slug date that is no date": lambda: _text_case(
        seed_with('slug: "hot-papers-2022-01-13"', 'slug: "hot-papers-2022-02-30"'),
        6,
        "the slug holds 2022-02-30, which is not a date",
    ),
    "extra blank lines at the end": lambda: _text_case(
        SEED_TEXT + "\n", SEED_TEXT.count("\n") + 1, "extra blank lines after entry 8"
    ),
}


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.md"
    path.write_bytes(post_bytes(GOOD_POST))
    return path


def _assert_only_the_good_post_is_stored():
    assert list(DailyDigest.objects.values_list("slug", flat=True)) == [GOOD_POST.slug]
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {"2202.00001", "2202.00002"}
    assert set(Tweet.objects.values_list("external_id", flat=True)) == {"1488000000000000001"}
    assert set(Author.objects.values_list("name", flat=True)) == {"Good Author One", "Good Author Two"}
    assert DigestEntry.objects.count() == 2


@pytest.mark.parametrize("case", list(CASES))
def test_a_malformed_post_is_refused_with_file_and_line_and_the_good_file_still_imports(case, tmp_path, good_file):
    data, line, fragment = CASES[case]()
    bad_file = tmp_path / "bad.md"
    bad_file.write_bytes(data)

    with pytest.raises(CommandError) as caught:
        call_command("import_digest", str(bad_file), str(good_file), verbosity=0)

    reported = [row for row in str(caught.value).splitlines() if row.startswith("bad.md")]
    where = f"bad.md, line {line}: " if line else "bad.md: "
    assert len(reported) == 1 and reported[0].startswith(where), reported
    assert fragment in reported[0]
    _assert_only_the_good_post_is_stored()


def test_a_bad_file_after_a_good_one_leaves_the_good_one_imported(tmp_path):
    (tmp_path / "a-good.md").write_bytes(post_bytes(GOOD_POST))
    (tmp_path / "z-bad.md").write_bytes(seed_with("# 2. Deep", "# 5. Deep").encode())

    report = digests_import_files(files=[tmp_path / "a-good.md", tmp_path / "z-bad.md"])

    assert [result.name for result in report.results] == ["a-good.md"]
    assert [(error.name, error.line) for error in report.errors] == [("z-bad.md", line_of(SEED_TEXT, "# 2. Deep"))]
    _assert_only_the_good_post_is_stored()


def test_import_errors_are_value_errors_carrying_name_and_line():
    with pytest.raises(DigestImportError) as caught:
        digest_import_text(text=seed_with("draft: false", "draft: maybe"), name="x.md")

    assert isinstance(caught.value, ValueError)
    assert (caught.value.name, caught.value.line) == ("x.md", 5)
    assert str(caught.value) == "x.md, line 5: 'draft:' must be true or false, not 'maybe'"


def test_a_post_for_a_day_that_has_a_digest_under_another_slug_is_refused():
    DailyDigestFactory(date=dt.date(2022, 2, 1), slug="another-slug")

    with pytest.raises(DigestImportError, match="digest another-slug already covers 2022-02-01") as caught:
        digest_import_text(text=post_bytes(GOOD_POST), name="good.md")
    assert caught.value.line == 6
    assert not Paper.objects.exists()


def test_a_slug_taken_by_the_digest_of_another_day_is_refused():
    DailyDigestFactory(date=dt.date(2021, 12, 31), slug=GOOD_POST.slug)

    with pytest.raises(DigestImportError, match="the slug hot-papers-2022-02-01 is taken by the digest of 2021-12-31"):
        digest_import_text(text=post_bytes(GOOD_POST), name="good.md")
    assert not Paper.objects.exists()


def test_a_field_too_long_for_the_database_is_refused_before_writing():
    post = make_post("2022-02-01", entries=[make_entry(1, "2202.00001", authors=["A" * 301])])

    with pytest.raises(DigestImportError, match="author name is longer than 300 characters") as caught:
        digest_import_text(text=post_bytes(post), name="long.md")
    assert caught.value.line == post_bytes(post).decode().split("\n").index("A" * 301) + 1
    assert not DailyDigest.objects.exists()


def test_a_file_that_cannot_be_read_is_reported_and_the_others_still_import(tmp_path, good_file):
    outcomes = []

    report = digests_import_files(files=[tmp_path / "gone.md", good_file], progress=outcomes.append)

    assert [str(error) for error in report.errors] == ["gone.md: cannot read the file (No such file or directory)"]
    assert outcomes == [report.errors[0], report.results[0]]
    _assert_only_the_good_post_is_stored()


def test_a_missing_path_is_reported_by_the_command_and_the_others_still_import(tmp_path, good_file):
    with pytest.raises(CommandError) as caught:
        call_command("import_digest", str(tmp_path / "nowhere.md"), str(good_file), verbosity=0)

    assert str(caught.value) == f"1 of 2 files failed:\n{tmp_path / 'nowhere.md'}: no such file or folder"
    _assert_only_the_good_post_is_stored()
