"""Search: PostgreSQL full text (weighted, ranked, highlighted), its triggers, the icontains fallback, the page."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from papers import search
from papers.models import Author, Authorship, Paper
from papers.search import Criteria, mark_words, matching_papers, search_papers
from papers.services.upsert import PaperRecord, papers_upsert
from tests.papers.factories import AuthorFactory, PaperFactory

pytestmark = pytest.mark.django_db


def found(query, **criteria):
    return [paper.title for paper in search_papers(Paper.objects.all(), Criteria(query=query, **criteria))]


def test_a_title_match_outranks_an_author_match_which_outranks_an_abstract_match():
    PaperFactory(title="Notes on graphs", abstract="We discuss lattices at length.")
    by_author = PaperFactory(title="Unrelated heading", abstract="Nothing here.")
    Authorship.objects.create(paper=by_author, author=AuthorFactory(name="Lattice Person"), position=1)
    PaperFactory(title="Lattice models", abstract="Other words.")

    assert found("lattice") == ["Lattice models", "Unrelated heading", "Notes on graphs"]


def test_words_are_stemmed_and_phrases_or_and_minus_work():
    PaperFactory(title="Training transformers quickly", abstract="")
    PaperFactory(title="A transformer for vision", abstract="")
    PaperFactory(title="Graph neural networks", abstract="")

    assert sorted(found("transformer")) == ["A transformer for vision", "Training transformers quickly"]
    assert found('"graph neural"') == ["Graph neural networks"]
    assert sorted(found("vision or graph")) == ["A transformer for vision", "Graph neural networks"]
    assert found("transformer -vision") == ["Training transformers quickly"]


def test_headlines_mark_the_words_and_escape_everything_else():
    PaperFactory(title="Attention <b>is</b> all", abstract="Self-attention & more: " + "filler words " * 60)

    paper = search.decorate(
        list(search_papers(Paper.objects.all(), Criteria(query="attention"))), Criteria("attention")
    )[0]

    assert str(paper.title_marked) == "<mark>Attention</mark> &lt;b&gt;is&lt;/b&gt; all"
    assert "<mark>attention</mark> &amp; more" in str(paper.snippet_marked)
    assert len(str(paper.snippet_marked)) < 600


@pytest.mark.parametrize("query", ["!!!", "the of and", "((", "'\"", "-"])
def test_nonsense_and_stop_word_queries_find_nothing_without_an_error(query):
    PaperFactory(title="The state of the art")
    assert found(query) == []


def test_category_and_date_filters_narrow_the_results():
    PaperFactory(title="Retrieval A", with_categories=["cs.CL"], published=dt.datetime(2022, 1, 5, tzinfo=dt.UTC))
    PaperFactory(title="Retrieval B", with_categories=["cs.IR"], published=dt.datetime(2022, 1, 5, tzinfo=dt.UTC))
    PaperFactory(title="Retrieval C", with_categories=["cs.CL"], published=dt.datetime(2021, 6, 1, tzinfo=dt.UTC))

    assert sorted(found("retrieval", category="cs.CL")) == ["Retrieval A", "Retrieval C"]
    assert found("retrieval", category="cs.CL", date_from=dt.date(2022, 1, 1)) == ["Retrieval A"]
    assert found("retrieval", date_to=dt.date(2021, 12, 31)) == ["Retrieval C"]
    assert sorted(found("", category="cs.CL")) == ["Retrieval A", "Retrieval C"]


# The index follows every way papers and authors are written.


def test_the_index_follows_orm_writes_author_changes_and_bulk_upserts():
    paper = PaperFactory(title="Quantum walks", abstract="")
    assert found("quantum") == ["Quantum walks"]

    author = AuthorFactory(name="Grace Hopper")
    Authorship.objects.create(paper=paper, author=author, position=1)
    assert found("hopper") == ["Quantum walks"]

    Author.objects.filter(pk=author.pk).update(name="Ada Byron")
    assert found("hopper") == [] and found("byron") == ["Quantum walks"]

    Paper.objects.filter(pk=paper.pk).update(title="Classical walks")
    assert found("quantum") == [] and found("classical") == ["Classical walks"]

    Authorship.objects.filter(paper=paper).delete()
    assert found("byron") == []

    papers_upsert(
        records=[
            PaperRecord(
                arxiv_id="2301.00001",
                title="Bulk copied paper",
                authors=("Zed Zimmer",),
                categories=("cs.LG",),
                abstract="About zebras.",
                version=1,
            )
        ]
    )
    assert found("zimmer") == ["Bulk copied paper"] and found("zebra") == ["Bulk copied paper"]


def test_the_search_column_stays_out_of_ordinary_paper_queries():
    PaperFactory()
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector IS NOT NULL FROM papers_paper")
        assert cursor.fetchone() == (True,)
    assert "search_vector" not in str(Paper.objects.all().query)


# The fallback (SQLite has no full text): every word somewhere, newest first, marked in Python.


def test_the_fallback_needs_every_word_in_a_title_abstract_or_author(monkeypatch):
    monkeypatch.setattr(search, "uses_full_text", lambda: False)
    both = PaperFactory(
        title="Sparse attention", abstract="Long documents.", published=dt.datetime(2022, 1, 2, tzinfo=dt.UTC)
    )
    Authorship.objects.create(
        paper=PaperFactory(title="Sparse codes", abstract=""), author=AuthorFactory(name="Doc Long"), position=1
    )
    PaperFactory(title="Dense attention", abstract="")

    matches = matching_papers(Paper.objects.all(), Criteria(query="sparse long"))

    assert sorted(p.title for p in matches) == ["Sparse attention", "Sparse codes"]
    assert both.title in found("SPARSE long")
    assert list(matching_papers(Paper.objects.all(), Criteria(query="!!!"))) == []


def test_fallback_snippets_mark_words_around_the_first_one():
    text = "intro " * 80 + "the key finding here " + "outro " * 80

    snippet = str(mark_words(text, ["key"], window=120))

    assert "<mark>key</mark>" in snippet and snippet.startswith("… ") and snippet.endswith(" …")
    assert len(snippet) < 200
    assert str(mark_words("<i>x</i> y", ["y"])) == "&lt;i&gt;x&lt;/i&gt; <mark>y</mark>"


# The page


def test_the_search_page_shows_ranked_highlighted_results_with_matching_authors(client):
    paper = PaperFactory(title="Diffusion models beat GANs", with_categories=["cs.LG"])
    Authorship.objects.create(paper=paper, author=AuthorFactory(name="Prafulla Diffusion"), position=1)

    response = client.get(reverse("papers:search"), {"q": "diffusion"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "1 paper for “diffusion”" in html
    assert "<mark>Diffusion</mark> models beat GANs" in html
    assert "<mark>Prafulla Diffusion</mark>" in html
    assert '<meta name="robots" content="noindex, follow">' in html


def test_an_empty_search_shows_the_form_and_no_results(client):
    html = client.get(reverse("papers:search")).content.decode()

    assert 'name="q"' in html and "Type a few words" in html and "results-title" not in html


def test_a_very_long_query_is_refused_with_a_clear_message(client):
    response = client.get(reverse("papers:search"), {"q": "word " * 200})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Please shorten your search to 300 characters or fewer." in html
    assert "results-title" not in html


def test_a_start_date_after_the_end_date_is_refused(client):
    html = client.get(
        reverse("papers:search"), {"q": "x", "date_from": "2022-02-01", "date_to": "2022-01-01"}
    ).content.decode()

    assert "The start date comes after the end date." in html


def test_a_nonsense_query_says_nothing_matched(client):
    PaperFactory(title="Real paper")
    html = client.get(reverse("papers:search"), {"q": "%%% ###"}).content.decode()

    assert "No papers match" in html


def test_search_results_are_paginated_and_page_links_keep_the_query(client):
    for index in range(25):
        PaperFactory(title=f"Robot arm {index}", with_categories=["cs.RO"])

    first = client.get(reverse("papers:search"), {"q": "robot", "category": "cs.RO"})
    second = client.get(reverse("papers:search"), {"q": "robot", "category": "cs.RO", "page": 2})

    assert len(first.context["page_obj"].object_list) == 20 and len(second.context["page_obj"].object_list) == 5
    assert 'href="?q=robot&amp;category=cs.RO&amp;page=2"' in first.content.decode()


@pytest.mark.parametrize("count", [1, 20])
def test_the_search_page_costs_constant_queries(client, django_assert_num_queries, count):
    for _ in range(count):
        PaperFactory(title="Protein folding", with_authors=3, with_categories=["q-bio.BM"])
    # the category choices, the count, the page with ranks and headlines, authorships, categories
    with django_assert_num_queries(5):
        assert client.get(reverse("papers:search"), {"q": "protein"}).status_code == 200
