"""The papers app's sections of a backup: categories, authors, papers, and posts with their counter history.

A paper names its categories (in arXiv's order) and authors (in the paper's order) by code and name;
a post names its papers by arXiv id and carries its snapshots. Every column is kept, timestamps too.
"""

from django.db.models import Prefetch, Q

from papers.models import Author, Authorship, Category, Paper, PaperCategory, Tweet, TweetMetrics

from .backup_format import (
    BackupError,
    Section,
    check_keys,
    dump_fields,
    load_fields,
    load_list,
)
from .backup_rows import replace_rows, stored_ids, upsert_rows
from .posts_rows import one_of

CATEGORY_FIELDS = ("code", "name", "group", "in_taxonomy")
AUTHOR_FIELDS = ("name", "slug")
PAPER_COLUMNS = (
    "arxiv_id",
    "version",
    "title",
    "abstract",
    "published",
    "updated",
    "announced_on",
    "comment",
    "journal_ref",
    "doi",
    "created_at",
    "modified_at",
)
PAPER_FIELDS = (*PAPER_COLUMNS, "primary_category", "categories", "authors")
POST_COLUMNS = (
    "source",
    "external_id",
    "learned_via",
    "url",
    "author_id",
    "author_handle",
    "author_name",
    "lang",
    "text_dir",
    "text",
    "text_html",
    "posted_at",
    "quoted_id",
    "reply_to_id",
    "links",
    "link_status",
    "pending_arxiv_ids",
    "unknown_arxiv_ids",
    "oembed_html",
    "oembed_fetched_at",
    "oembed_error",
    "retweets",
    "likes",
    "replies",
    "quotes",
    "metrics_at",
    "is_hidden",
    "created_at",
)
POST_FIELDS = (*POST_COLUMNS, "papers", "metrics")
METRICS_FIELDS = ("measured_at", "retweets", "likes", "replies", "quotes")


def _claim(known, kind, key, what="key"):
    if key in known[kind]:
        raise BackupError(f"a second record with the same {what}")
    known[kind].add(key)


def _refer(known, kind, key, *, field):
    if key not in known[kind]:
        shown = ":".join(key)
        raise BackupError(f"field {field!r} names {kind} {shown!r}, which the file does not hold (before this line)")


# --- categories and authors --------------------------------------------------------------------


def _export_categories(keys=None):
    rows = Category.objects.order_by("code")
    if keys is not None:
        rows = rows.filter(code__in=one_of(key for (key,) in keys))
    for category in rows.iterator(chunk_size=1000):
        yield dump_fields(category, CATEGORY_FIELDS)


def _load_category(record, known):
    check_keys(record, CATEGORY_FIELDS)
    values = load_fields(Category, record, CATEGORY_FIELDS)
    key = (values["code"],)
    _claim(known, "category", key, "code")
    return key, values


def _restore_categories(values):
    upsert_rows(Category, key=("code",), rows=values)


def _export_authors(keys=None):
    rows = Author.objects.order_by("name")
    if keys is not None:
        rows = rows.filter(name__in=one_of(key for (key,) in keys))
    for author in rows.iterator(chunk_size=2000):
        yield dump_fields(author, AUTHOR_FIELDS)


def _load_author(record, known):
    check_keys(record, AUTHOR_FIELDS)
    values = load_fields(Author, record, AUTHOR_FIELDS)
    key = (values["name"],)
    _claim(known, "author", key, "name")
    _claim(known, "author.slug", (values["slug"],), "slug")
    return key, values


def _restore_authors(values):
    upsert_rows(Author, key=("name",), rows=values)


# --- papers -------------------------------------------------------------------------------------


def _export_papers(keys=None):
    rows = (
        Paper.objects.order_by("arxiv_id")
        .select_related("primary_category")
        .prefetch_related(
            Prefetch("paper_categories", PaperCategory.objects.select_related("category").order_by("position")),
            Prefetch("authorships", Authorship.objects.select_related("author").order_by("position")),
        )
    )
    if keys is not None:
        rows = rows.filter(arxiv_id__in=one_of(key for (key,) in keys))
    for paper in rows.iterator(chunk_size=1000):
        record = dump_fields(paper, PAPER_COLUMNS)
        record["primary_category"] = paper.primary_category.code if paper.primary_category else None
        record["categories"] = [link.category.code for link in paper.paper_categories.all()]
        record["authors"] = [link.author.name for link in paper.authorships.all()]
        yield record


def _load_paper(record, known):
    check_keys(record, PAPER_FIELDS)
    values = load_fields(Paper, record, PAPER_COLUMNS)
    key = (values["arxiv_id"],)
    primary = record["primary_category"]
    if primary is not None:
        if not isinstance(primary, str):
            raise BackupError(f"field 'primary_category' must be a category code or null, not {primary!r}")
        _refer(known, "category", (primary,), field="primary_category")
    categories = load_list(record, "categories")
    if len(set(categories)) != len(categories):
        raise BackupError("field 'categories' names a category twice")
    for code in categories:
        _refer(known, "category", (code,), field="categories")
    authors = load_list(record, "authors")
    for name in authors:
        _refer(known, "author", (name,), field="authors")
    _claim(known, "paper", key, "arxiv_id")
    return key, (values, primary, categories, authors)


