"""The digests app's sections of a backup: tags, and digests with everything their entries showed.

A digest carries its tags (in order) and its entries, excluded ones included, each with its metrics
snapshot, ranking figures, editor's note, pins, shown_* metadata and its embedded posts (in order,
by [source, post id]); the ranking's choice of posts is written by key too, never by database id.
"""

from django.db.models import Prefetch

from digests.models import DailyDigest, DigestEntry, DigestEntryTweet, DigestTag, Tag
from papers.models import Paper, Tweet
from papers.services.backup_format import (
    BackupError,
    Section,
    check_keys,
    dump_fields,
    load_fields,
    load_list,
    post_key,
)
from papers.services.backup_rows import replace_rows, stored_ids, upsert_rows
from papers.services.posts_rows import one_of

TAG_FIELDS = ("name", "slug")
DIGEST_COLUMNS = (
    "date",
    "slug",
    "title",
    "description",
    "social_image",
    "intro",
    "status",
    "publish_at",
    "published_at",
    "generated_at",
    "leading_blank_lines",
    "created_at",
    "modified_at",
)
DIGEST_FIELDS = (*DIGEST_COLUMNS, "tags", "entries")
ENTRY_COLUMNS = (
    "position",
    "retweets",
    "favorites",
    "measured_at",
    "score",
    "post_count",
    "account_count",
    "sources",
    "is_pinned",
    "is_excluded",
    "is_manually_placed",
    "note",
    "shown_title",
    "shown_authors",
    "shown_abstract",
    "shown_categories",
    "shown_arxiv_id",
)
ENTRY_FIELDS = ("paper", *ENTRY_COLUMNS, "ranked_posts", "posts")
_BATCH = 100


def _export_tags(keys=None):
    rows = Tag.objects.order_by("name")
    if keys is not None:
        rows = rows.filter(name__in=one_of(key for (key,) in keys))
    for tag in rows.iterator(chunk_size=1000):
        yield dump_fields(tag, TAG_FIELDS)


def _load_tag(record, known):
    check_keys(record, TAG_FIELDS)
    values = load_fields(Tag, record, TAG_FIELDS)
    key = (values["name"],)
    for kind, value, what in (("tag", key, "name"), ("tag.slug", (values["slug"],), "slug")):
        if value in known[kind]:
            raise BackupError(f"a second tag with the same {what}")
        known[kind].add(value)
    return key, values


def _restore_tags(values):
    upsert_rows(Tag, key=("name",), rows=values)


def _export_digests(keys=None):
    rows = DailyDigest.objects.order_by("date")
    if keys is not None:
        rows = rows.filter(date__in=one_of((key for (key,) in keys), array_type="date"))
    ids = list(rows.values_list("pk", flat=True))
    for start in range(0, len(ids), _BATCH):
        batch = list(
            DailyDigest.objects.filter(pk__in=ids[start : start + _BATCH])
            .order_by("date")
            .prefetch_related(
                Prefetch("digest_tags", DigestTag.objects.select_related("tag").order_by("position")),
                Prefetch(
                    "entries",
                    DigestEntry.objects.select_related("paper")
                    .order_by("position")
                    .prefetch_related(
                        Prefetch(
                            "entry_tweets",
                            DigestEntryTweet.objects.select_related("tweet")
                            .only("entry", "position", "tweet__source", "tweet__external_id")
                            .order_by("position"),
                        )
                    ),
                ),
            )
        )
        ranked = {pk for digest in batch for entry in digest.entries.all() for pk in entry.ranked_post_ids or ()}
        keys_by_id = {
            pk: [source, external_id]
            for pk, source, external_id in Tweet.objects.filter(pk__in=ranked).values_list(
                "pk", "source", "external_id"
            )
        }
        for digest in batch:
            record = dump_fields(digest, DIGEST_COLUMNS)
            record["tags"] = [link.tag.name for link in digest.digest_tags.all()]
            record["entries"] = [_entry_record(entry, keys_by_id) for entry in digest.entries.all()]
            yield record


def _entry_record(entry, keys_by_id):
    record = {"paper": entry.paper.arxiv_id, **dump_fields(entry, ENTRY_COLUMNS)}
    # ranked_post_ids is JSON, not a foreign key: a post deleted since the build has no key to write.
    record["ranked_posts"] = [keys_by_id[pk] for pk in entry.ranked_post_ids or () if pk in keys_by_id]
    record["posts"] = [[link.tweet.source, link.tweet.external_id] for link in entry.entry_tweets.all()]
    return record


