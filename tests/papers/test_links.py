"""The link finder: which arXiv papers a post links to, from its URLs and its text."""

import html
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from digests.postformat import parse_post, tweet_plain_text
from papers.sources.arxiv import ArxivId, normalize_arxiv_id
from papers.sources.links import find_arxiv_ids

# No deadline (the machine is shared and slow at times); no example database (failures replay from the seed printed).
relaxed = settings(deadline=None, database=None)


def found(*, urls=(), text=""):
    return [str(arxiv_id) for arxiv_id in find_arxiv_ids(urls=urls, text=text)]


# Examples


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2201.04182", "2201.04182"),
        ("http://arxiv.org/abs/2201.04182v2", "2201.04182v2"),
        ("https://arxiv.org/abs/2201.04182/", "2201.04182"),
        ("https://arxiv.org/abs/2201.04182?context=cs.LG", "2201.04182"),
        ("https://arxiv.org/abs/2201.04182v3#comments", "2201.04182v3"),
        ("https://arxiv.org/pdf/2201.04182", "2201.04182"),
        ("https://arxiv.org/pdf/2201.04182.pdf", "2201.04182"),
        ("https://arxiv.org/pdf/2201.04182v2.pdf", "2201.04182v2"),
        ("https://arxiv.org/html/2401.12345v1", "2401.12345v1"),
        ("https://arxiv.org/html/2401.12345v1/#S3.F2", "2401.12345v1"),
        ("https://export.arxiv.org/abs/2201.04182", "2201.04182"),
        ("http://www.arxiv.org/pdf/2201.04182v1.pdf", "2201.04182v1"),
        ("https://arXiv.org/abs/2201.04182", "2201.04182"),
        ("arxiv.org/abs/2201.04182", "2201.04182"),
        ("https://arxiv.org/abs/0706.0001", "0706.0001"),
        ("https://arxiv.org/abs/1412.8999v3", "1412.8999v3"),
        ("https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/pdf/hep-th/9901001v2.pdf", "hep-th/9901001v2"),
        ("https://arxiv.org/abs/cond-mat/0102536v2", "cond-mat/0102536v2"),
        ("https://arxiv.org/abs/math.GT/0309136", "math/0309136"),
        ("https://arxiv.org/abs/cond-mat.str-el/0501001v1", "cond-mat/0501001v1"),
        ("https://www.alphaxiv.org/abs/2201.04182", "2201.04182"),
        ("https://alphaxiv.org/abs/2201.04182v2", "2201.04182v2"),
        ("https://www.alphaxiv.org/overview/2201.04182", "2201.04182"),
        ("https://huggingface.co/papers/2201.04182", "2201.04182"),
        ("https://hf.co/papers/2201.04182", "2201.04182"),
        ("https://ar5iv.labs.arxiv.org/html/2201.04182", "2201.04182"),
        ("https://ar5iv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://web.archive.org/web/2022/https://arxiv.org/abs/2201.04182", "2201.04182"),
    ],
)
def test_every_url_form_gives_its_id(url, expected):
    assert found(urls=[url]) == [expected]
    assert found(text=f"Read this: {url} (thread)") == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("New paper! arXiv:2201.04182", ["2201.04182"]),
        ("arXiv: 2201.04182v2 is out", ["2201.04182v2"]),
        ("Deep learning. (arXiv:2009.14379v1 [cs.LG]) https://t.co/zjV5", ["2009.14379v1"]),
        ("ARXIV:hep-th/9901001 and arxiv:math.GT/0309136v2", ["hep-th/9901001", "math/0309136v2"]),
        ("論文をarXiv:2201.04182に公開しました", ["2201.04182"]),
        ("see arxiv.org/abs/2201.04182.", ["2201.04182"]),
        ("(arxiv.org/pdf/2201.04182v2.pdf), then huggingface.co/papers/2301.00001!", ["2201.04182v2", "2301.00001"]),
        ("Both: arXiv:2201.04182 and https://arxiv.org/abs/2201.04182 again", ["2201.04182"]),
        ("v1 arXiv:2201.04182v1 then v2 arXiv:2201.04182v2", ["2201.04182v1", "2201.04182v2"]),
    ],
)
def test_text_gives_arxiv_prefixed_ids_and_urls_without_a_scheme(text, expected):
    assert found(text=text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Call me on 2201.0418 or +1 555.1234, or on 2201.04182",
        "Published 2022.01.13; version 2201.04182v2 of the spec; hep-th/9901001 in a bare path",
        "Doors open 1230.1200 and 0930.12345",
        "https://arxiv.org/list/cs.LG/recent and https://arxiv.org/a/smith_j_1",
        "https://example.org/abs/2201.04182 and https://notarxiv.org/abs/2201.04182",
        "https://arxiv.org.example.com/abs/2201.04182",
        "xarXiv:2201.04182 and arXiv 2201.04182 and arXiv-2201.04182",
        "https://arxiv.org/abs/2213.04182 (month 13)",
        "https://arxiv.org/abs/0703.0001 (new style began in April 2007)",
        "https://arxiv.org/abs/1501.0001 and https://arxiv.org/abs/1412.00001 (wrong number of digits)",
        "https://arxiv.org/abs/hep-th/0804001 (old style ended in March 2007)",
        "https://arxiv.org/abs/2201.041823 and https://arxiv.org/abs/2201.04182V2 and .../2201.04182v0",
        "arxiv.org/abs/2201.0418… (a truncated display URL)",
        "arXiv: https://t.co/72sXC7GaIo",
        "",
    ],
)
def test_no_id_is_invented(text):
    assert found(text=text) == []
    assert found(urls=text.split()) == []


