"""The rows an imported post writes, each kind in a fixed number of queries whatever the post's size.

Every function here compares what is stored with what is wanted and writes only the difference,
so importing the same post twice writes nothing the second time (no row changes, ids stay).
"""

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from digests.models import DigestEntry, DigestEntryTweet, DigestTag, Tag
from digests.postformat import tweet_plain_text
from digests.ranking import rank_papers
from digests.services.exporting import post_tweet
from papers.models import Authorship, PaperCategory, Tweet
from papers.services.catalog import named_rows

ENTRY_FIELDS = (
    "paper_id",
    "retweets",
    "favorites",
    "score",
    "measured_at",
    "shown_title",
    "shown_authors",
    "shown_abstract",
    "shown_categories",
    "shown_arxiv_id",
)
IMPORT_REASON = "Imported from a Markdown post"
# Fields an import fills on a post learned elsewhere, when they are empty there; it never overwrites them.
TWEET_FILLABLE_FIELDS = ("url", "author_handle", "author_name", "lang", "text", "text_html", "posted_at")


def store_ranking_figures(*, entries, as_of):
    """Entries without the ranking's figures get those behind their totals as of the build time (one query).

    A post gives an entry's totals only; the posts and accounts behind them, as the ranking rule counts
    them up to `as_of`, are stored with it once, here, so its "why" line is a snapshot like a built
    entry's (DigestEntry.why_line) and no page reads the posts again for it. Figures already stored (a
    build's, an earlier import's) stay; an entry none of whose posts counts keeps none: its page shows
    no line. Returns the number of entries written.
    """
    waiting = [entry for entry in entries if not entry.has_ranking_snapshot]
    ranked = rank_papers(paper_ids=[entry.paper_id for entry in waiting], as_of=as_of) if waiting else {}
    counted = []
    for entry in waiting:
        standing = ranked.get(entry.paper_id)
        if standing is not None and standing.post_count:
            entry.post_count, entry.account_count = standing.post_count, standing.account_count
            entry.sources = list(standing.sources)
            counted.append(entry)
    if counted:
        DigestEntry.objects.bulk_update(counted, ["post_count", "account_count", "sources"])
    return len(counted)


def tags_for_names(*, names):
    """Map each tag name to its Tag, creating the missing ones with a unique slug."""
    return named_rows(Tag, names=names, fallback_prefix="tag")


def sync_digest_tags(*, digest, tags):
    """The digest's tags become exactly `tags`, in order; unchanged tags keep their rows."""
    wanted = [(position, tag.pk) for position, tag in enumerate(tags, start=1)]
    stored = list(DigestTag.objects.filter(digest=digest).order_by("position").values_list("position", "tag_id"))
    if stored == wanted:
        return False
    DigestTag.objects.filter(digest=digest).delete()
    DigestTag.objects.bulk_create(DigestTag(digest=digest, tag_id=tag_id, position=pos) for pos, tag_id in wanted)
    return True


def paper_listings(*, papers):
    """arxiv_id -> (author names, category codes) as stored, in order: two queries for all papers."""
    by_pk = {paper.pk: paper.arxiv_id for paper in papers}
    authors = {arxiv_id: [] for arxiv_id in by_pk.values()}
    categories = {arxiv_id: [] for arxiv_id in by_pk.values()}
    for paper_id, name in (
        Authorship.objects.filter(paper_id__in=by_pk)
        .order_by("paper_id", "position")
        .values_list("paper_id", "author__name")
    ):
        authors[by_pk[paper_id]].append(name)
    for paper_id, code in (
        PaperCategory.objects.filter(paper_id__in=by_pk)
        .order_by("paper_id", "position")
        .values_list("paper_id", "category__code")
    ):
        categories[by_pk[paper_id]].append(code)
    return authors, categories


def tweets_for_posts(*, post_tweets):
    """Map each tweet id to its Tweet, creating the missing ones and filling empty fields of the others.

    Returns (tweets by id, number created, number filled).
    """
    if not post_tweets:
        return {}, 0, 0
    found = _stored_tweets(list(post_tweets))
    missing = [tweet_id for tweet_id in post_tweets if tweet_id not in found]
    if missing:
        Tweet.objects.bulk_create(
            [_new_tweet(post_tweets[tweet_id]) for tweet_id in missing],
            ignore_conflicts=True,  # a concurrent import may have made them
        )
        found.update(_stored_tweets(missing))
    filled = []
    for tweet_id, tweet in found.items():
        if tweet_id in missing:
            continue
        wanted = _tweet_values(post_tweets[tweet_id])
        # What an export of the post would write for it: a file saying that much tells nothing new (a
        # built digest's export re-imports without filling text_html or posted_at from derived values).
        exported = _tweet_values(post_tweet(tweet))
        empty = [
            name
            for name in TWEET_FILLABLE_FIELDS
            if getattr(tweet, name) in ("", None) and wanted[name] and wanted[name] != exported[name]
        ]
        for name in empty:
            setattr(tweet, name, wanted[name])
        if empty:
            filled.append(tweet)
    if filled:
        Tweet.objects.bulk_update(filled, TWEET_FILLABLE_FIELDS)
    return found, len(missing), len(filled)


def _stored_tweets(tweet_ids):
    return {t.external_id: t for t in Tweet.objects.filter(source=Tweet.Source.X, external_id__in=tweet_ids)}


def _tweet_values(post_tweet):
    return {
        "url": post_tweet.url,
        "author_handle": post_tweet.author_handle,
        "author_name": post_tweet.author_name,
        "lang": post_tweet.lang,
        "text": tweet_plain_text(post_tweet.text_html),
        "text_html": post_tweet.text_html,
        "posted_at": post_tweet.posted_at,
    }


