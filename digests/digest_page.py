"""The digest page's data in one SQL statement, and each entry's HTML rendered once per content.

An uncached digest page used to cost nine ORM queries and a template pass over every entry, its
authors, categories and posts, though none of that changes between requests. Here PostgreSQL
returns the digest, its tags, its neighbours and every shown entry as JSON in one statement
(the visibility rules still come from the querysets: DailyDigest.objects.published(),
DigestEntry shown, Tweet visible), and an entry's section is rendered from its JSON text
and kept in this process keyed by that text: an edit to the entry, its paper, an author, a
category or a post changes the text, so the page shows the edit at once; nothing to invalidate.

Entries imported from a Markdown post keep their "why" line as the ranking counts it when the
digest was built (digests.selectors.entries_with_why_lines: one query more for those pages).
Other databases (SQLite for `make run`) read the same JSON from the ORM's queries.
"""

import datetime as dt
import functools
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONObject
from django.http import Http404
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from papers.models import Category, Paper, Tweet

from .models import DailyDigest, DigestEntry, Tag
from .selectors import ShownAuthor, digest_with_entries, entries_with_display_links, entries_with_why_lines

# Rendered entry sections kept per process (a digest has at most 30; a few KB each).
ENTRY_HTML_CACHE_SIZE = 2048


@dataclass(frozen=True)
class DigestPage:
    digest: DailyDigest
    tags: list  # Tag, in the digest's order
    entries: list  # DigestEntry with `html`, its rendered section; `paper` carries arxiv_id and title
    previous: DailyDigest | None  # slug and title only
    next: DailyDigest | None


# One shown entry as JSON: what its section shows and nothing else. Snapshot author names and
# category codes are paired with the Author and Category rows of that name or code, as
# entries_with_display_links pairs them.
_ENTRY_JSON = """
SELECT json_build_object(
    'position', e.position, 'retweets', e.retweets, 'favorites', e.favorites, 'measured_at', e.measured_at,
    'score', e.score, 'post_count', e.post_count, 'account_count', e.account_count, 'sources', e.sources,
    'note', e.note, 'title', COALESCE(NULLIF(e.shown_title, ''), p.title),
    'abstract', COALESCE(NULLIF(e.shown_abstract, ''), p.abstract), 'paper_id', p.id, 'arxiv_id', p.arxiv_id,
    'authors', CASE WHEN e.shown_authors IS NULL THEN (
        SELECT json_agg(json_build_array(a.name, a.slug) ORDER BY s.position)
        FROM papers_authorship s JOIN papers_author a ON a.id = s.author_id WHERE s.paper_id = p.id
    ) ELSE (
        SELECT json_agg(json_build_array(n.name, COALESCE(a.slug, '')) ORDER BY n.ord)
        FROM jsonb_array_elements_text(e.shown_authors) WITH ORDINALITY n(name, ord)
        LEFT JOIN papers_author a ON a.name = n.name
    ) END,
    'categories', CASE WHEN e.shown_categories IS NULL THEN (
        SELECT json_agg(json_build_array(c.code, c.name) ORDER BY pc.position)
        FROM papers_papercategory pc JOIN papers_category c ON c.id = pc.category_id WHERE pc.paper_id = p.id
    ) ELSE (
        SELECT json_agg(json_build_array(n.code, COALESCE(c.name, '')) ORDER BY n.ord)
        FROM jsonb_array_elements_text(e.shown_categories) WITH ORDINALITY n(code, ord)
        LEFT JOIN papers_category c ON c.code = n.code
    ) END,
    'posts', (
        SELECT json_agg(json_build_array(
            t.id, t.url, t.author_handle, t.author_name, t.lang, t.text_dir, t.text, t.text_html, t.posted_at
        ) ORDER BY et.position)
        FROM digests_digestentrytweet et JOIN papers_tweet t ON t.id = et.tweet_id
        WHERE et.entry_id = e.id AND t.id IN ({visible_posts})
    )
)::text
FROM digests_digestentry e JOIN papers_paper p ON p.id = e.paper_id
WHERE e.digest_id = "digests_dailydigest"."id" AND e.id IN ({shown_entries})
ORDER BY e.position
"""

_TAGS_JSON = """
SELECT json_agg(json_build_array(t.name, t.slug) ORDER BY dt.position)::text
FROM digests_digesttag dt JOIN digests_tag t ON t.id = dt.tag_id WHERE dt.digest_id = "digests_dailydigest"."id"
"""


def _sql(queryset):
    return queryset.query.sql_with_params()


@functools.cache
def _rule_sql():
    """The shown-entry and visible-post rules as SQL (no parameters: they are constants)."""
    shown, shown_params = _sql(DigestEntry.objects.shown().order_by().values("id"))
    visible, visible_params = _sql(Tweet.objects.visible().order_by().values("id"))
    return shown, list(shown_params), visible, list(visible_params)


def _neighbour(*, before):
    published = DailyDigest.objects.published().order_by("-date" if before else "date")
    published = published.filter(**{"date__lt" if before else "date__gt": OuterRef("date")})
    return Subquery(published.values(json=JSONObject(slug="slug", title="title"))[:1])


