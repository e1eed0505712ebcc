"""Social posts stored in bulk and idempotently, whatever way they came: a live API, a dump file, a refresh.

The counting rules (README, "How posts are counted") are kept here:

- one row per post: (source, external_id) is unique, so a post learned from a Markdown import, a dump and the
  live API is one row; `learned_via` keeps how it was first learned, and fields stored first are never
  overwritten (an export of a published digest stays as it was), only empty ones are filled;
- reposts never reach this module (the parsers drop them; they are counted as skipped);
- a new post that links no arXiv paper is not stored (counted as skipped); a stored one is always updated;
- counters come from the newest reading: a post read without counters (`has_counters` False) or read before
  the stored reading never overwrites them. Each change of counters (and the first reading) writes one
  TweetMetrics snapshot at the reading's time; a reading that changes nothing writes nothing at all;
- a post credits every paper it links. Ids that are not papers here yet are kept on the post
  (`pending_arxiv_ids`) and returned as work to do; posts_link_pending links them when arXiv's metadata
  arrives, and moves the ids arXiv does not know to `unknown_arxiv_ids`: such a post is kept, flagged.

Every batch of BATCH_SIZE posts costs the same fixed number of queries, whatever it holds.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from papers.models import Paper, Tweet, TweetMetrics
from papers.page_cache import page_cache_bump
from papers.sources.links import find_arxiv_ids
from papers.sources.posts import PostPage, SocialPost

from .bulk import insert_rows, inserts_may_race
from .posts_rows import insert_pairs, json_values, one_of, update_rows

BATCH_SIZE = 1000
# The unique key two jobs storing the same new post at once can both insert; the retry finds it stored.
RACING_CONSTRAINTS = frozenset({"tweet_unique_source_external_id"})
_MAX_COUNT = 2_147_483_647  # PositiveIntegerField on every backend

_COUNTERS = ("retweets", "likes", "replies", "quotes")
# Filled on a stored post when empty there; never overwritten.
_FILLABLE = ("url", "author_id", "author_handle", "author_name", "lang", "text", "posted_at")
_FILLABLE += ("quoted_id", "reply_to_id")
_LINKING = ("links", "link_status", "pending_arxiv_ids", "unknown_arxiv_ids")
_UPDATED = (*_FILLABLE, *_COUNTERS, "metrics_at", *_LINKING)
_LOADED = ("source", "external_id", *_UPDATED)
_INSERTED = (
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
    *_COUNTERS,
    "metrics_at",
    "is_hidden",
    "created_at",
)


@dataclasses.dataclass
class PostsUpsertResult:
    """What storing posts did. `missing_arxiv_ids`: ids newly waiting for arXiv (fetch them, then link)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_reposts: int = 0
    skipped_unlinked: int = 0  # new posts that link no arXiv paper
    snapshots: int = 0
    links_created: int = 0
    missing_arxiv_ids: list[str] = dataclasses.field(default_factory=list)
    created_ids: list[int] = dataclasses.field(default_factory=list)  # pks of the new posts
    batches: int = 0

    @property
    def skipped(self):
        return self.skipped_reposts + self.skipped_unlinked

    @property
    def seen(self):
        return self.created + self.updated + self.unchanged + self.skipped_unlinked


def link_status_for(*, pending, unknown, has_papers):
    """Waiting for arXiv while any id is; else linked when it credits a paper; else flagged unknown."""
    if pending:
        return Tweet.LinkStatus.PENDING
    if has_papers or not unknown:
        return Tweet.LinkStatus.LINKED
    return Tweet.LinkStatus.UNKNOWN


