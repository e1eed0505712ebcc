"""Seed-format Markdown posts into digests: parsed and validated in full, then written in one transaction.

Importing is idempotent: the same file again changes no row and keeps every id. Papers met before keep
their metadata (arXiv ingestion is the authority); an entry records what its post showed where that
differs from its paper (DigestEntry.shown_*). The queries per post do not depend on its size.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from digests.models import DailyDigest, Tag
from digests.postformat import Post, PostFormatError, parse_post
from papers.models import Author, Category, Paper, Tweet
from papers.page_cache import page_cache_bump
from papers.services.bulk import inserts_may_race
from papers.services.catalog import categories_for_codes
from papers.services.upsert import PaperRecord, papers_upsert
from papers.sources.arxiv import InvalidArxivId, normalize_arxiv_id

from . import importing_rows as rows
from .exporting import shown_abstract_text, shown_title_text

_DATE_IN_SLUG = re.compile(r"(\d{4}-\d{2}-\d{2})$")
_DATE_IN_TITLE = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")
_MAX_COUNT = 2_147_483_647  # PositiveIntegerField on every backend
# Digest field -> the front matter key an error about it points at.
_DIGEST_FIELD_KEYS = {
    "title": "title",
    "slug": "slug",
    "date": "slug",
    "description": "description",
    "social_image": "socialImage",
    "generated_at": "date",
}
# The unique keys of a new digest, which two imports of the same new day both insert (PostgreSQL's
# names for DailyDigest.slug's and .date's UNIQUE); the retry then finds the digest and updates it.
RACING_CONSTRAINTS = frozenset({"digests_dailydigest_slug_key", "digests_dailydigest_date_key"})
# Lines of an entry, counted from its "# N. title" heading.
_AUTHORS_LINE, _METRICS_LINE, _LINKS_LINE, _CATEGORIES_LINE = 2, 4, 6, 7


class DigestImportError(PostFormatError):
    """A post that cannot be imported; the message names the file and, where known, the line."""

    @classmethod
    def from_format_error(cls, error):
        return cls(error.reason, name=error.name, line=error.line)


@dataclass
class ImportResult:
    """What importing one post did; the commands word it (digests/management/posts.py)."""

    name: str
    digest: DailyDigest
    created: bool  # the digest is new
    changed: bool  # anything was written
    entries: int
    papers_created: int = 0
    tweets_created: int = 0
    repeated_embeds: int = 0  # a tweet embedded twice in one entry (kept, so the export is exact)


@dataclass
class ImportReport:
    """The outcome of importing several posts: one result per imported file, one error per failed one."""

    results: list[ImportResult] = field(default_factory=list)
    errors: list[DigestImportError] = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    @property
    def created(self):
        return sum(result.created for result in self.results)

    @property
    def updated(self):
        return sum(result.changed and not result.created for result in self.results)

    @property
    def unchanged(self):
        return len(self.results) - self.created - self.updated

    @property
    def papers_created(self):
        return sum(result.papers_created for result in self.results)

    @property
    def tweets_created(self):
        return sum(result.tweets_created for result in self.results)


@dataclass
class _Plan:
    """A parsed post checked in full, with everything the database writes need."""

    post: Post
    name: str
    date: dt.date
    arxiv_ids: list[str] = field(default_factory=list)  # per entry, the base id Paper rows use
    tweets: dict = field(default_factory=dict)  # tweet id -> its first PostTweet in the post
    entry_tweet_ids: list[list[str]] = field(default_factory=list)  # per entry, in order, each tweet once
    repeated_embeds: int = 0


def digests_import_files(*, files, progress=None):
    """Import .md files in the order given, each in its own transaction; a bad file is recorded and skipped.

    `files` are paths of post files (finding them in folders is the caller's business). After each
    file, `progress` (if given) is called with its ImportResult, or with its DigestImportError.
    """
    report = ImportReport()
    for path in files:
        path = Path(path)
        try:
            outcome = digest_import_text(text=_read(path), name=path.name)
        except DigestImportError as error:
            outcome = error
            report.errors.append(error)
        else:
            report.results.append(outcome)
        if progress is not None:
            progress(outcome)
    return report


def _read(path):
    try:
        return path.read_bytes()
    except OSError as error:
        raise DigestImportError(f"cannot read the file ({error.strerror})", name=path.name) from error


def digest_import_text(*, text, name):
    """Import one post (bytes or text) into its digest; raise DigestImportError before writing anything."""
    try:
        post = parse_post(text, name=name)
    except PostFormatError as error:
        raise DigestImportError.from_format_error(error) from error
    plan = _plan(post, name)
    with transaction.atomic():
        digest, created, changed = _digest_for(plan)  # validated (reads only) before the first write
        result = _write(plan, digest, created=created, changed=changed)
        if result.changed:
            page_cache_bump()  # most rows were written in bulk, which sends no signals
        return result


def _plan(post, name):
    def fail(message, line):
        return DigestImportError(message, name=name, line=line)

    plan = _Plan(post=post, name=name, date=_digest_date(post, fail))
    for tag in post.tags:
        _check_length(_max_length(Tag, "name"), tag, "tag", fail, post.lines["tags"])
    seen_papers = {}
    for entry in post.entries:
        try:
            arxiv_id = normalize_arxiv_id(entry.arxiv_id).base
        except InvalidArxivId:
            raise fail(f"{entry.arxiv_id} is not a valid arXiv id", entry.line + _LINKS_LINE) from None
        if arxiv_id in seen_papers:
            raise fail(
                f"paper {arxiv_id} is listed twice (entries {seen_papers[arxiv_id]} and {entry.rank})", entry.line
            )
        seen_papers[arxiv_id] = entry.rank
        plan.arxiv_ids.append(arxiv_id)
        for author in entry.authors:
            _check_length(_max_length(Author, "name"), author, "author name", fail, entry.line + _AUTHORS_LINE)
        for code in entry.categories:
            _check_length(_max_length(Category, "code"), code, "category code", fail, entry.line + _CATEGORIES_LINE)
        if max(entry.retweets, entry.favorites) > _MAX_COUNT:
            raise fail("the retweet or favorite count is too large", entry.line + _METRICS_LINE)
        tweet_ids = []
        for tweet in entry.tweets:
            _check_tweet(plan, tweet, fail)
            if tweet.tweet_id in tweet_ids:
                plan.repeated_embeds += 1  # kept: the export must show it twice, as the post did
            tweet_ids.append(tweet.tweet_id)
        plan.entry_tweet_ids.append(tweet_ids)
    return plan


def _check_tweet(plan, tweet, fail):
    for field_name, value in (("author_name", tweet.author_name), ("lang", tweet.lang), ("url", tweet.url)):
        _check_length(_max_length(Tweet, field_name), value, f"tweet {field_name.replace('_', ' ')}", fail, tweet.line)
    first = plan.tweets.setdefault(tweet.tweet_id, tweet)
    if first != tweet:
        raise fail(f"tweet {tweet.tweet_id} is embedded differently on line {first.line}", tweet.line)


def _max_length(model, field_name):
    return model._meta.get_field(field_name).max_length


def _check_length(limit, value, what, fail, line):
    if len(value) > limit:
        raise fail(f"{what} is longer than {limit} characters: {value[:40]!r}…", line)


def _digest_date(post, fail):
    """The day the digest covers, from the slug and the title (they must agree when both give one)."""
    dates = {}
    for key, text, pattern in (("slug", post.slug, _DATE_IN_SLUG), ("title", post.title, _DATE_IN_TITLE)):
        match = pattern.search(text)
        if match:
            try:
                dates[key] = dt.date.fromisoformat(match[1])
            except ValueError:
                raise fail(f"the {key} holds {match[1]}, which is not a date", post.lines[key]) from None
    if not dates:
        raise fail("neither the slug nor the title ends in the digest's date (YYYY-MM-DD)", post.lines["slug"])
    if len(set(dates.values())) > 1:
        raise fail(
            f"the slug's date {dates['slug']} and the title's date {dates['title']} disagree", post.lines["slug"]
        )
    return next(iter(dates.values()))


def _digest_for(plan):
    """The digest the post updates or creates, with the post's values set, checked but not saved."""
    post = plan.post
    fail_at = post.lines
    stored = list(DailyDigest.objects.select_for_update().filter(Q(slug=post.slug) | Q(date=plan.date)))
    for other in stored:
        if other.slug != post.slug:
            raise DigestImportError(
                f"digest {other.slug} already covers {plan.date}; a post for that day must have that slug",
                name=plan.name,
                line=fail_at["slug"],
            )
        if other.date != plan.date:
            raise DigestImportError(
                f"the slug {post.slug} is taken by the digest of {other.date}", name=plan.name, line=fail_at["slug"]
            )
    digest = stored[0] if stored else DailyDigest()
    created = not stored
    values = {
        "date": plan.date,
        "slug": post.slug,
        "title": post.title,
        "description": post.description,
        "social_image": post.social_image,
        "intro": post.intro,
        "leading_blank_lines": post.leading_blank_lines,
        "generated_at": post.generated_at,
        **_status_values(post, digest, created),
    }
    changed = created or any(getattr(digest, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(digest, name, value)
    try:
        # Uniqueness was checked above with a clearer message; the check constraints hold by construction
        # (_status_values), and checking them would cost a query each.
        digest.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        line = fail_at.get(_DIGEST_FIELD_KEYS.get(name, "title"))
        raise DigestImportError(f"{name}: {' '.join(messages)}", name=plan.name, line=line) from error
    return digest, created, changed


def _status_values(post, digest, created):
    if post.draft:
        # A scheduled digest is not published either; re-importing its draft export keeps the schedule.
        if not created and digest.status == DailyDigest.Status.SCHEDULED:
            return {"status": digest.status, "published_at": None}
        return {"status": DailyDigest.Status.DRAFT, "published_at": None}
    published_at = post.generated_at
    if not created and digest.status == DailyDigest.Status.PUBLISHED and digest.published_at:
        published_at = digest.published_at  # when it went live is history, not the file's to change
    return {"status": DailyDigest.Status.PUBLISHED, "published_at": published_at}


def _write(plan, digest, *, created, changed):
    post = plan.post
    if changed:
        with inserts_may_race(constraints=RACING_CONSTRAINTS):
            digest.save()  # a new digest's slug and date are what a concurrent import of the same day inserts too
    tags = rows.tags_for_names(names=post.tags)
    changed |= rows.sync_digest_tags(digest=digest, tags=[tags[name] for name in post.tags])

    # Every code shown gets a Category (entries may show codes their paper no longer has).
    categories_for_codes(codes=[code for entry in post.entries for code in entry.categories])
    upserted = papers_upsert(
        records=[
            PaperRecord(
                arxiv_id=arxiv_id,
                title=entry.title,
                authors=tuple(entry.authors),
                categories=tuple(entry.categories),
                abstract=entry.abstract,
                announced_on=plan.date,  # a paper first known from a digest belongs to that digest's day
            )
            for entry, arxiv_id in zip(post.entries, plan.arxiv_ids, strict=True)
        ],
        update_existing=False,  # arXiv ingestion is the authority on metadata of papers already known
    )
    papers = Paper.objects.only("id", "arxiv_id", "title", "abstract").in_bulk(plan.arxiv_ids, field_name="arxiv_id")
    authors_of, categories_of = rows.paper_listings(papers=papers.values())

    tweets, tweets_created, tweets_filled = rows.tweets_for_posts(post_tweets=plan.tweets)
    links_created = rows.link_tweets_to_papers(
        pairs=[
            (tweets[tweet_id].pk, papers[arxiv_id].pk)
            for arxiv_id, tweet_ids in zip(plan.arxiv_ids, plan.entry_tweet_ids, strict=True)
            for tweet_id in tweet_ids
        ]
    )
    entry_rows = {
        entry.rank: _entry_row(entry, papers[arxiv_id], authors_of[arxiv_id], categories_of[arxiv_id])
        for entry, arxiv_id in zip(post.entries, plan.arxiv_ids, strict=True)
    }
    entries, entries_written = rows.sync_entries(digest=digest, rows=entry_rows)
    as_of = digest.generated_at or digest.published_at
    entries_written += rows.store_ranking_figures(entries=entries.values(), as_of=as_of)
    entry_tweets_written = rows.sync_entry_tweets(
        digest=digest,
        wanted={
            entries[entry.rank].pk: [tweets[tweet_id].pk for tweet_id in tweet_ids]
            for entry, tweet_ids in zip(post.entries, plan.entry_tweet_ids, strict=True)
        },
    )
    return ImportResult(
        name=plan.name,
        digest=digest,
        created=created,
        changed=any(
            (
                changed,
                upserted.created,
                tweets_created,
                tweets_filled,
                links_created,
                entries_written,
                entry_tweets_written,
            )
        ),
        entries=len(post.entries),
        papers_created=len(upserted.created),
        tweets_created=tweets_created,
        repeated_embeds=plan.repeated_embeds,
    )


def _entry_row(entry, paper, paper_authors, paper_categories):
    """An entry's values: its metrics, and what it showed only where that differs from the paper."""
    return {
        "paper_id": paper.pk,
        "retweets": entry.retweets,
        "favorites": entry.favorites,
        "score": entry.retweets + entry.favorites,  # the ranking rule's score of the counted posts behind them
        "measured_at": entry.measured_at,
        # The paper's own text, written as the format writes it (one line), is no difference.
        "shown_title": "" if entry.title in (paper.title, shown_title_text(paper.title)) else entry.title,
        "shown_authors": entry.authors if entry.authors != paper_authors else None,
        "shown_abstract": ""
        if entry.abstract in (paper.abstract, shown_abstract_text(paper.abstract))
        else entry.abstract,
        "shown_categories": entry.categories if entry.categories != paper_categories else None,
        "shown_arxiv_id": entry.arxiv_id if entry.arxiv_id != paper.arxiv_id else "",
    }