def test_a_percent_encoded_link_inside_a_url_counts():
    assert found(urls=["https://www.google.com/url?q=https%3A%2F%2Farxiv.org%2Fabs%2F2201.04182v2&sa=D"]) == [
        "2201.04182v2"
    ]


def test_urls_come_before_the_text_and_each_id_once_in_order():
    result = find_arxiv_ids(
        urls=["https://t.co/x", "https://arxiv.org/abs/2201.00002", "https://arxiv.org/pdf/2201.00001v1.pdf"],
        text="arXiv:2201.00003 and arXiv:2201.00002",
    )
    assert result == [ArxivId("2201.00002"), ArxivId("2201.00001", 1), ArxivId("2201.00003")]


def test_one_url_string_is_taken_as_one_url_and_none_is_nothing():
    assert found(urls="https://arxiv.org/abs/2201.04182") == ["2201.04182"]
    assert find_arxiv_ids() == [] and find_arxiv_ids(urls=[None, ""], text=None) == []


# Properties: any valid id, in any form, with any noise around it, is found exactly


NEW_STYLE_MONTHS = [(y, m) for y in range(2007, 2100) for m in range(1, 13) if (y, m) >= (2007, 4)]
OLD_STYLE_MONTHS = [(y, m) for y in range(1991, 2008) for m in range(1, 13) if (1991, 8) <= (y, m) <= (2007, 3)]
ARCHIVES = ["hep-th", "hep-ph", "astro-ph", "cond-mat", "quant-ph", "gr-qc", "math", "cs", "nlin", "physics"]
SUBJECT_CLASSES = ["GT", "AG", "str-el", "LG", "stat-mech", "CO"]


@st.composite
def arxiv_ids(draw):
    """(id as written, the ArxivId expected): any id arXiv could have issued, built without the normaliser."""
    if draw(st.booleans()):
        year, month = draw(st.sampled_from(NEW_STYLE_MONTHS))
        digits = 4 if (year, month) <= (2014, 12) else 5
        base = f"{year % 100:02d}{month:02d}.{draw(st.integers(1, 10**digits - 1)):0{digits}d}"
        written = base
    else:
        year, month = draw(st.sampled_from(OLD_STYLE_MONTHS))
        archive, subject = draw(st.sampled_from(ARCHIVES)), draw(st.none() | st.sampled_from(SUBJECT_CLASSES))
        base = f"{archive}/{year % 100:02d}{month:02d}{draw(st.integers(1, 999)):03d}"
        written = base if subject is None else base.replace("/", f".{subject}/", 1)
    version = draw(st.none() | st.integers(1, 9999))
    return written + ("" if version is None else f"v{version}"), ArxivId(base=base, version=version)


URL_FORMS = [
    "https://arxiv.org/abs/{}",
    "http://arxiv.org/abs/{}",
    "https://arxiv.org/abs/{}/",
    "https://arxiv.org/abs/{}?context=cs",
    "https://arxiv.org/abs/{}#references",
    "https://arxiv.org/pdf/{}",
    "https://arxiv.org/pdf/{}.pdf",
    "https://arxiv.org/html/{}",
    "https://export.arxiv.org/abs/{}",
    "https://www.arxiv.org/pdf/{}.pdf",
    "arxiv.org/abs/{}",
    "HTTPS://ARXIV.ORG/abs/{}",
    "https://www.alphaxiv.org/abs/{}",
    "https://huggingface.co/papers/{}",
    "https://ar5iv.labs.arxiv.org/html/{}",
]
TEXT_FORMS = [*URL_FORMS, "arXiv:{}", "arXiv: {}", "ARXIV:{}", "arxiv:{}"]
BEFORE = [" ", "\n", "(", "<", '"', "「", ": ", "— "]
AFTER = [" ", "\n", ")", ", ", ". ", "!", "」", ">", '"', ";", "…"]
noise = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40).filter(
    lambda text: not any(word in text.lower() for word in ("xiv", "hf.co", "huggingface", "ar5iv"))
)


@relaxed
@given(arxiv_ids(), st.sampled_from(URL_FORMS))
@example(("math.GT/0309136v2", ArxivId("math/0309136", 2)), "https://arxiv.org/pdf/{}.pdf")
def test_any_id_in_any_url_form_is_found_exactly(id_and_expected, form):
    written, expected = id_and_expected
    assert find_arxiv_ids(urls=[form.format(written)]) == [expected]