def posts_upsert(
    *,
    pages: Iterable[PostPage],
    learned_via: str,
    measured_at: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PostsUpsertResult:
    """Store the posts of `pages` (new ones created, stored ones updated) and credit the papers they link.

    A page's own reading time (`PostPage.measured_at`) dates its counters; `measured_at` (else now) dates
    those of pages without one. A post met twice keeps its newest reading. All in one transaction; a
    concurrent job inserting one of the same new posts first raises ConcurrentInsert (nothing written).
    `progress(done, total)` is called after each batch.
    """
    now = timezone.now()
    fallback = measured_at or now
    result = PostsUpsertResult()
    newest: dict[tuple[str, str], tuple[SocialPost, dt.datetime]] = {}
    for page in pages:
        result.skipped_reposts += page.skipped_reposts
        when = page.measured_at or fallback
        for post in page.posts:
            key = (post.source, post.external_id)
            if key not in newest or when >= newest[key][1]:
                newest[key] = (post, when)
    entries = list(newest.values())
    missing: dict[str, None] = {}
    with transaction.atomic():
        for start in range(0, len(entries), BATCH_SIZE):
            _upsert_batch(entries[start : start + BATCH_SIZE], learned_via, now, result, missing)
            result.batches += 1
            if progress:
                progress(min(start + BATCH_SIZE, len(entries)), len(entries))
        if result.created or result.updated:
            page_cache_bump()  # bulk writes send no signals
    result.missing_arxiv_ids = list(missing)
    return result


@dataclasses.dataclass
class _Plan:
    """What one batch will write, decided from what is stored."""

    new_rows: list = dataclasses.field(default_factory=list)
    new_posts: list = dataclasses.field(default_factory=list)  # (post, when, paper pks), as new_rows
    snapshots: list = dataclasses.field(default_factory=list)
    changed: list = dataclasses.field(default_factory=list)  # stored Tweets to update
    pairs: list = dataclasses.field(default_factory=list)  # (tweet pk, paper pk) to link
    missing: dict = dataclasses.field(default_factory=dict)
    updated: int = 0
    unchanged: int = 0
    skipped_unlinked: int = 0


def _upsert_batch(entries, learned_via, now, result, missing):
    found = [_arxiv_ids(post) for post, _ in entries]
    keys = _keys_q(post for post, _ in entries)
    # Read without locks: most posts of a batch seen again are unchanged, and locking costs a write per row.
    stored = _stored(Tweet.objects.filter(keys))
    wanted = {arxiv_id for ids in found for arxiv_id in ids}
    for tweet in stored.values():
        wanted.update(tweet.pending_arxiv_ids, tweet.unknown_arxiv_ids)
    papers = dict(Paper.objects.filter(arxiv_id__in=one_of(wanted)).values_list("arxiv_id", "pk")) if wanted else {}
    through = Tweet.papers.through
    linked = set()
    if stored:
        pks = one_of((tweet.pk for tweet in stored.values()), array_type="bigint")
        linked = set(through.objects.filter(tweet_id__in=pks).values_list("tweet_id", "paper_id"))
    plan = _plan(entries, found, stored, papers, linked, learned_via, now)
    if plan.changed:
        # The posts that will change are locked, in a stable order, and decided again from what is stored
        # now: two jobs refreshing the same posts decide one after the other.
        doomed = {tweet.pk for tweet in plan.changed}
        locked = _stored(Tweet.objects.select_for_update().filter(pk__in=one_of(doomed, array_type="bigint")))
        for key in [key for key, tweet in stored.items() if tweet.pk in doomed]:
            stored.pop(key)
        stored.update(locked)
        plan = _plan(entries, found, stored, papers, linked, learned_via, now)

    pairs, snapshots = plan.pairs, plan.snapshots
    if plan.new_rows:
        with inserts_may_race(constraints=RACING_CONSTRAINTS):
            insert_rows(Tweet, _INSERTED, plan.new_rows)
        created = Tweet.objects.filter(_keys_q(post for post, _, _ in plan.new_posts))
        pks = {
            (source, external_id): pk for source, external_id, pk in created.values_list("source", "external_id", "pk")
        }
        for post, when, paper_ids in plan.new_posts:
            pk = pks[(post.source, post.external_id)]
            result.created_ids.append(pk)
            pairs += [(pk, paper_id) for paper_id in paper_ids]
            if post.has_counters:
                snapshots.append((pk, when, *_counters(post)))
    update_rows(Tweet, _UPDATED, [stored_post.as_tweet() for stored_post in plan.changed])
    if snapshots:
        insert_rows(TweetMetrics, ("tweet", "measured_at", *_COUNTERS), snapshots)
    # ON CONFLICT DO NOTHING: a Markdown import may link the same post and paper at the same time.
    insert_pairs(through, ("tweet", "paper"), pairs)
    result.created += len(plan.new_rows)
    result.updated += plan.updated
    result.unchanged += plan.unchanged
    result.skipped_unlinked += plan.skipped_unlinked
    result.snapshots += len(snapshots)
    result.links_created += len(pairs)
    missing.update(plan.missing)


class _StoredPost:
    """What deciding needs of a stored post, read as plain values (model instances cost most of a batch)."""

    __slots__ = ("pk", *_LOADED)

    def __init__(self, values):
        for name, value in zip(self.__slots__, values, strict=True):
            setattr(self, name, value)

    def as_tweet(self):
        return Tweet(pk=self.pk, **{name: getattr(self, name) for name in _UPDATED})


def _stored(queryset):
    rows = queryset.order_by("pk").values_list("pk", *_LOADED)  # a stable order; none of Tweet's default sort
    return {(post.source, post.external_id): post for post in map(_StoredPost, rows)}


def _plan(entries, found, stored, papers, linked, learned_via, now):
    """Decide each post of the batch; changes only the stored Tweets that are to be updated."""
    plan = _Plan()
    credited = {tweet_id for tweet_id, _ in linked}
    json_value = json_values()
    for (post, when), ids in zip(entries, found, strict=True):
        tweet = stored.get((post.source, post.external_id))
        if tweet is None:
            if not ids:
                plan.skipped_unlinked += 1
                continue
            pending = [arxiv_id for arxiv_id in ids if arxiv_id not in papers]
            plan.missing.update(dict.fromkeys(pending))
            has_papers = len(pending) < len(ids)
            row = _new_row(post, when, learned_via, now, pending=pending, has_papers=has_papers, json_value=json_value)
            plan.new_rows.append(row)
            plan.new_posts.append((post, when, [papers[arxiv_id] for arxiv_id in ids if arxiv_id in papers]))
            continue
        dirty = _fill(tweet, post)
        if _take_reading(tweet, post, when):
            plan.snapshots.append((tweet.pk, when, *(getattr(tweet, name) for name in _COUNTERS)))
            dirty = True
        names = dict.fromkeys([*ids, *tweet.pending_arxiv_ids, *tweet.unknown_arxiv_ids])
        new_pairs = [(tweet.pk, papers[i]) for i in names if i in papers and (tweet.pk, papers[i]) not in linked]
        plan.pairs += new_pairs
        dirty |= _relink(tweet, ids, papers, plan.missing, has_papers=tweet.pk in credited or bool(new_pairs))
        if dirty:
            plan.changed.append(tweet)
        if dirty or new_pairs:
            plan.updated += 1
        else:
            plan.unchanged += 1
    return plan


def _arxiv_ids(post):
    """The base ids a post links, once each (2201.04182 and 2201.04182v1 are one paper)."""
    return list(dict.fromkeys(arxiv_id.base for arxiv_id in find_arxiv_ids(urls=post.links, text=post.text)))


def _keys_q(posts):
    by_source: dict[str, list[str]] = {}
    for post in posts:
        by_source.setdefault(post.source, []).append(post.external_id)
    where = Q(pk__in=[])
    for source, external_ids in by_source.items():
        where |= Q(source=source, external_id__in=one_of(external_ids))
    return where


def _take_reading(tweet, post, when):
    """Apply a newer reading's counters; True when they changed (or are the first), i.e. a snapshot is due."""
    if not post.has_counters or (tweet.metrics_at is not None and when <= tweet.metrics_at):
        return False
    counters = _counters(post)
    if tweet.metrics_at is not None and counters == tuple(getattr(tweet, name) for name in _COUNTERS):
        return False
    for name, value in zip(_COUNTERS, counters, strict=True):
        setattr(tweet, name, value)
    tweet.metrics_at = when
    return True


def _fill(tweet, post):
    """Fill the stored post's empty fields from what the platform says; True when any was empty."""
    empty = [name for name in _FILLABLE if getattr(tweet, name) in ("", None) and getattr(post, name)]
    if not empty and (tweet.links or not post.links):
        return False  # the common case, decided without building the post's values
    values = _values(post)
    for name in empty:
        setattr(tweet, name, values[name])
    if not tweet.links and values["links"]:
        tweet.links = values["links"]
    return True


def _relink(tweet, ids, papers, missing, *, has_papers):
    """The post's ids that are not papers yet, and its link status; True when they changed."""
    unknown = [i for i in tweet.unknown_arxiv_ids if i not in papers]
    pending = [i for i in dict.fromkeys([*tweet.pending_arxiv_ids, *ids]) if i not in papers and i not in unknown]
    missing.update(dict.fromkeys(i for i in pending if i not in tweet.pending_arxiv_ids))
    status = link_status_for(pending=pending, unknown=unknown, has_papers=has_papers)
    if (pending, unknown, status) == (tweet.pending_arxiv_ids, tweet.unknown_arxiv_ids, tweet.link_status):
        return False
    tweet.pending_arxiv_ids, tweet.unknown_arxiv_ids, tweet.link_status = pending, unknown, status
    return True


def _counters(post):
    return tuple(min(value, _MAX_COUNT) for value in (post.reposts, post.likes, post.replies, post.quotes))


_MAX_LENGTHS = {
    name: Tweet._meta.get_field(name).max_length
    for name in ("url", "author_id", "author_handle", "author_name", "lang", "quoted_id", "reply_to_id")
}
_STRINGS = ("url", "author_id", "author_handle", "author_name", "lang", "text", "quoted_id", "reply_to_id")


def _values(post):
    """The post's fields as Tweet stores them: cut to fit, without NUL (PostgreSQL text cannot hold one)."""
    values = {
        "url": post.url[: _MAX_LENGTHS["url"]],
        "author_id": post.author_id[: _MAX_LENGTHS["author_id"]],
        "author_handle": post.author_handle[: _MAX_LENGTHS["author_handle"]],
        "author_name": post.author_name[: _MAX_LENGTHS["author_name"]],
        "lang": post.lang[: _MAX_LENGTHS["lang"]],
        "text": post.text,
        "posted_at": post.posted_at,
        "quoted_id": (post.quoted_id or "")[: _MAX_LENGTHS["quoted_id"]],
        "reply_to_id": (post.reply_to_id or "")[: _MAX_LENGTHS["reply_to_id"]],
        "links": list(post.links),
    }
    if "\x00" in "".join([*(values[name] for name in _STRINGS), *values["links"]]):  # no platform means one
        values.update({name: values[name].replace("\x00", "") for name in _STRINGS})
        values["links"] = [url.replace("\x00", "") for url in values["links"]]
    return values


def _new_row(post, when, learned_via, now, *, pending, has_papers, json_value):
    values = _values(post)
    counted = post.has_counters
    return (
        post.source,
        post.external_id,
        learned_via,
        values["url"],
        values["author_id"],
        values["author_handle"],
        values["author_name"],
        values["lang"],
        "ltr",  # text_dir: oEmbed says otherwise when it does
        values["text"],
        "",  # text_html
        values["posted_at"],
        values["quoted_id"],
        values["reply_to_id"],
        json_value(values["links"]),
        link_status_for(pending=pending, unknown=(), has_papers=has_papers),
        json_value(pending),
        json_value([]),  # unknown_arxiv_ids
        "",  # oembed_html
        None,  # oembed_fetched_at
        "",  # oembed_error
        *(_counters(post) if counted else (0, 0, 0, 0)),
        when if counted else None,  # metrics_at
        False,  # is_hidden
        now,  # created_at
    )