def _load_digest(record, known):
    check_keys(record, DIGEST_FIELDS)
    values = load_fields(DailyDigest, record, DIGEST_COLUMNS)
    if values["status"] == DailyDigest.Status.PUBLISHED and values["published_at"] is None:
        raise BackupError("a published digest needs 'published_at'")
    if values["status"] == DailyDigest.Status.SCHEDULED and values["publish_at"] is None:
        raise BackupError("a scheduled digest needs 'publish_at'")
    tags = load_list(record, "tags")
    if len(set(tags)) != len(tags):
        raise BackupError("field 'tags' names a tag twice")
    for name in tags:
        if (name,) not in known["tag"]:
            raise BackupError(f"field 'tags' names tag {name!r}, which the file does not hold (before this line)")
    if not isinstance(record["entries"], list):
        raise BackupError("field 'entries' must be a list")
    entries, positions, papers = [], set(), set()
    for number, entry in enumerate(record["entries"], start=1):
        try:
            loaded = _load_entry(entry, known)
        except BackupError as error:
            raise BackupError(f"entry {number}: {error}") from None
        if loaded[0]["position"] in positions:
            raise BackupError(f"entry {number}: a second entry at position {loaded[0]['position']}")
        if loaded[1] in papers:
            raise BackupError(f"entry {number}: paper {loaded[1]} is in the digest twice")
        positions.add(loaded[0]["position"])
        papers.add(loaded[1])
        entries.append(loaded)
    key = (values["date"],)
    for kind, value, what in (("digest", key, "date"), ("digest.slug", (values["slug"],), "slug")):
        if value in known[kind]:
            raise BackupError(f"a second digest with the same {what}")
        known[kind].add(value)
    return key, (values, tags, entries)


def _load_entry(record, known):
    if not isinstance(record, dict):
        raise BackupError("must be an object")
    check_keys(record, ENTRY_FIELDS)
    values = load_fields(DigestEntry, record, ENTRY_COLUMNS)
    if values["position"] < 1:
        raise BackupError("field 'position' counts from 1")
    paper = record["paper"]
    if not isinstance(paper, str) or (paper,) not in known["paper"]:
        raise BackupError(f"field 'paper' names paper {paper!r}, which the file does not hold (before this line)")
    posts = {}
    for field in ("ranked_posts", "posts"):
        posts[field] = [post_key(item, name=field) for item in load_list(record, field, of=list)]
        for key in posts[field]:
            if key not in known["post"]:
                raise BackupError(f"field {field!r} names post {':'.join(key)!r}, which the file does not hold")
    return values, paper, posts["ranked_posts"], posts["posts"]


def _restore_digests(loaded):
    tag_ids = stored_ids(Tag, key=("name",), keys={(name,) for _, tags, _ in loaded for name in tags})
    entries = [(values["date"], entry) for values, _, digest_entries in loaded for entry in digest_entries]
    paper_ids = stored_ids(Paper, key=("arxiv_id",), keys={(paper,) for _, (_, paper, _, _) in entries})
    post_ids = stored_ids(
        Tweet, key=("source", "external_id"), keys={key for _, (_, _, r, p) in entries for key in (*r, *p)}
    )
    digest_ids = upsert_rows(DailyDigest, key=("date",), rows=[values for values, _, _ in loaded])
    ids = [digest_ids[(values["date"],)] for values, _, _ in loaded]
    replace_rows(
        DigestTag,
        owner="digest_id",
        owner_ids=ids,
        rows=[
            {"digest_id": digest_ids[(values["date"],)], "tag_id": tag_ids[(name,)], "position": position}
            for values, tags, _ in loaded
            for position, name in enumerate(tags, start=1)
        ],
    )
    replace_rows(
        DigestEntry,
        owner="digest_id",
        owner_ids=ids,
        rows=[
            {
                "digest_id": digest_ids[(date,)],
                "paper_id": paper_ids[(paper,)],
                **values,
                "ranked_post_ids": [post_ids[key] for key in ranked],
            }
            for date, (values, paper, ranked, _) in entries
        ],
    )
    entry_ids = stored_ids(
        DigestEntry,
        key=("digest_id", "position"),
        keys={(digest_ids[(date,)], values["position"]) for date, (values, _, _, _) in entries},
    )
    replace_rows(
        DigestEntryTweet,
        owner="entry_id",
        owner_ids=list(entry_ids.values()),
        rows=[
            {"entry_id": entry_ids[(digest_ids[(date,)], values["position"])], "tweet_id": post_ids[key], "position": n}
            for date, (values, _, _, posts) in entries
            for n, key in enumerate(posts, start=1)
        ],
    )


SECTIONS = (
    Section("tag", ("name",), _export_tags, _load_tag, _restore_tags),
    Section("digest", ("date",), _export_digests, _load_digest, _restore_digests, chunk_size=_BATCH),
)
