"""Papers stored in bulk and idempotently, whatever source they come from."""

import dataclasses
import datetime as dt

from django.db import transaction
from django.utils import timezone

from papers.announcements import announced_on_for
from papers.models import Author, Authorship, Category, Paper, PaperCategory
from papers.page_cache import page_cache_bump
from papers.signals import paper_metadata_changing

from .bulk import insert_rows, inserts_may_race
from .catalog import authors_for_names, categories_for_codes


@dataclasses.dataclass(frozen=True)
class PaperRecord:
    """A paper's metadata as a source gives it, before it touches the database."""

    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]  # primary first
    abstract: str = ""
    version: int | None = None
    published: dt.datetime | None = None
    updated: dt.datetime | None = None
    comment: str = ""
    journal_ref: str = ""
    doi: str = ""
    announced_on: dt.date | None = None  # the arXiv listing's date, when the source gives it


@dataclasses.dataclass
class UpsertResult:
    created: list[str] = dataclasses.field(default_factory=list)
    updated: list[str] = dataclasses.field(default_factory=list)
    unchanged: list[str] = dataclasses.field(default_factory=list)
    paper_ids: dict[str, int] = dataclasses.field(default_factory=dict)  # arxiv_id -> pk, every record


# The one unique key two jobs storing the same new paper at once can both insert (the name PostgreSQL
# gives Paper.arxiv_id's UNIQUE). The rows are locked in order before deciding, so updates never race;
# authors and categories are inserted with ON CONFLICT DO NOTHING (catalog.py), so they never clash.
RACING_CONSTRAINTS = frozenset({"papers_paper_arxiv_id_key"})

_SCALAR_FIELDS = ("version", "title", "abstract", "published", "updated", "comment", "journal_ref", "doi")


def _newest_per_id(records):
    newest = {}
    for record in records:
        current = newest.get(record.arxiv_id)
        if current is None or (record.version or 0) > (current.version or 0):
            newest[record.arxiv_id] = record
    return newest


def _announced_on(record):
    """The listing a record's paper belongs to: the source's date, else arXiv's schedule from version 1."""
    if record.announced_on is not None:
        return record.announced_on
    return announced_on_for(record.published) if record.published is not None else None


def _is_newer(record, paper):
    """Whether a record replaces a stored paper: a later version, else a later arXiv update time."""
    if record.version is not None:
        # A paper without a version came from a source that is no authority (a Markdown post).
        return paper.version is None or record.version > paper.version
    return record.updated is not None and (paper.updated is None or record.updated > paper.updated)


class PaperRecordError(ValueError):
    """A record the database cannot hold as it is (a name or code longer than its column); nothing is written."""


def _check_lengths(records):
    """Refuse, before any write, what would otherwise fail half-way in PostgreSQL (a DataError, a 500)."""
    limits = (
        ("author name", "authors", Author._meta.get_field("name").max_length),
        ("category code", "categories", Category._meta.get_field("code").max_length),
    )
    for record in records:
        for what, attribute, limit in limits:
            for value in getattr(record, attribute):
                if len(value) > limit:
                    raise PaperRecordError(
                        f"{record.arxiv_id}: the {what} is longer than {limit} characters: {value[:40]!r}…"
                    )
        if record.doi and len(record.doi) > Paper._meta.get_field("doi").max_length:
            raise PaperRecordError(f"{record.arxiv_id}: the DOI is longer than the column allows: {record.doi[:40]!r}…")


