import re

import pytest
from django.urls import NoReverseMatch, reverse

from digests.postformat.parser import ARXIV_ID as MARKDOWN_ARXIV_ID
from papers.sources.arxiv import ArxivId, InvalidArxivId, normalize_arxiv_id, parse_id_list
from papers.urls import ArxivIdConverter, WrittenArxivIdConverter
from tests.papers.factories import PaperFactory


@pytest.mark.parametrize(
    ("raw", "base", "version"),
    [
        ("2201.04182", "2201.04182", None),
        ("2201.04182v2", "2201.04182", 2),
        ("  2201.04182v12\n", "2201.04182", 12),
        ("arXiv:2201.04182", "2201.04182", None),
        ("ARXIV:2201.04182v1", "2201.04182", 1),
        ("arXiv: 1501.00001", "1501.00001", None),
        ("0704.0001", "0704.0001", None),
        ("1412.8999v3", "1412.8999", 3),
        ("https://arxiv.org/abs/2201.04182", "2201.04182", None),
        ("http://arxiv.org/abs/2201.04182v3", "2201.04182", 3),
        ("https://export.arxiv.org/abs/2201.04182v1", "2201.04182", 1),
        ("https://www.arxiv.org/pdf/2201.04182v2.pdf", "2201.04182", 2),
        ("https://arxiv.org/pdf/2201.04182", "2201.04182", None),
        ("https://arxiv.org/html/2401.12345v1", "2401.12345", 1),
        ("https://arxiv.org/abs/2201.04182/", "2201.04182", None),
        ("https://arxiv.org/abs/2201.04182?context=cs.LG", "2201.04182", None),
        ("arxiv.org/abs/2201.04182", "2201.04182", None),
        ("hep-th/9901001", "hep-th/9901001", None),
        ("cond-mat/0102536v2", "cond-mat/0102536", 2),
        ("HEP-TH/9901001", "hep-th/9901001", None),
        ("arXiv:hep-th/9711200v3", "hep-th/9711200", 3),
        ("https://arxiv.org/abs/hep-th/9711200v3", "hep-th/9711200", 3),
        ("http://arxiv.org/pdf/cond-mat/0102536v2.pdf", "cond-mat/0102536", 2),
    ],
)
def test_normalize_accepts_every_way_people_write_an_id(raw, base, version):
    assert normalize_arxiv_id(raw) == ArxivId(base=base, version=version)


@pytest.mark.parametrize(
    ("raw", "base"),
    [
        ("math.GT/0309136", "math/0309136"),
        ("math.GT/0309136v1", "math/0309136"),
        ("cond-mat.str-el/0501001", "cond-mat/0501001"),
        ("https://arxiv.org/abs/math.GT/0309136", "math/0309136"),
    ],
)
def test_an_old_style_subject_class_is_dropped_from_the_base_id(raw, base):
    assert normalize_arxiv_id(raw).base == base


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "hello",
        "1234.5678",  # month 34
        "0703.0001",  # new-style numbering began in April 2007
        "1501.0001",  # four digits ended in December 2014
        "1412.00001",  # five digits began in January 2015
        "2201.4182",
        "2201.041821",
        "2201.04182v0",
        "2201.04182V2",
        "2201.04182v",
        "hep-th/9901001x",
        "hep-th/99010011",
        "hep-th/0804001",  # old style ended in March 2007
        "hep-th/9013001",  # month 13
        "hep_th/9901001",
        "9901001",
        "https://example.org/abs/2201.04182",
        "https://arxiv.org/list/cs.LG/recent",
        "doi:10.1145/3406325.3451009",
    ],
)
def test_normalize_rejects_what_is_not_an_arxiv_id(raw):
    with pytest.raises(InvalidArxivId) as excinfo:
        normalize_arxiv_id(raw)
    assert excinfo.value.invalid == [raw]


def test_str_of_an_id_is_the_base_with_its_version():
    assert str(ArxivId("2201.04182", 2)) == "2201.04182v2"
    assert str(ArxivId("hep-th/9901001")) == "hep-th/9901001"
    assert ArxivId("hep-th/9901001").is_old_style
    assert not ArxivId("2201.04182").is_old_style


