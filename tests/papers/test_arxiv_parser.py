from datetime import UTC, datetime

import pytest

from papers.sources.arxiv import (
    ArxivApiError,
    ArxivAuthor,
    ArxivParseError,
    FeedPage,
    OaiError,
    OaiPage,
    parse_api_feed,
    parse_document,
    parse_oai,
    split_author_list,
)
from tests.conftest import FIXTURES_DIR

ARXIV_FIXTURES = FIXTURES_DIR / "arxiv"


def fixture(name: str) -> bytes:
    return (ARXIV_FIXTURES / name).read_bytes()


def by_id(records):
    return {record.arxiv_id: record for record in records}


# The API's Atom feed


def test_a_search_page_gives_its_position_in_the_results_and_its_records_in_order():
    page = parse_api_feed(fixture("api_search_page1.xml"))
    assert (page.total_results, page.start_index, page.items_per_page) == (5, 0, 3)
    assert [record.versioned_id for record in page.records] == ["2007.02005v1", "2008.01036v2", "2008.07912v4"]
    second = parse_api_feed(fixture("api_search_page2.xml"))
    assert (second.total_results, second.start_index) == (5, 3)
    assert [record.versioned_id for record in second.records] == ["2009.03393v1", "2009.04534v3"]


def test_an_entry_keeps_every_field_arxiv_gives():
    record = parse_api_feed(fixture("api_search_page1.xml")).records[2]
    assert record.arxiv_id == "2008.07912"
    assert record.version == 4
    assert record.title == "Inductive logic programming at 30: a new introduction"
    assert record.abstract.startswith("Inductive logic programming (ILP) is a form of machine learning.")
    assert record.authors == [ArxivAuthor("Andrew Cropper"), ArxivAuthor("Sebastijan Dumančić")]
    assert record.comment == "Preprint of a paper in JAIR"
    assert record.journal_ref == "Journal of Artificial Intelligence Research 74 (2022) 765-850"
    assert record.doi == "10.1613/jair.1.13507"
    assert record.license is None
    assert record.published == datetime(2020, 8, 18, 13, 9, 25, tzinfo=UTC)
    assert record.updated == datetime(2022, 1, 13, 10, 34, 46, tzinfo=UTC)


def test_the_primary_category_comes_first_then_cross_lists_without_acm_or_msc_codes():
    records = parse_api_feed(fixture("api_search_page1.xml")).records
    assert records[0].primary_category == "cs.LG"
    assert records[0].categories == ["cs.LG", "cond-mat.dis-nn", "physics.comp-ph"]
    assert records[2].primary_category == "cs.AI"
    assert records[2].categories == ["cs.AI", "cs.LG"]


def test_authors_keep_their_affiliations_in_order():
    smidt, geiger, miller = parse_api_feed(fixture("api_search_page1.xml")).records[0].authors
    assert smidt == ArxivAuthor("Tess E. Smidt", ["Lawrence Berkeley National Laboratory"])
    assert geiger.affiliations == ["EPFL"]
    assert miller.affiliations == ["Lawrence Berkeley National Laboratory", "University of Amsterdam"]


def test_wrapped_titles_and_abstracts_are_kept_as_arxiv_wrote_them():
    records = by_id(parse_api_feed(fixture("api_id_list_classic.xml")).records)
    paper = records["0704.0001"]
    assert paper.title == "Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies"
    assert paper.abstract.startswith("  A fully differential calculation in perturbative quantum chromodynamics is\n")
    assert paper.abstract.endswith("selection of events.\n")
    assert records["hep-th/9711200"].comment == (
        "20 pages, harvmac, v2: section on AdS_2 corrected, references added, v3:\n  more references"
    )


def test_latex_stays_and_entities_are_decoded():
    records = by_id(parse_api_feed(fixture("api_id_list_classic.xml")).records)
    assert records["2007.01409"].abstract == (
        "  For some $\\epsilon > 10^{-36}$ we give a $3/2-\\epsilon$ approximation\n"
        "algorithm for metric TSP & its path version, where $|\\mathcal{E}| < \\infty$.\n"
    )
    assert records["0704.0001"].authors[0].name == "C. Balázs"


def test_old_style_versioned_ids_and_offset_dates_from_the_classic_feed():
    page = parse_api_feed(fixture("api_id_list_classic.xml"))
    assert [(record.arxiv_id, record.version) for record in page.records] == [
        ("hep-th/9711200", 3),
        ("math/0211159", 1),
        ("q-alg/9709040", 1),
        ("0704.0001", 2),
        ("2007.01409", 1),
    ]
    maldacena = page.records[0]
    assert maldacena.published == datetime(1997, 11, 28, 1, 59, 20, tzinfo=UTC)
    assert maldacena.published.tzinfo is UTC
    assert maldacena.authors == [ArxivAuthor("Juan M. Maldacena", ["Harvard University"])]
    assert maldacena.doi == "10.1023/A:1026654312961"
    assert (page.total_results, page.start_index, page.items_per_page) == (5, 0, 5)


