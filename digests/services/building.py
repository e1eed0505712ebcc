"""A day's digest built from the ranking: the draft editors curate, refreshed without undoing their work.

``digests_build(day=D)`` creates the draft digest of D (the papers of arXiv's listing dated D, ranked by
digests.ranking) or refreshes it. Every shown entry gets the ranking's figures as of the build
(``retweets``, ``favorites``, ``score``, ``post_count``, ``account_count``, ``sources``, ``measured_at``)
and its embedded posts, best first. What a rebuild keeps of an editor's work:

- an **excluded** entry stays, never shown, as the record of the decision: its paper is never added back;
- a **pinned** entry stays, at its position; so does a **manually placed** one (an editor moved it);
- an entry with a **note** stays even when its paper falls out of the ranking (a note is an editor's
  work, and losing it to a rebuild would be a surprise); it moves with its score like the others;
- embedded posts an editor changed stay as chosen (the entry's posts differ from ``ranked_post_ids``,
  what the ranking chose last time); untouched entries get the ranking's new choice.

The other entries are re-ranked around the fixed ones: the papers scoring at least
HOTPAPERS_MIN_PAPER_SCORE fill the free places, best first, until the digest shows ``size`` papers
(fixed entries and notes are kept even beyond that). Entries that fall out are removed. Shown
entries are numbered from 1 and excluded ones follow them. Title, slug, description, social image and
intro are written when the digest is made and left to the editor after; the tags follow the papers
shown (rebuilt each time), and ``generated_at`` is the build time.

Published digests are never rebuilt (nor scheduled ones whose time has come: readers see them);
they are edited. Building twice with the same ``as_of`` writes nothing the second time, and a build
costs the same number of queries whatever the digest's size.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from digests.models import DailyDigest, DigestEntry, DigestEntryTweet
from digests.ranking import rank_day, rank_papers, ranking_key
from papers.announcements import NEW_YORK, is_listing_day
from papers.models import PaperCategory, Tweet
from papers.services.bulk import inserts_may_race

from . import importing_rows as rows
from .importing import RACING_CONSTRAINTS
from .publishing import DigestStateError

__all__ = [
    "BuildResult",
    "DigestStateError",
    "auto_publish_at",
    "current_listing_day",
    "digest_entry_add",
    "digests_build",
]

# Tags every built digest carries first, as the seed's do; then the platforms of its embedded posts.
BASE_TAGS = ("arXiv",)
SOURCE_TAGS = {"x": "Twitter", "bluesky": "Bluesky", "hackernews": "Hacker News"}  # the seed calls X "Twitter"
MAX_CATEGORY_TAGS = 2
BUILD_REASON = "Built from the ranking"  # what the history says of the entries a build writes
_PARKED = 10_000  # positions are unique per digest: rows that move are parked out of the way first
_SNAPSHOT_FIELDS = (
    "retweets",
    "favorites",
    "score",
    "post_count",
    "account_count",
    "sources",
    "measured_at",
    "ranked_post_ids",
)


@dataclass(frozen=True)
class BuildResult:
    """What one build did; the command and the task word it."""

    digest: DailyDigest
    created: bool  # the digest is new
    changed: bool  # anything was written
    papers: int  # entries shown
    new: int  # shown entries the digest did not have before
    kept: int  # shown entries it had before
    pinned: int  # shown entries that are pinned
    removed: int  # entries that fell out
    excluded: int  # entries excluded by an editor (kept, never shown)
    embedded_posts: int  # posts embedded in the shown entries
    scheduled_for: dt.datetime | None = None  # set when this build scheduled a new digest by itself


def current_listing_day(*, now=None):
    """The date of today's arXiv listing: today in New York (a Saturday or Sunday has none)."""
    return timezone.localtime(now or timezone.now(), NEW_YORK).date()


def auto_publish_at(*, now=None):
    """When a new draft goes live by itself: the next HOTPAPERS_AUTO_PUBLISH_TIME after `now`, or None (off)."""
    if not settings.HOTPAPERS_AUTO_PUBLISH_TIME:
        return None
    zone = ZoneInfo(settings.HOTPAPERS_TIME_ZONE)
    local = timezone.localtime(now or timezone.now(), zone)
    at = dt.time.fromisoformat(settings.HOTPAPERS_AUTO_PUBLISH_TIME)
    moment = dt.datetime.combine(local.date(), at, tzinfo=zone)
    if moment <= local:
        moment = dt.datetime.combine(local.date() + dt.timedelta(days=1), at, tzinfo=zone)
    return moment.astimezone(dt.UTC)


