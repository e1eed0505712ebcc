"""The digest page's data in one SQL statement, and each entry's HTML rendered once per content.

An uncached digest page used to cost nine ORM queries and a template pass over every entry, its
authors, categories and posts, though none of that changes between requests. Here PostgreSQL
returns the digest, its tags, its neighbours and every shown entry as JSON in one statement
(the visibility rules still come from the querysets: DailyDigest.objects.published(),
DigestEntry shown, Tweet visible), and an entry's section is rendered from its JSON text
and kept in this process keyed by that text: an edit to the entry, its paper, an author, a
category or a post changes the text, so the page shows the edit at once; nothing to invalidate.

Each entry's "why" line comes from the ranking's figures stored with it (built or imported).
Other databases (SQLite for `make run`) read the same JSON from the ORM's queries.
"""

import datetime as dt
import functools
import json
import re
import weakref
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.http import Http404
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.safestring import mark_safe

from papers.models import Category, Paper, Tweet, TweetQuerySet
from papers.sql_rules import rule_sql

from .models import DailyDigest, DailyDigestQuerySet, DigestEntry, DigestEntryQuerySet, Tag
from .selectors import (
    ShownAuthor,
    adjacent_digests,
    digest_with_entries,
    entries_with_display_links,
    entries_with_why_lines,
)

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
# entries_with_display_links pairs them. Entries and posts go by their tables' own names, so the
# querysets' rules ({shown_entry}, {visible_post}) apply as Django writes them.
_ENTRY_JSON = """
SELECT json_build_object(
    'position', entry.position, 'retweets', entry.retweets, 'favorites', entry.favorites,
    'measured_at', entry.measured_at, 'score', entry.score, 'post_count', entry.post_count,
    'account_count', entry.account_count, 'sources', entry.sources, 'note', entry.note,
    'title', COALESCE(NULLIF(entry.shown_title, ''), p.title),
    'abstract', COALESCE(NULLIF(entry.shown_abstract, ''), p.abstract), 'paper_id', p.id, 'arxiv_id', p.arxiv_id,
    'authors', CASE WHEN entry.shown_authors IS NULL THEN (
        SELECT json_agg(json_build_array(a.name, a.slug) ORDER BY s.position)
        FROM papers_authorship s JOIN papers_author a ON a.id = s.author_id WHERE s.paper_id = p.id
    ) ELSE (
        SELECT json_agg(json_build_array(n.name, COALESCE(a.slug, '')) ORDER BY n.ord)
        FROM jsonb_array_elements_text(entry.shown_authors) WITH ORDINALITY n(name, ord)
        LEFT JOIN papers_author a ON a.name = n.name
    ) END,
    'categories', CASE WHEN entry.shown_categories IS NULL THEN (
        SELECT json_agg(json_build_array(c.code, c.name) ORDER BY pc.position)
        FROM papers_papercategory pc JOIN papers_category c ON c.id = pc.category_id WHERE pc.paper_id = p.id
    ) ELSE (
        SELECT json_agg(json_build_array(n.code, COALESCE(c.name, '')) ORDER BY n.ord)
        FROM jsonb_array_elements_text(entry.shown_categories) WITH ORDINALITY n(code, ord)
        LEFT JOIN papers_category c ON c.code = n.code
    ) END,
    'posts', (
        SELECT json_agg(json_build_array(
            post.id, post.url, post.author_handle, post.author_name, post.lang, post.text_dir, post.text,
            post.text_html, post.posted_at
        ) ORDER BY link.position)
        FROM digests_digestentrytweet link JOIN papers_tweet post ON post.id = link.tweet_id
        WHERE link.entry_id = entry.id AND {visible_post}
    )
)::text
FROM digests_digestentry entry JOIN papers_paper p ON p.id = entry.paper_id
WHERE entry.digest_id = digest.id AND {shown_entry}
ORDER BY entry.position
"""

# The digest and what surrounds it. {published_digest} and {published_neighbour} are the rule of
# DailyDigest.objects.published(); an editor's preview (include_unpublished) skips it for the digest
# itself, never for its neighbours.
_STATEMENT = """
SELECT {digest_columns},
    (SELECT json_agg(json_build_array(t.name, t.slug) ORDER BY dt.position)::text
     FROM digests_digesttag dt JOIN digests_tag t ON t.id = dt.tag_id WHERE dt.digest_id = digest.id),
    (SELECT json_build_array(neighbour.slug, neighbour.title)::text FROM digests_dailydigest neighbour
     WHERE neighbour.date < digest.date AND {published_neighbour} ORDER BY neighbour.date DESC LIMIT 1),
    (SELECT json_build_array(neighbour.slug, neighbour.title)::text FROM digests_dailydigest neighbour
     WHERE neighbour.date > digest.date AND {published_neighbour} ORDER BY neighbour.date LIMIT 1),
    ARRAY({entries})
FROM digests_dailydigest digest
WHERE digest.slug = %s AND (%s OR {published_digest})
"""
_NOW = object()  # where the statement's parameters take the time of the request