@relaxed
@given(arxiv_ids(), st.sampled_from(TEXT_FORMS), noise, st.sampled_from(BEFORE), st.sampled_from(AFTER), noise)
def test_any_id_in_any_text_form_amid_noise_is_found_exactly(id_and_expected, form, head, before, after, tail):
    written, expected = id_and_expected
    assert find_arxiv_ids(text=f"{head}{before}{form.format(written)}{after}{tail}") == [expected]


@relaxed
@given(st.lists(st.tuples(arxiv_ids(), st.sampled_from(TEXT_FORMS)), min_size=1, max_size=5), noise)
def test_several_ids_in_one_text_are_found_once_each_in_order(ids_and_forms, filler):
    text = " ".join(f"{filler} {form.format(written)} ." for (written, _expected), form in ids_and_forms)
    expected = list(dict.fromkeys(expected for (_written, expected), _form in ids_and_forms))
    assert find_arxiv_ids(text=text) == expected


@relaxed
@given(arxiv_ids(), st.sampled_from(TEXT_FORMS), st.sampled_from([*"0123456789", "V2", "v0", "x", "_1"]))
def test_an_id_that_runs_on_is_not_cut_short(id_and_expected, form, more):
    written, _expected = id_and_expected
    unversioned = re.sub(r"v\d+$", "", written)
    assert find_arxiv_ids(text=f"see {form.format(unversioned + more)} now") == []


@relaxed
@given(st.text(alphabet="0123456789.-/+() v:\n", max_size=80))
def test_numbers_dates_and_phone_numbers_in_text_are_no_ids(text):
    assert find_arxiv_ids(text=text) == []


@relaxed
@given(noise)
def test_text_that_names_no_arxiv_page_gives_nothing(text):
    assert find_arxiv_ids(text=text, urls=[text]) == []


@relaxed
@given(
    st.sampled_from(TEXT_FORMS),
    st.one_of(
        st.builds(
            "{:02d}{:02d}.{:05d}".format, st.integers(0, 99), st.integers(13, 99) | st.just(0), st.integers(0, 99999)
        ),
        st.builds("{:02d}{:02d}.{:04d}".format, st.integers(15, 99), st.integers(1, 12), st.integers(0, 9999)),
        st.builds("07{:02d}.{:04d}".format, st.integers(1, 3), st.integers(0, 9999)),
        st.builds("hep-th/{:02d}{:02d}{:03d}".format, st.integers(8, 90), st.integers(1, 12), st.integers(0, 999)),
    ),
    st.sampled_from(["", "v1", "v12"]),
)
def test_an_id_arxiv_never_issued_is_not_found(form, impossible, version):
    assert find_arxiv_ids(text=f"see {form.format(impossible + version)} now") == []


# The corpus: every link in the real posts

_HREF = re.compile(r'href="([^"]*)"')
_ARXIV_LINK = re.compile(r"arxiv\.org/(?:abs|pdf|html)/[^\s)\"<]+", re.IGNORECASE)


def corpus_posts(corpus_dir):
    for path in sorted(corpus_dir.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        yield path, text, parse_post(text, name=path.name)


def test_each_corpus_entry_gives_its_own_paper_from_its_links_line(corpus_dir):
    entries = 0
    for path, text, post in corpus_posts(corpus_dir):
        links_lines = [line for line in text.splitlines() if line.startswith("- links: ")]
        assert len(links_lines) == len(post.entries), path.name
        for entry, line in zip(post.entries, links_lines, strict=True):
            expected = [normalize_arxiv_id(entry.arxiv_id)]
            assert find_arxiv_ids(text=line) == expected, (path.name, line)
            assert find_arxiv_ids(urls=_ARXIV_LINK.findall(line)) == expected, (path.name, line)
            entries += 1
    assert entries > 1000


def test_every_arxiv_link_in_the_corpus_resolves_to_a_valid_id(corpus_dir):
    links = [link for _path, text, _post in corpus_posts(corpus_dir) for link in _ARXIV_LINK.findall(text)]
    assert len(links) > 2000
    for link in links:
        [arxiv_id] = find_arxiv_ids(urls=[link])
        assert normalize_arxiv_id(str(arxiv_id)) == arxiv_id


def test_the_ids_found_in_corpus_tweets_are_the_papers_they_are_embedded_under(corpus_dir):
    tweets = found_in = 0
    for path, _text, post in corpus_posts(corpus_dir):
        for entry in post.entries:
            paper = normalize_arxiv_id(entry.arxiv_id).base
            for tweet in entry.tweets:
                urls = [html.unescape(href) for href in _HREF.findall(tweet.text_html)]
                ids = find_arxiv_ids(urls=urls, text=tweet_plain_text(tweet.text_html))
                tweets += 1
                found_in += bool(ids)
                assert {arxiv_id.base for arxiv_id in ids} <= {paper}, (path.name, tweet.tweet_id, ids)
    # The embeds link through t.co, so only the text of arXiv's own bots ("(arXiv:2009.14379v1 [cs.LG])")
    # names ids; every one of them must be the paper.
    assert tweets > 1200 and found_in >= 5