def digests_build(*, day, size=None, as_of=None):
    """Create or refresh the draft digest of `day` from the ranking as of `as_of` (default now)."""
    day, size, as_of = _checked(day=day, size=size, as_of=as_of)
    slug = f"hot-papers-{day:%Y-%m-%d}"
    with transaction.atomic():
        digest = _digest_for(day=day, slug=slug)
        ranking = rank_day(day=day, as_of=as_of)
        stored = list(DigestEntry.objects.filter(digest=digest).order_by("position")) if digest.pk else []
        before = {entry.pk: _values(entry) for entry in stored}
        stored_posts = _stored_posts(stored)
        plan = _plan(stored=stored, ranking=ranking, size=size)
        figures = dict(ranking.by_paper_id)
        outsiders = [entry.paper_id for entry in plan.shown if entry.paper_id not in figures]
        figures.update(rank_papers(paper_ids=outsiders, as_of=as_of))  # entries of other days' papers

        created = digest.pk is None
        scheduled_for = None
        if created:
            scheduled_for = auto_publish_at() if plan.shown else None
            if scheduled_for is not None:
                digest.status, digest.publish_at = DailyDigest.Status.SCHEDULED, scheduled_for
        changed = _save_digest(digest, created=created, generated_at=as_of)
        shown_posts = []  # (entry, post ids to embed), in the new order
        for entry in plan.shown:
            edited = entry.pk is not None and stored_posts[entry.pk] != list(entry.ranked_post_ids or [])
            _snapshot(entry, figures.get(entry.paper_id), measured_at=as_of)
            shown_posts.append((entry, stored_posts[entry.pk] if edited else list(entry.ranked_post_ids)))
        written = _write_entries(digest=digest, plan=plan, before=before)
        wanted = {entry.pk: posts for entry, posts in shown_posts}
        wanted.update((entry.pk, stored_posts[entry.pk]) for entry in plan.excluded)  # kept with their record
        posts_written = _sync_posts(stored=stored_posts, wanted=wanted)
        tags_written = rows.sync_digest_tags(digest=digest, tags=_tags(shown_posts))
        changed = changed or bool(written or posts_written or tags_written)
        if changed and not created:
            DailyDigest.objects.filter(pk=digest.pk).update(modified_at=timezone.now())

    stored_ids = {entry.pk for entry in stored}
    return BuildResult(
        digest=digest,
        created=created,
        changed=changed,
        papers=len(plan.shown),
        new=sum(entry.pk not in stored_ids for entry in plan.shown),
        kept=sum(entry.pk in stored_ids for entry in plan.shown),
        pinned=sum(entry.is_pinned for entry in plan.shown),
        removed=len(plan.removed),
        excluded=len(plan.excluded),
        embedded_posts=sum(len(posts) for _, posts in shown_posts),
        scheduled_for=scheduled_for,
    )


def digest_entry_add(*, digest, paper, as_of=None):
    """Add a paper an editor chose to the digest, after its shown entries; returns the entry.

    Its counters and embedded posts come from the ranking as of now (never typed by hand), and it is
    pinned: the editor chose it, so a rebuild keeps it where it is. A paper the editor had excluded
    comes back the same way.
    """
    as_of = _as_of(as_of)
    with transaction.atomic():
        digest = DailyDigest.objects.select_for_update().get(pk=digest.pk)
        entries = list(DigestEntry.objects.filter(digest=digest).order_by("position"))
        entry = next((entry for entry in entries if entry.paper_id == paper.pk), None)
        if entry is not None and not entry.is_excluded:
            raise DigestStateError(
                f"{paper.arxiv_id} is already in {digest.title}, at #{entry.position}.", code="already_in_digest"
            )
        ranked = rank_papers(paper_ids=[paper.pk], as_of=as_of).get(paper.pk)
        if entry is None:
            entry = DigestEntry(digest=digest, paper=paper, position=max((e.position for e in entries), default=0) + 1)
            entry.save()
        others = [other for other in entries if other.pk != entry.pk]
        entry.is_excluded, entry.is_pinned = False, True
        _snapshot(entry, ranked, measured_at=as_of)
        entry.save(update_fields=["is_excluded", "is_pinned", *_SNAPSHOT_FIELDS])
        order = [e for e in others if not e.is_excluded] + [entry] + [e for e in others if e.is_excluded]
        _renumber(order)
        rows.sync_entry_tweets(digest=digest, wanted={entry.pk: list(entry.ranked_post_ids)})
        DailyDigest.objects.filter(pk=digest.pk).update(modified_at=timezone.now())
    return entry


# --- checking -----------------------------------------------------------------------------------