@functools.cache
def _statement():
    """(SQL, parameters with _NOW for the time) of the page's statement, built once per process."""
    shown, shown_params = rule_sql(DigestEntry, DigestEntryQuerySet.shown_q(), "entry")
    visible, visible_params = rule_sql(Tweet, TweetQuerySet.visible_q(), "post")
    if shown_params or visible_params:
        raise ValueError("the entry and post rules are written without parameters")
    # A time no digest is published at stands for the request's, so its places in the parameters are known.
    marker = dt.datetime(1, 1, 1, 0, 0, 1, tzinfo=dt.UTC)
    published = DailyDigestQuerySet.published_q(now=marker)
    neighbour, neighbour_params = rule_sql(DailyDigest, published, "neighbour")
    own, own_params = rule_sql(DailyDigest, published, "digest")
    sql = _STATEMENT.format(
        digest_columns=", ".join(f"digest.{connection.ops.quote_name(column)}" for column in _digest_columns()),
        published_neighbour=neighbour,
        published_digest=own,
        entries=_ENTRY_JSON.format(shown_entry=shown, visible_post=visible).replace("%", "%%"),
    )
    now = [_NOW if value == marker else value for value in neighbour_params]
    return sql, (now, now, [_NOW if value == marker else value for value in own_params])


# Connections (psycopg's, one per database session) on which the statement is prepared: PostgreSQL
# then plans it once per session instead of on every request (planning it cost more than running it).
_PREPARED_ON = weakref.WeakKeyDictionary()
_PREPARED_NAME = "hotpapers_digest_page"


def _prepared(sql, count):
    """EXECUTE of the statement prepared on this session, preparing it first when the session is new.

    The PREPARE goes straight to psycopg, out of Django's query log: it is once per session, not per page.
    A session's prepared statements outlive its transactions, rolled back or not.
    """
    raw = connection.connection
    if raw not in _PREPARED_ON:
        numbered = iter(range(1, count + 1))
        body = re.sub(r"%(%|s)", lambda m: "%" if m.group(1) == "%" else f"${next(numbered)}", sql)
        raw.execute(f"PREPARE {_PREPARED_NAME} AS {body}")
        _PREPARED_ON[raw] = True
    return f"EXECUTE {_PREPARED_NAME}({', '.join(['%s'] * count)})"


def _digest_columns():
    return [field.column for field in DailyDigest._meta.concrete_fields]


def digest_page(*, slug, include_unpublished=False):
    """The published digest `slug` (any digest for an editor's preview) ready to render; 404 if absent."""
    if connection.vendor != "postgresql":
        return _page_from_orm(slug, include_unpublished=include_unpublished)
    sql, (previous_params, next_params, own_params) = _statement()
    now = timezone.now()
    params = [
        *(now if value is _NOW else value for value in (*previous_params, *next_params)),
        slug,
        include_unpublished,
        *(now if value is _NOW else value for value in own_params),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_prepared(sql, len(params)), params)
        row = cursor.fetchone()
    if row is None:
        raise Http404("No digest here")
    fields = [field.attname for field in DailyDigest._meta.concrete_fields]
    columns = len(fields)
    digest = DailyDigest.from_db(connection.alias, fields, row[:columns])
    tags, previous, following, entry_texts = row[columns:]
    return _page(digest, json.loads(tags or "[]"), _neighbour(previous), _neighbour(following), entry_texts)


def _neighbour(text):
    if not text:
        return None
    slug, title = json.loads(text)
    return DailyDigest(slug=slug, title=title)


def _page_from_orm(slug, *, include_unpublished=False):
    """The same JSON from the ORM's queries, for databases the statement above is not written for."""
    digest = digest_with_entries(
        slug=slug, queryset=DailyDigest.objects.all() if include_unpublished else DailyDigest.objects.published()
    )
    tags = [[digest_tag.tag.name, digest_tag.tag.slug] for digest_tag in digest.digest_tags.all()]
    previous, following = adjacent_digests(digest)
    entries = [entry_json(entry) for entry in entries_with_display_links(digest.entries.all())]
    return _page(digest, tags, previous, following, entries)


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


def _page(digest, tags, previous, following, entry_texts):
    entries = []
    for text in entry_texts:
        data = json.loads(text)
        entry = DigestEntry(**{name: data[name] for name in _ENTRY_FIELDS}, paper_id=data["paper_id"])
        # The entry's own title and abstract where it has them, else the paper's: resolved in the query.
        entry.paper = Paper(id=data["paper_id"], arxiv_id=data["arxiv_id"], title=data["title"], abstract="")
        entry.json = text
        entries.append(entry)
    entries_with_why_lines(entries)
    top_score = max((entry.retweets + entry.favorites for entry in entries), default=0)
    for entry in entries:
        html = entry_html(entry.json, entry.why_line, top_score, settings.HOTPAPERS_LOAD_X_WIDGETS, get_script_prefix())
        entry.html = mark_safe(html)  # noqa: S308 (the template's output, escaped as it renders)
    return DigestPage(
        digest=digest,
        tags=[Tag(name=name, slug=tag_slug) for name, tag_slug in tags],
        entries=entries,
        previous=previous,
        next=following,
    )


@functools.lru_cache(maxsize=ENTRY_HTML_CACHE_SIZE)
def entry_html(text, why_line, top_score, load_x_widgets, script_prefix):
    """An entry's section (includes/digest_entry.html) from its JSON, its "why" line and the page's top score.

    The script prefix is part of the key only: the section's links are reversed under it.
    """
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
