"""arXiv titles and abstracts as page HTML: MathML for LaTeX, links for URLs, nothing else."""

import pytest

from digests.html import render_arxiv_teaser, render_arxiv_text


def test_latex_becomes_mathml_and_keeps_its_source_for_copying():
    html = render_arxiv_text(r"Bounds on the $\mathrm{QAC}^0$ Complexity and $\frac{a}{b}$")

    assert html.count("<math") == 2
    assert "<msup>" in html and "<mfrac>" in html
    assert r'<annotation encoding="application/x-tex">\mathrm{QAC}^0</annotation>' in html
    assert "$" not in html


def test_operatorname_with_digits_reads_as_one_upright_name():
    html = render_arxiv_text(r"e.g. $\operatorname{bessel0}(x)\approx 1$")

    assert '<mi mathvariant="normal">b</mi>' in html
    assert "<mo></mo>" not in html


def test_latex_the_converter_cannot_read_stays_as_source():
    html = render_arxiv_text(r"A $\begin{unknown}x$ formula")

    assert "$\\begin{unknown}x$" in html and "<math" not in html


def test_urls_become_links_without_the_punctuation_around_them():
    html = render_arxiv_text("Code at https://github.com/a/b. Demo (see https://x.org/p_(q)).")

    assert '<a href="https://github.com/a/b" rel="nofollow noopener noreferrer">https://github.com/a/b</a>.' in html
    assert '<a href="https://x.org/p_(q)" rel="nofollow noopener noreferrer">https://x.org/p_(q)</a>).' in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '$<img src=x onerror="alert(1)">$',
        'javascript:alert(1) <a href="javascript:alert(2)">x</a>',
        "$\\href{javascript:alert(1)}{x}$",
    ],
)
def test_markup_in_arxiv_text_is_never_markup_on_the_page(text):
    html = render_arxiv_text(text)

    assert "<script" not in html and "<img" not in html and '<a href="javascript' not in html
    assert "&lt;" in html or "<math" in html


def test_whitespace_is_collapsed_and_dollars_escaped_stay_dollars():
    assert render_arxiv_text("Costs  \\$5,\n  really") == "Costs \\$5, really"


def test_a_long_abstract_splits_after_a_sentence_outside_formulas():
    sentence = "We study $x^2 + y^2$ in depth and find many things. "
    teaser, rest = render_arxiv_teaser(sentence * 12)

    assert teaser.endswith("things.") and rest.startswith("We study")
    assert teaser.count("<math") + rest.count("<math") == 12
    assert 2 <= teaser.count("things.") <= 8


def test_a_short_abstract_is_not_split():
    teaser, rest = render_arxiv_teaser("Short and sweet.")

    assert teaser == "Short and sweet." and rest == ""


def test_rendering_is_cached_per_text():
    render_arxiv_text.cache_clear()
    render_arxiv_text("Once $a$")
    render_arxiv_text("Once $a$")

    assert render_arxiv_text.cache_info().hits == 1