def _checked(*, day, size, as_of):
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise DigestStateError(f"A digest is built for a date, not {day!r}.", code="not_a_date")
    if not is_listing_day(day):
        raise DigestStateError(
            f"arXiv has no listing on {day:%A} {day.isoformat()}: digests cover Monday to Friday.", code="weekend"
        )
    size = settings.HOTPAPERS_DIGEST_SIZE if size is None else size
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise DigestStateError(f"The size is a number of papers, at least 1, not {size!r}.", code="size")
    return day, size, _as_of(as_of)


def _as_of(as_of):
    if as_of is None:
        as_of = timezone.now()
    if timezone.is_naive(as_of):
        raise DigestStateError(f"The build time {as_of.isoformat()} has no time zone.", code="naive_as_of")
    # Whole seconds: the Markdown export writes seconds, so a built digest re-imports to the same rows.
    return as_of.replace(microsecond=0)


def _digest_for(*, day, slug):
    """The digest of `day`, locked, or a new one (not saved); refuses those a rebuild must not touch."""
    found = list(DailyDigest.objects.select_for_update().filter(Q(date=day) | Q(slug=slug)))
    for other in found:
        if other.date != day:
            raise DigestStateError(
                f"The slug {slug} is taken by the digest of {other.date}; rename that one first.", code="slug_taken"
            )
    digest = next((other for other in found if other.date == day), None)
    if digest is None:
        return DailyDigest(
            date=day,
            slug=slug,
            title=f"Hot Papers {day:%Y-%m-%d}",
            description=f"Hot papers {day:%Y-%m-%d}",
            social_image=_social_image(slug),
            status=DailyDigest.Status.DRAFT,
        )
    if digest.status == DailyDigest.Status.PUBLISHED or digest.is_public:
        raise DigestStateError(
            f"{digest.title} is published, and published digests are never rebuilt; edit them.", code="published"
        )
    return digest


def _social_image(slug):
    """The digest's generated social card, where the site has one (digests:digest-card)."""
    try:
        return reverse("digests:digest-card", args=[slug])
    except NoReverseMatch:
        return ""


# --- planning -----------------------------------------------------------------------------------


@dataclass
class _Plan:
    shown: list  # DigestEntry objects in their new order (new ones unsaved)
    excluded: list  # excluded entries, in their old order
    removed: list  # stored entries that fall out


def _plan(*, stored, ranking, size):
    excluded = [entry for entry in stored if entry.is_excluded]
    present = [entry for entry in stored if not entry.is_excluded]
    fixed = [entry for entry in present if entry.is_pinned or entry.is_manually_placed]
    by_paper = {entry.paper_id: entry for entry in present if not (entry.is_pinned or entry.is_manually_placed)}
    taken = {entry.paper_id for entry in stored}  # fixed, excluded or already flowing

    def score_key(entry):
        ranked = ranking.by_paper_id.get(entry.paper_id)
        return ranking_key(ranked) if ranked else (0, "\uffff", entry.position)

    # The entries that flow around the fixed ones: featured papers, then kept notes, best first.
    eligible = [ranked for ranked in ranking.candidates if ranked.score >= ranking.min_paper_score]
    flowing, room = [], max(0, size - len(fixed))
    for ranked in eligible:
        if len(flowing) >= room:
            break
        if ranked.paper_id in by_paper:
            flowing.append(by_paper.pop(ranked.paper_id))
        elif ranked.paper_id not in taken:
            flowing.append(DigestEntry(paper_id=ranked.paper_id, is_excluded=False))
    noted = [entry for entry in by_paper.values() if entry.note.strip()]
    flowing = sorted(flowing + noted, key=score_key)
    removed = [entry for entry in by_paper.values() if not entry.note.strip()]

    shown = _interleave(fixed=sorted(fixed, key=lambda entry: entry.position), flowing=flowing)
    return _Plan(shown=shown, excluded=excluded, removed=removed)


def _interleave(*, fixed, flowing):
    """Fixed entries at their positions, the flowing ones in the gaps; fixed ones close up when the gaps run out."""
    shown, fixed, flowing = [], list(fixed), list(flowing)
    while fixed or flowing:
        place = len(shown) + 1
        if fixed and (fixed[0].position <= place or not flowing):
            shown.append(fixed.pop(0))
        else:
            shown.append(flowing.pop(0))
    return shown


def _stored_posts(stored):
    """entry pk -> its embedded post ids in order (one query)."""
    posts = {entry.pk: [] for entry in stored}
    if not stored:
        return posts
    for entry_id, tweet_id in (
        DigestEntryTweet.objects.filter(entry__in=stored)
        .order_by("entry_id", "position")
        .values_list("entry_id", "tweet_id")
    ):
        posts[entry_id].append(tweet_id)
    return posts