def digest_page(*, slug, queryset=None):
    """The digest `slug` among `queryset` (default: the published ones) ready to render; 404 if absent."""
    queryset = _page_queryset(slug, DailyDigest.objects.published() if queryset is None else queryset)
    if connection.vendor != "postgresql":
        return _page_from_orm(slug, queryset)
    shown, shown_params, visible, visible_params = _rule_sql()
    entries_sql = _ENTRY_JSON.format(shown_entries=shown, visible_posts=visible)
    queryset = queryset.annotate(
        tags_json=RawSQL(_TAGS_JSON, []),
        entry_texts=RawSQL(f"ARRAY({entries_sql})", [*visible_params, *shown_params]),
    )
    digest = queryset.first()
    if digest is None:
        raise Http404("No digest here")
    return _page(digest, json.loads(digest.tags_json or "[]"), digest.entry_texts)


def _page_queryset(slug, queryset):
    return queryset.filter(slug=slug).annotate(previous=_neighbour(before=True), next=_neighbour(before=False))


def _page_from_orm(slug, queryset):
    """The same JSON from the ORM's queries, for databases the statement above is not written for."""
    digest = digest_with_entries(slug=slug, queryset=queryset)
    tags = [[digest_tag.tag.name, digest_tag.tag.slug] for digest_tag in digest.digest_tags.all()]
    return _page(digest, tags, [entry_json(entry) for entry in entries_with_display_links(digest.entries.all())])


def entry_json(entry):
    """An entry (prefetched as digest_with_entries does, given display links) as the statement writes it."""
    return json.dumps(
        {
            **{name: getattr(entry, name) for name in _ENTRY_FIELDS},
            "measured_at": entry.measured_at.isoformat() if entry.measured_at else None,
            "title": entry.title,
            "abstract": entry.abstract,
            "paper_id": entry.paper_id,
            "arxiv_id": entry.paper.arxiv_id,
            "authors": [[author.name, author.slug] for author in entry.shown_author_links] or None,
            "categories": [[category.code, category.name] for category in entry.shown_category_links] or None,
            "posts": [
                [link.tweet_id, *(getattr(link.tweet, name) for name in _POST_FIELDS[1:-1]), _iso(link.tweet.posted_at)]
                for link in entry.entry_tweets.all()
            ]
            or None,
        }
    )


_ENTRY_FIELDS = ("position", "retweets", "favorites", "score", "post_count", "account_count", "sources", "note")
_POST_FIELDS = ("id", "url", "author_handle", "author_name", "lang", "text_dir", "text", "text_html", "posted_at")


def _iso(value):
    return value.isoformat() if value else None


def _datetime(text):
    return dt.datetime.fromisoformat(text) if text else None


def _page(digest, tags, entry_texts):
    entries = []
    for text in entry_texts:
        data = json.loads(text)
        entry = DigestEntry(**{name: data[name] for name in _ENTRY_FIELDS}, paper_id=data["paper_id"])
        # The entry's own title and abstract where it has them, else the paper's: resolved in the query.
        entry.paper = Paper(id=data["paper_id"], arxiv_id=data["arxiv_id"], title=data["title"], abstract="")
        entry.json = text
        entries.append(entry)
    entries_with_why_lines(entries, digest=digest)
    top_score = max((entry.retweets + entry.favorites for entry in entries), default=0)
    for entry in entries:
        html = entry_html(entry.json, entry.why_line, top_score, settings.HOTPAPERS_LOAD_X_WIDGETS)
        entry.html = mark_safe(html)  # noqa: S308 (the template's output, escaped as it renders)
    return DigestPage(
        digest=digest,
        tags=[Tag(name=name, slug=tag_slug) for name, tag_slug in tags],
        entries=entries,
        previous=DailyDigest(**digest.previous) if digest.previous else None,
        next=DailyDigest(**digest.next) if digest.next else None,
    )


@functools.lru_cache(maxsize=ENTRY_HTML_CACHE_SIZE)
def entry_html(text, why_line, top_score, load_x_widgets):
    """An entry's section (includes/digest_entry.html) from its JSON, its "why" line and the page's top score."""
    data = json.loads(text)
    entry = DigestEntry(
        **{name: data[name] for name in _ENTRY_FIELDS},
        paper_id=data["paper_id"],
        measured_at=_datetime(data["measured_at"]),
    )
    entry.paper = Paper(id=data["paper_id"], arxiv_id=data["arxiv_id"], title=data["title"], abstract=data["abstract"])
    entry.why_line = why_line
    entry.shown_author_links = [ShownAuthor(name, slug or "") for name, slug in data["authors"] or ()]
    entry.shown_category_links = [Category(code=code, name=name or "") for code, name in data["categories"] or ()]
    posts = {}
    for row in data["posts"] or ():
        post = Tweet(**dict(zip(_POST_FIELDS, row, strict=True)))
        post.posted_at = _datetime(row[-1])
        posts.setdefault(post.id, post)  # a post embedded twice in one entry (an old generator's quirk) shows once
    entry.posts = list(posts.values())
    return get_template("includes/digest_entry.html").render(
        {"entry": entry, "top_score": top_score, "load_x_widgets": load_x_widgets}
    )