def _restore_papers(loaded):
    codes = {(code,) for _, primary, categories, _ in loaded for code in [*categories, primary] if code}
    names = {(name,) for *_, authors in loaded for name in authors}
    category_ids = stored_ids(Category, key=("code",), keys=codes)
    author_ids = stored_ids(Author, key=("name",), keys=names)
    rows = [
        {**values, "primary_category_id": category_ids[(primary,)] if primary else None}
        for values, primary, _, _ in loaded
    ]
    paper_ids = upsert_rows(Paper, key=("arxiv_id",), rows=rows)
    ids = [paper_ids[(values["arxiv_id"],)] for values, *_ in loaded]
    replace_rows(
        PaperCategory,
        owner="paper_id",
        owner_ids=ids,
        rows=[
            {"paper_id": paper_id, "category_id": category_ids[(code,)], "position": position}
            for paper_id, (_, _, categories, _) in zip(ids, loaded, strict=True)
            for position, code in enumerate(categories, start=1)
        ],
    )
    replace_rows(
        Authorship,
        owner="paper_id",
        owner_ids=ids,
        rows=[
            {"paper_id": paper_id, "author_id": author_ids[(name,)], "position": position}
            for paper_id, (*_, authors) in zip(ids, loaded, strict=True)
            for position, name in enumerate(authors, start=1)
        ],
    )


# --- posts --------------------------------------------------------------------------------------


def posts_q(keys):
    """The posts whose (source, post id) is one of `keys`."""
    by_source = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    where = Q(pk__in=[])
    for source, external_ids in by_source.items():
        where |= Q(source=source, external_id__in=one_of(external_ids))
    return where


def _export_posts(keys=None):
    rows = Tweet.objects.order_by("source", "external_id").prefetch_related(
        Prefetch("papers", Paper.objects.only("arxiv_id")),
        Prefetch("metrics", TweetMetrics.objects.order_by("measured_at")),
    )
    if keys is not None:
        rows = rows.filter(posts_q(keys))
    for post in rows.iterator(chunk_size=1000):
        record = dump_fields(post, POST_COLUMNS)
        record["papers"] = sorted(paper.arxiv_id for paper in post.papers.all())
        record["metrics"] = [dump_fields(snapshot, METRICS_FIELDS) for snapshot in post.metrics.all()]
        yield record


def _load_post(record, known):
    check_keys(record, POST_FIELDS)
    values = load_fields(Tweet, record, POST_COLUMNS)
    if values["text_dir"] not in ("ltr", "rtl"):
        raise BackupError(f"field 'text_dir' is {values['text_dir']!r}: expected ltr or rtl")
    papers = load_list(record, "papers")
    for arxiv_id in papers:
        _refer(known, "paper", (arxiv_id,), field="papers")
    if not isinstance(record["metrics"], list):
        raise BackupError("field 'metrics' must be a list of snapshots")
    snapshots, times = [], set()
    for number, snapshot in enumerate(record["metrics"], start=1):
        if not isinstance(snapshot, dict):
            raise BackupError(f"metrics snapshot {number} must be an object")
        try:
            check_keys(snapshot, METRICS_FIELDS)
            loaded = load_fields(TweetMetrics, snapshot, METRICS_FIELDS)
        except BackupError as error:
            raise BackupError(f"metrics snapshot {number}: {error}") from None
        if loaded["measured_at"] in times:
            raise BackupError(f"metrics snapshot {number}: a second snapshot at {snapshot['measured_at']}")
        times.add(loaded["measured_at"])
        snapshots.append(loaded)
    key = (values["source"], values["external_id"])
    _claim(known, "post", key, "source and post id")
    return key, (values, set(papers), snapshots)


def _restore_posts(loaded):
    wanted = {(arxiv_id,) for _, papers, _ in loaded for arxiv_id in papers}
    paper_ids = stored_ids(Paper, key=("arxiv_id",), keys=wanted)
    post_ids = upsert_rows(Tweet, key=("source", "external_id"), rows=[values for values, _, _ in loaded])
    ids = [post_ids[(values["source"], values["external_id"])] for values, _, _ in loaded]
    replace_rows(
        Tweet.papers.through,
        owner="tweet_id",
        owner_ids=ids,
        rows=[
            {"tweet_id": post_id, "paper_id": paper_ids[(arxiv_id,)]}
            for post_id, (_, papers, _) in zip(ids, loaded, strict=True)
            for arxiv_id in sorted(papers)
        ],
    )
    # Snapshots are history: a merge adds the file's and keeps any taken since the backup.
    upsert_rows(
        TweetMetrics,
        key=("tweet_id", "measured_at"),
        rows=[
            {"tweet_id": post_id, **snapshot}
            for post_id, (_, _, snapshots) in zip(ids, loaded, strict=True)
            for snapshot in snapshots
        ],
    )


SECTIONS = (
    Section("category", ("code",), _export_categories, _load_category, _restore_categories),
    Section("author", ("name",), _export_authors, _load_author, _restore_authors, chunk_size=2000),
    Section("paper", ("arxiv_id",), _export_papers, _load_paper, _restore_papers),
    Section("post", ("source", "external_id"), _export_posts, _load_post, _restore_posts),
)