def _snapshot(entry, ranked, *, measured_at):
    entry.retweets = ranked.retweets if ranked else 0
    entry.favorites = ranked.favorites if ranked else 0
    entry.score = ranked.score if ranked else 0
    entry.post_count = ranked.post_count if ranked else 0
    entry.account_count = ranked.account_count if ranked else 0
    entry.sources = list(ranked.sources) if ranked else []
    entry.ranked_post_ids = list(ranked.embedded_post_ids) if ranked else []
    entry.measured_at = measured_at


def _tags(shown_posts):
    """arXiv, the platforms the papers were discussed on, then the commonest categories of the papers and their groups.

    The seed's tags read "arXiv", "Twitter", "Machine Learning", "Computer Science": the site, the
    platform, a category name and its group. Categories count over every category of the shown papers,
    most papers first (ties in arXiv code order); at most MAX_CATEGORY_TAGS of them, then their groups.
    """
    shown = [entry for entry, _ in shown_posts]
    platforms = {source for entry in shown for source in entry.sources}
    counts, categories = {}, {}
    listed = PaperCategory.objects.filter(paper_id__in=[entry.paper_id for entry in shown]).select_related("category")
    for paper_category in listed if shown else ():
        category = paper_category.category
        categories[category.code] = category
        counts[category.code] = counts.get(category.code, 0) + 1
    top = sorted(counts, key=lambda code: (-counts[code], code))[:MAX_CATEGORY_TAGS]
    names = [categories[code].name or code for code in top]
    groups = [categories[code].group for code in top if categories[code].group]
    wanted = [
        *BASE_TAGS,
        *(SOURCE_TAGS.get(source, source) for source in Tweet.Source.values if source in platforms),
        *names,
        *groups,
    ]
    wanted = list(dict.fromkeys(wanted))
    by_name = rows.tags_for_names(names=wanted)
    return [by_name[name] for name in wanted]


# --- writing ------------------------------------------------------------------------------------


def _save_digest(digest, *, created, generated_at):
    if not created and digest.generated_at == generated_at:
        return False
    digest.generated_at = generated_at
    if created:
        digest.full_clean(validate_unique=False, validate_constraints=False)
        with inserts_may_race(constraints=RACING_CONSTRAINTS):  # two builds of one new day: the retry updates
            digest.save()
    else:
        DailyDigest.objects.filter(pk=digest.pk).update(generated_at=generated_at)
    return True


def _write_entries(*, digest, plan, before):
    """Write the plan: delete what fell out, place every entry, create the new ones. Returns rows written.

    `before` holds each stored entry's values as read (entry pk -> _values), to write only what changed.
    """
    rows.entries_delete(entries=plan.removed, reason=BUILD_REASON)
    order = [*plan.shown, *plan.excluded]
    for position, entry in enumerate(order, start=1):
        entry.digest = digest
        entry.position = position
    to_create = [entry for entry in order if entry.pk is None]
    to_update = [entry for entry in order if entry.pk is not None and _values(entry) != before[entry.pk]]
    moved = [entry.pk for entry in to_update if entry.position != before[entry.pk][0]]
    if moved:
        DigestEntry.objects.filter(pk__in=moved).update(position=F("position") + _PARKED)
    if to_update:
        DigestEntry.objects.bulk_update(to_update, ["position", *_SNAPSHOT_FIELDS])
    if to_create:
        DigestEntry.objects.bulk_create(to_create)
    rows.entries_history(created=to_create, changed=to_update, reason=BUILD_REASON)
    return len(plan.removed) + len(to_update) + len(to_create)


def _sync_posts(*, stored, wanted):
    """Each entry (by pk) embeds exactly `wanted[pk]` (post ids, in order); `stored` is what it embeds now."""
    changed = [entry_id for entry_id, posts in wanted.items() if stored.get(entry_id, []) != posts]
    if not changed:
        return 0
    if any(stored.get(entry_id) for entry_id in changed):
        DigestEntryTweet.objects.filter(entry_id__in=changed).delete()
    DigestEntryTweet.objects.bulk_create(
        DigestEntryTweet(entry_id=entry_id, tweet_id=tweet_id, position=position)
        for entry_id in changed
        for position, tweet_id in enumerate(wanted[entry_id], start=1)
    )
    return len(changed)


def _values(entry):
    return (entry.position, *(getattr(entry, name) for name in _SNAPSHOT_FIELDS))


def _renumber(order):
    """Number the entries 1, 2, … in the order given, writing only those that move."""
    moved = [entry for position, entry in enumerate(order, start=1) if entry.position != position]
    if not moved:
        return
    DigestEntry.objects.filter(pk__in=[entry.pk for entry in moved]).update(position=F("position") + _PARKED)
    for position, entry in enumerate(order, start=1):
        entry.position = position
    DigestEntry.objects.bulk_update(moved, ["position"])
