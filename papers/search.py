"""Full-text search over papers: titles, author names and abstracts.

PostgreSQL: a `search_vector` column on papers_paper (title weight A, author names B, abstract C),
kept up to date by triggers (migration 0009) and indexed with GIN; queries use
websearch_to_tsquery (quotes, OR, -word: never a syntax error), SearchRank and SearchHeadline.
The column is not a model field, so no page but search ever reads its bytes.
SQLite (`make run`): every word must appear in a title, an abstract or an author's name
(icontains), newest first, with the words marked in a snippet cut around the first of them.
Dates filter on the day arXiv announced the paper (`announced_on`).
"""

import dataclasses
import re
from html import escape

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import Expression, F, Q
from django.utils.safestring import mark_safe

from .models import Authorship, PaperCategory
from .selectors import NEWEST

CONFIG = "english"
MAX_QUERY_LENGTH = 300
SNIPPET_WORDS = 40
_START, _STOP = "\x02", "\x03"  # headline markers: the text is escaped first, then they become <mark>


class SearchVectorColumn(Expression):
    """papers_paper.search_vector of the query's own Paper table, whatever alias it has (U0 in subqueries)."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name_unless_alias(alias)}.{connection.ops.quote_name('search_vector')}", []


@dataclasses.dataclass(frozen=True)
class Criteria:
    """What a reader asked for; every part optional."""

    query: str = ""
    category: str = ""
    date_from: object = None
    date_to: object = None

    @property
    def is_empty(self):
        return not (self.query or self.category or self.date_from or self.date_to)


def uses_full_text():
    return connection.vendor == "postgresql"


def _filtered(queryset, criteria):
    if criteria.category:
        in_category = PaperCategory.objects.filter(category__code=criteria.category)
        queryset = queryset.filter(pk__in=in_category.values("paper"))
    if criteria.date_from:
        queryset = queryset.filter(announced_on__gte=criteria.date_from)
    if criteria.date_to:
        queryset = queryset.filter(announced_on__lte=criteria.date_to)
    return queryset


def _words(query):
    return [word for word in re.findall(r"\w[\w'-]*", query) if word]


def matching_papers(queryset, criteria):
    """The papers matching the criteria, unordered and unannotated (for feeds and counts)."""
    queryset = _filtered(queryset, criteria)
    if not criteria.query:
        return queryset
    if uses_full_text():
        return queryset.alias(document=SearchVectorColumn()).filter(
            document=SearchQuery(criteria.query, search_type="websearch", config=CONFIG)
        )
    for word in _words(criteria.query):
        queryset = queryset.filter(
            Q(title__icontains=word)
            | Q(abstract__icontains=word)
            | Q(pk__in=Authorship.objects.filter(author__name__icontains=word).values("paper"))
        )
    return queryset if _words(criteria.query) else queryset.none()


def search_papers(queryset, criteria):
    """Matching papers, best first, each with `title_marked` and `snippet_marked` HTML (PostgreSQL headlines)."""
    matches = matching_papers(queryset, criteria)
    if not criteria.query or not uses_full_text():
        return matches.order_by(*NEWEST)
    query = SearchQuery(criteria.query, search_type="websearch", config=CONFIG)
    markers = {"start_sel": _START, "stop_sel": _STOP, "config": CONFIG}
    return matches.annotate(
        rank=SearchRank(F("document"), query),
        title_headline=SearchHeadline("title", query, highlight_all=True, **markers),
        abstract_headline=SearchHeadline(
            "abstract",
            query,
            max_words=SNIPPET_WORDS,
            min_words=SNIPPET_WORDS // 2,
            max_fragments=2,
            fragment_delimiter=" … ",
            **markers,
        ),
    ).order_by("-rank", *NEWEST)


def marked(text):
    """Headline text with its markers as <mark>, everything else escaped."""
    html = escape(" ".join((text or "").split()))
    return mark_safe(html.replace(_START, "<mark>").replace(_STOP, "</mark>"))


def mark_words(text, words, *, window=None):
    """Text escaped with the given words in <mark>; with `window`, cut to about that many characters around
    the first word found (the SQLite stand-in for SearchHeadline)."""
    text = " ".join((text or "").split())
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    pattern = re.compile(alternatives, re.I) if words else None
    if window and len(text) > window:
        first = pattern.search(text) if pattern else None
        start = max(0, (first.start() if first else 0) - window // 3)
        start = text.rfind(" ", 0, start) + 1 if start else 0
        end = text.find(" ", start + window)
        text = ("… " if start else "") + text[start : end if end != -1 else len(text)] + (" …" if end != -1 else "")
    if not pattern:
        return mark_safe(escape(text))
    html, position = [], 0
    for match in pattern.finditer(text):
        html.append(escape(text[position : match.start()]))
        html.append(f"<mark>{escape(match.group(0))}</mark>")
        position = match.end()
    html.append(escape(text[position:]))
    return mark_safe("".join(html))


def decorate(papers, criteria):
    """Give each paper of a results page `title_marked`, `snippet_marked` and `authors_marked` flags."""
    words = _words(criteria.query)
    lowered = [word.lower() for word in words]
    for paper in papers:
        if hasattr(paper, "title_headline"):
            paper.title_marked = marked(paper.title_headline)
            paper.snippet_marked = marked(paper.abstract_headline)
        else:
            paper.title_marked = mark_words(paper.title, words)
            paper.snippet_marked = mark_words(paper.abstract, words, window=SNIPPET_WORDS * 7)
        for authorship in paper.authorships.all():
            name = authorship.author.name.lower()
            authorship.matched = any(word in name for word in lowered)
    return papers