def test_a_category_missing_from_todays_taxonomy_is_passed_on():
    records = by_id(parse_api_feed(fixture("api_id_list_classic.xml")).records)
    assert records["q-alg/9709040"].primary_category == "q-alg"
    assert records["q-alg/9709040"].categories == ["q-alg", "math.QA"]
    assert records["math/0211159"].categories == ["math.DG"]
    assert records["2007.01409"].categories == ["cs.DS", "math.CO", "math.PR"]


def test_the_error_feed_raises_an_error_naming_the_bad_id():
    with pytest.raises(ArxivApiError) as excinfo:
        parse_api_feed(fixture("api_error_bad_id.xml"))
    assert excinfo.value.bad_id == "1234.5678"
    assert "incorrect id format for 1234.5678" in str(excinfo.value)


def test_an_empty_feed_is_an_empty_page():
    page = parse_api_feed(fixture("api_empty.xml"))
    assert page == FeedPage(records=[], total_results=0, start_index=0, items_per_page=100)


def test_a_truncated_body_gives_no_records_at_all():
    with pytest.raises(ArxivParseError, match="not complete XML"):
        parse_api_feed(fixture("api_truncated.xml"))


@pytest.mark.parametrize("body", [b"", b"   ", b"Rate exceeded.", b"<html><body>busy</body></html>"])
def test_a_body_that_is_not_a_feed_is_a_parse_error(body):
    with pytest.raises(ArxivParseError):
        parse_api_feed(body)


def test_an_html_error_page_is_reported_as_html():
    with pytest.raises(ArxivParseError, match="HTML page") as excinfo:
        parse_api_feed(fixture("api_unavailable.html"))
    assert "503 Service Unavailable" in str(excinfo.value)


def test_an_oai_document_is_not_an_api_feed():
    with pytest.raises(ArxivParseError, match="expected an arXiv API Atom <feed>, found <OAI-PMH>"):
        parse_api_feed(fixture("oai_list_records_arxiv_1.xml"))


def test_an_entry_without_a_date_fails_the_whole_page():
    body = fixture("api_search_page2.xml").replace(b"<published>2020-09-09T14:38:55Z</published>", b"")
    with pytest.raises(ArxivParseError, match="2009.04534v3 has no <published>"):
        parse_api_feed(body)


def test_a_full_2000_entry_page_parses():
    body = fixture("api_search_page2.xml")
    head, entry = body.split(b"<entry>")[0], body.split(b"<entry>")[1].split(b"</entry>")[0]
    entries = [
        b"<entry>" + entry.replace(b"2009.03393v1", f"2009.{n:05d}v1".encode()) + b"</entry>" for n in range(2000)
    ]
    big = parse_api_feed(head + b"\n".join(entries) + b"</feed>")
    assert len(big.records) == 2000
    assert big.records[-1].arxiv_id == "2009.01999"


# OAI-PMH


def test_oai_list_records_pages_carry_their_resumption_tokens():
    pages = [parse_oai(fixture(f"oai_list_records_arxiv_{n}.xml")) for n in (1, 2, 3)]
    assert [page.resumption_token for page in pages] == ["6960524|3", "6960524|5", None]
    assert [page.cursor for page in pages] == [0, 2, 4]
    assert {page.complete_list_size for page in pages} == {7}
    assert [len(page.records) for page in pages] == [2, 2, 2]
    assert pages[2].deleted_ids == ["2401.13999"]


def test_oai_arxiv_format_fields():
    record = parse_oai(fixture("oai_list_records_arxiv_2.xml")).records[0]
    assert record.arxiv_id == "1303.2033"
    assert record.version is None  # the arXiv format does not say
    assert record.title == "Extended Fourier analysis of signals"
    assert record.authors == [ArxivAuthor("Vilnis Liepins")]
    assert record.primary_category == "cs.DS"
    assert record.categories == ["cs.DS", "cs.IT", "math.IT", "math.NA"]
    assert record.published == datetime(2013, 3, 8, tzinfo=UTC)
    assert record.updated == datetime(2024, 1, 23, tzinfo=UTC)
    assert record.comment == "32 pages, 9 figures"
    assert record.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert record.abstract.startswith("  This summary of the doctoral thesis")
    assert record.abstract.endswith("signal processing.\n")


def test_oai_authors_join_forenames_keyname_and_suffix_and_keep_affiliations():
    records = by_id(parse_oai(fixture("oai_list_records_arxiv_3.xml")).records)
    gates = records["hep-th/0108200"]
    assert gates.authors[0] == ArxivAuthor("S. James Gates Jr", ["University of Maryland"])
    assert gates.journal_ref == "Front.Phys. 58 (1983) 1-548"
    assert gates.abstract.endswith("quantization & background-field methods.\n")
    wrapped = records["2401.14036"]
    assert (
        wrapped.title
        == "Diverse and Lifespan Facial Age Transformation Synthesis with Identity\n  Variation Rationality Metric"
    )
    assert wrapped.doi == "10.1109/TIP.2024.3355678"
    assert wrapped.updated == wrapped.published
    first = parse_oai(fixture("oai_list_records_arxiv_1.xml")).records[1]
    assert first.authors[2] == ArxivAuthor("Nina Tahmasebi", ["University of Gothenburg"])
    assert first.license == "http://creativecommons.org/licenses/by/4.0/"