def _new_tweet(post_tweet):
    return Tweet(
        source=Tweet.Source.X,
        external_id=post_tweet.tweet_id,
        learned_via=Tweet.LearnedVia.MARKDOWN,
        text_dir=post_tweet.text_dir,
        **_tweet_values(post_tweet),
    )


def link_tweets_to_papers(*, pairs):
    """Make sure each (tweet pk, paper pk) pair is linked; writes only the missing links, and counts them."""
    pairs = set(pairs)
    if not pairs:
        return 0
    through = Tweet.papers.through
    stored = set(
        through.objects.filter(
            tweet_id__in={tweet_id for tweet_id, _ in pairs}, paper_id__in={paper_id for _, paper_id in pairs}
        ).values_list("tweet_id", "paper_id")
    )
    missing = sorted(pairs - stored)
    if missing:
        through.objects.bulk_create(
            [through(tweet_id=tweet_id, paper_id=paper_id) for tweet_id, paper_id in missing], ignore_conflicts=True
        )
    return len(missing)


def sync_entries(*, digest, rows):
    """The digest's entries become `rows` (dicts of ENTRY_FIELDS by position), matched by paper.

    An entry belongs to its paper: it keeps its row (id, editor's note) at whatever position the
    file gives it; entries of papers the file no longer lists are deleted. Returns (entries by
    position, number of entries written).
    """
    stored = {entry.paper_id: entry for entry in DigestEntry.objects.filter(digest=digest)}
    wanted = {row["paper_id"] for row in rows.values()}
    doomed = [entry for paper_id, entry in stored.items() if paper_id not in wanted]
    entries_delete(entries=doomed, reason=IMPORT_REASON)
    entries, to_update, to_create, moved = {}, [], [], []
    for position, row in rows.items():
        entry = stored.get(row["paper_id"])
        if entry is None:
            entry = DigestEntry(digest=digest, position=position, **row)
            to_create.append(entry)
        else:
            values = {"position": position, **row}
            if entry.position != position:
                moved.append(entry.pk)
            if any(getattr(entry, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(entry, name, value)
                to_update.append(entry)
        entries[position] = entry
    if moved:
        # Positions are unique per digest and checked row by row: park the moving rows out of the way.
        DigestEntry.objects.filter(pk__in=moved).update(position=F("position") + 10_000)
    if to_update:
        DigestEntry.objects.bulk_update(to_update, ["position", *ENTRY_FIELDS])
    if to_create:
        DigestEntry.objects.bulk_create(to_create)
        if any(entry.pk is None for entry in to_create):  # a backend that cannot return ids from bulk inserts
            created = DigestEntry.objects.filter(digest=digest, position__in=[e.position for e in to_create])
            entries.update({entry.position: entry for entry in created})
            to_create = list(created)
    entries_history(created=to_create, changed=to_update, reason=IMPORT_REASON)
    return entries, len(doomed) + len(to_update) + len(to_create)


def entries_history(*, created=(), changed=(), deleted=(), reason=""):
    """History rows (django-simple-history) for entries written in bulk: "+", "~" and "-", a query per kind.

    The history records what save() and delete() write, one row at a time; bulk writes send no signals,
    so the services that write entries in bulk record them here. The user is the request's, if any (the
    history middleware), else none (a job).
    """
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history = DigestEntry.history
    if created:
        history.bulk_history_create(created, default_change_reason=reason)
    if changed:
        history.bulk_history_create(changed, update=True, default_change_reason=reason)
    if deleted:
        model, now = history.model, timezone.now()
        model.objects.bulk_create(
            model(
                history_date=now,
                history_user=model.get_default_history_user(entry),
                history_change_reason=reason,
                history_type="-",
                **{field.attname: getattr(entry, field.attname) for field in model.tracked_fields},
            )
            for entry in deleted
        )


def entries_delete(*, entries, reason=""):
    """Delete entries with their embedded posts in three queries, their history rows included.

    Model.delete() would load each entry and record its history row by row (the history's post_delete
    receiver), and no other receiver listens to entry deletes: their rows go by a plain DELETE.
    """
    if not entries:
        return 0
    entries_history(deleted=entries, reason=reason)
    ids = [entry.pk for entry in entries]
    DigestEntryTweet.objects.filter(entry_id__in=ids).delete()
    return DigestEntry.objects.filter(pk__in=ids)._raw_delete(DigestEntry.objects.db)


def sync_entry_tweets(*, digest, wanted):
    """Each entry (by pk) embeds exactly `wanted[pk]` (tweet pks, in order); unchanged entries are left alone."""
    stored = {}
    for entry_id, tweet_id, position in (
        DigestEntryTweet.objects.filter(entry__digest=digest)
        .order_by("entry_id", "position")
        .values_list("entry_id", "tweet_id", "position")
    ):
        stored.setdefault(entry_id, []).append((position, tweet_id))
    changed = [
        entry_id
        for entry_id in set(stored) | set(wanted)
        if stored.get(entry_id, []) != list(enumerate(wanted.get(entry_id, []), start=1))
    ]
    if not changed:
        return 0
    DigestEntryTweet.objects.filter(entry_id__in=changed).delete()
    DigestEntryTweet.objects.bulk_create(
        DigestEntryTweet(entry_id=entry_id, tweet_id=tweet_id, position=position)
        for entry_id in sorted(changed)
        for position, tweet_id in enumerate(wanted.get(entry_id, []), start=1)
    )
    return len(changed)