def test_parse_id_list_splits_on_commas_whitespace_and_newlines():
    text = "2201.04182, arXiv:2201.04183v2\nhttps://arxiv.org/abs/hep-th/9901001\t math.GT/0309136 ,,\n\n"
    assert parse_id_list(text) == [
        ArxivId("2201.04182"),
        ArxivId("2201.04183", 2),
        ArxivId("hep-th/9901001"),
        ArxivId("math/0309136"),
    ]


def test_parse_id_list_drops_repeats_but_keeps_distinct_versions():
    assert parse_id_list("2201.04182 arXiv:2201.04182 2201.04182v2 https://arxiv.org/abs/2201.04182") == [
        ArxivId("2201.04182"),
        ArxivId("2201.04182", 2),
    ]


def test_parse_id_list_names_every_bad_id_at_once():
    with pytest.raises(InvalidArxivId) as excinfo:
        parse_id_list("2201.04182, foo\n1234.5678 hep-th/9901001 2201.04182V2")
    assert excinfo.value.invalid == ["foo", "1234.5678", "2201.04182V2"]
    message = str(excinfo.value)
    assert "'foo'" in message and "'1234.5678'" in message and "'2201.04182V2'" in message
    assert "2201.04182," not in message.split("expected")[0]


def test_parse_id_list_of_nothing_is_empty():
    assert parse_id_list(" \n, ") == []


# One grammar: the URL converter, the Markdown parser and the normaliser are built from ids.py

WRITTEN = [
    "2201.04182",
    "2201.04182v2",
    "0706.0001v13",
    "hep-th/9901001",
    "math.GT/0309136v2",
    "cond-mat.str-el/0501001",
]


@pytest.mark.parametrize("raw", WRITTEN)
def test_the_url_converter_takes_the_base_id_the_normaliser_gives_and_nothing_longer(raw):
    base = normalize_arxiv_id(raw).base
    assert re.fullmatch(ArxivIdConverter.regex, base)
    assert (re.fullmatch(ArxivIdConverter.regex, raw) is not None) == (raw == base)
    assert re.fullmatch(WrittenArxivIdConverter.regex, raw)
    assert WrittenArxivIdConverter().to_python(raw) == base


@pytest.mark.parametrize("raw", WRITTEN)
def test_the_markdown_parser_takes_every_id_as_written(raw):
    assert MARKDOWN_ARXIV_ID.fullmatch(raw)


@pytest.mark.parametrize("raw", ["2201.041821", "2201.04182v0", "2201.04182V2", "hep_th/9901001", "9901001"])
def test_the_markdown_parser_and_the_normaliser_refuse_the_same_shapes(raw):
    assert not MARKDOWN_ARXIV_ID.fullmatch(raw)
    with pytest.raises(InvalidArxivId):
        normalize_arxiv_id(raw)


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/papers/2201.04182v2/", "/papers/2201.04182/"),
        ("/papers/hep-th/9901001v3/", "/papers/hep-th/9901001/"),
        ("/papers/math.GT/0309136/", "/papers/math/0309136/"),
        ("/papers/math.GT/0309136v1/?ref=x", "/papers/math/0309136/?ref=x"),
    ],
)
def test_a_paper_url_with_a_version_or_subject_class_redirects_to_the_canonical_one(client, path, target):
    response = client.get(path)
    assert (response.status_code, response.url) == (301, target)


@pytest.mark.django_db
def test_the_redirect_lands_on_the_paper(client):
    PaperFactory(arxiv_id="2201.04182", title="Landed")
    response = client.get("/papers/2201.04182v2/", follow=True)
    assert response.redirect_chain == [("/papers/2201.04182/", 301)]
    assert response.status_code == 200 and response.context["paper"].title == "Landed"


@pytest.mark.parametrize("path", ["/papers/2213.04182/", "/papers/2213.04182v2/", "/papers/1501.0001/", "/papers/x/1/"])
def test_a_paper_url_with_an_id_arxiv_never_issued_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_links_to_a_paper_are_built_from_the_base_id_only():
    assert reverse("papers:paper-detail", args=["math/0309136"]) == "/papers/math/0309136/"
    with pytest.raises(NoReverseMatch):
        reverse("papers:paper-detail", args=["2201.04182v2"])