def papers_upsert(*, records, update_existing=True):
    """Create unknown papers and update those a newer version replaces; the rest stay as they are.

    Runs a fixed number of queries whatever the number of records. With update_existing=False
    existing papers are never changed (for sources that are not an authority on metadata).
    A concurrent job that inserts one of the same new papers first makes this raise
    ConcurrentInsert (nothing written): run it again and it finds the paper stored.
    A new paper's announced_on is the record's, else derived from its version-1 time; an update
    fills it only when it is still empty, never replacing a stored date (an editor may have set it).
    """
    newest = _newest_per_id(records)
    result = UpsertResult()
    if not newest:
        return result
    _check_lengths(newest.values())
    with transaction.atomic():
        # Only what deciding needs (abstracts are most of a page's bytes), locked in a stable order so
        # two overlapping jobs cannot both decide to write, and the older version win.
        existing = {
            paper.arxiv_id: paper
            for paper in Paper.objects.select_for_update()
            .only("arxiv_id", "version", "updated", "announced_on")
            .filter(arxiv_id__in=list(newest))
            .order_by("pk")
        }
        to_create = [r for arxiv_id, r in newest.items() if arxiv_id not in existing]
        to_update = [
            r
            for arxiv_id, r in newest.items()
            if update_existing and arxiv_id in existing and _is_newer(r, existing[arxiv_id])
        ]
        written = to_create + to_update
        authors = authors_for_names(names=[name for r in written for name in r.authors])
        categories = categories_for_codes(codes=[code for r in written for code in r.categories])

        def primary(record):
            return categories[record.categories[0]] if record.categories else None

        now = timezone.now()
        with inserts_may_race(constraints=RACING_CONSTRAINTS):
            insert_rows(
                Paper,
                ("arxiv_id", "primary_category", *_SCALAR_FIELDS, "announced_on", "created_at", "modified_at"),
                (
                    (
                        r.arxiv_id,
                        getattr(primary(r), "pk", None),
                        *(_value(r, f) for f in _SCALAR_FIELDS),
                        _announced_on(r),
                        now,
                        now,
                    )
                    for r in to_create
                ),
            )
        paper_ids = {arxiv_id: paper.pk for arxiv_id, paper in existing.items()}
        if to_create:
            paper_ids.update(
                Paper.objects.filter(arxiv_id__in=[r.arxiv_id for r in to_create]).values_list("arxiv_id", "pk")
            )

        changed_papers = [existing[r.arxiv_id] for r in to_update]
        if changed_papers:
            paper_metadata_changing.send(
                sender=Paper, papers=changed_papers, records={r.arxiv_id: r for r in to_update}
            )
            for record, paper in zip(to_update, changed_papers, strict=True):
                for field in _SCALAR_FIELDS:
                    if field == "version" and record.version is None:
                        continue  # OAI's arXiv format has no version: keep the one we know
                    setattr(paper, field, _value(record, field))
                paper.primary_category = primary(record)
                if paper.announced_on is None:
                    paper.announced_on = _announced_on(record)
                paper.modified_at = timezone.now()
            Paper.objects.bulk_update(
                changed_papers, [*_SCALAR_FIELDS, "primary_category", "announced_on", "modified_at"]
            )
            Authorship.objects.filter(paper__in=changed_papers).delete()
            PaperCategory.objects.filter(paper__in=changed_papers).delete()

        insert_rows(
            Authorship,
            ("paper", "author", "position"),
            (
                (paper_ids[record.arxiv_id], authors[name].pk, position)
                for record in written
                for position, name in enumerate(_unique(record.authors), start=1)
            ),
        )
        insert_rows(
            PaperCategory,
            ("paper", "category", "position"),
            (
                (paper_ids[record.arxiv_id], categories[code].pk, position)
                for record in written
                for position, code in enumerate(_unique(record.categories), start=1)
            ),
        )
        if written:
            page_cache_bump()  # bulk writes send no signals

    result.created = [r.arxiv_id for r in to_create]
    result.updated = [r.arxiv_id for r in to_update]
    written_ids = set(result.created) | set(result.updated)
    result.unchanged = [arxiv_id for arxiv_id in newest if arxiv_id not in written_ids]
    result.paper_ids = paper_ids
    return result


def _value(record, field):
    value = getattr(record, field)
    return "" if value is None and field in ("comment", "journal_ref", "doi", "abstract") else value


def _unique(items):
    """Order-keeping de-duplication: an author or category listed twice is stored once."""
    return list(dict.fromkeys(items))