def test_oai_no_records_match_is_an_empty_last_page():
    assert parse_oai(fixture("oai_no_records_match.xml")) == OaiPage(
        records=[], resumption_token=None, complete_list_size=None, cursor=None
    )


@pytest.mark.parametrize(
    ("name", "code"), [("oai_bad_resumption_token.xml", "badResumptionToken"), ("oai_bad_argument.xml", "badArgument")]
)
def test_other_oai_errors_raise_with_their_code(name, code):
    with pytest.raises(OaiError) as excinfo:
        parse_oai(fixture(name))
    assert excinfo.value.code == code
    assert excinfo.value.message


def test_arxiv_raw_takes_the_latest_version_and_its_date():
    record = parse_oai(fixture("oai_get_record_arxivraw_versions.xml")).records[0]
    assert (record.arxiv_id, record.version) == ("2008.07912", 4)
    assert record.published == datetime(2020, 8, 18, 13, 9, 25, tzinfo=UTC)
    assert record.updated == datetime(2022, 1, 13, 10, 34, 46, tzinfo=UTC)
    assert record.authors == [
        ArxivAuthor("Andrew Cropper", ["University of Oxford"]),
        ArxivAuthor("Sebastijan Dumančić", ["KU Leuven"]),
    ]
    assert record.categories == ["cs.AI", "cs.LG"]
    assert record.doi == "10.1613/jair.1.13507"


def test_a_truncated_oai_page_gives_nothing():
    body = fixture("oai_list_records_arxiv_1.xml")
    with pytest.raises(ArxivParseError, match="OAI-PMH response is not complete XML"):
        parse_oai(body[: body.index(b"</record>") + 200])


def test_an_api_feed_is_not_an_oai_document():
    with pytest.raises(ArxivParseError, match="expected an OAI-PMH document, found <feed>"):
        parse_oai(fixture("api_empty.xml"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Igor A. Zaliznyak and John M. Tranquada", [("Igor A. Zaliznyak", []), ("John M. Tranquada", [])]),
        ("A. One, B. Two, and C. Three", [("A. One", []), ("B. Two", []), ("C. Three", [])]),
        (
            "A. One (MIT, CSAIL), B. Two\n  (CERN) and C. Three",
            [("A. One", ["MIT, CSAIL"]), ("B. Two", ["CERN"]), ("C. Three", [])],
        ),
        ("The ATLAS Collaboration", [("The ATLAS Collaboration", [])]),
    ],
)
def test_arxiv_raw_author_lists_are_split_at_top_level_commas_and_ands(text, expected):
    assert [(author.name, author.affiliations) for author in split_author_list(text)] == expected


# Real samples recorded by others (../shared/reference/arxiv-oai/)


def test_the_real_oai_dc_sample(reference_dir):
    page = parse_oai((reference_dir / "arxiv-oai" / "ListRecords_oai_dc_set_cs.xml").read_bytes())
    assert (page.resumption_token, page.complete_list_size, page.cursor) == ("6960524|1001", 1162, 0)
    assert [record.arxiv_id for record in page.records] == [
        "1303.2033",
        "2401.14034",
        "2401.14036",
        "2401.14038",
        "2401.14040",
    ]
    first = page.records[0]
    assert first.authors == [ArxivAuthor("Vilnis Liepins")]
    assert first.comment == "32 pages, 9 figures"
    assert first.published == datetime(2013, 3, 8, tzinfo=UTC)
    assert first.updated == datetime(2024, 1, 23, tzinfo=UTC)
    assert first.categories == []  # oai_dc names subjects in words, not codes


def test_the_real_arxiv_raw_sample(reference_dir):
    page = parse_oai((reference_dir / "arxiv-oai" / "GetRecord_arXivRaw_1304.4214.xml").read_bytes())
    (record,) = page.records
    assert (record.arxiv_id, record.version) == ("1304.4214", 1)
    assert record.published == datetime(2013, 4, 15, 19, 33, 21, tzinfo=UTC)
    assert [author.name for author in record.authors] == ["Igor A. Zaliznyak", "John M. Tranquada"]
    assert record.comment.startswith('31 pages, chapter for "Strongly Correlated Systems: Experimental\n  Techniques"')
    assert record.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"


# A saved file of either kind


def test_parse_document_recognises_feeds_and_oai_responses():
    assert isinstance(parse_document(fixture("api_search_page1.xml")), FeedPage)
    assert isinstance(parse_document(fixture("oai_list_records_arxiv_1.xml")), OaiPage)
    with pytest.raises(ArxivParseError, match="neither an arXiv API feed nor an OAI-PMH response"):
        parse_document(b"<rss version='2.0'><channel/></rss>")
    with pytest.raises(ArxivParseError, match="HTML page"):
        parse_document(fixture("api_unavailable.html"))
