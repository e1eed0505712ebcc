"""Digests back to seed-format Markdown: what each digest showed, written as the original generator wrote it.

An imported post exports to the bytes it was imported from; a built digest exports in the same format.
Entries an editor excluded are left out, and so are hidden posts and posts from platforms other than X
(the format only knows Twitter embeds). An embedded post is written from its stored oEmbed blockquote
when it has one the format can carry, else from its stored text. Queries are fixed per call, whatever
the number of entries, authors or posts.
"""

import datetime as dt
import html
import os
import re
import tempfile
from pathlib import Path

from django.db.models import Prefetch

from digests.models import DailyDigest, DigestTag
from digests.postformat import (
    Post,
    PostEntry,
    PostFormatError,
    PostTweet,
    parse_blockquote,
    render_post,
    snowflake_time,
)
from digests.selectors import entries_for_display
from papers.models import Tweet


def export_queryset():
    """Digests with everything an export reads, prefetched."""
    return DailyDigest.objects.prefetch_related(
        Prefetch("digest_tags", queryset=DigestTag.objects.select_related("tag").order_by("position")),
        Prefetch("entries", queryset=entries_for_display().order_by("position")),
    )


def digest_to_post(*, digest):
    """The digest as a Post (its entries renumbered from 1, in position order)."""
    if "entries" not in getattr(digest, "_prefetched_objects_cache", {}):
        digest = export_queryset().get(pk=digest.pk)
    generated_at = digest.generated_at or digest.published_at or dt.datetime.combine(digest.date, dt.time(0), dt.UTC)
    return Post(
        title=digest.title,
        generated_at=generated_at,
        draft=digest.status != DailyDigest.Status.PUBLISHED,
        slug=digest.slug,
        tags=[digest_tag.tag.name for digest_tag in digest.digest_tags.all()],
        description=digest.description,
        social_image=digest.social_image,
        intro=digest.intro.replace("\r\n", "\n").replace("\r", "\n"),
        leading_blank_lines=digest.leading_blank_lines,
        entries=[
            _post_entry(rank, entry, default_measured_at=generated_at)
            for rank, entry in enumerate(digest.entries.all(), start=1)
        ],
    )


def digest_export_markdown(*, digest):
    """The digest as seed-format Markdown text."""
    return render_post(digest_to_post(digest=digest))


def digest_export_all(*, directory):
    """Write every digest to `<directory>/<slug>.md` (each file replaced atomically); return the paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for digest in export_queryset().order_by("date").iterator(chunk_size=100):
        path = directory / f"{digest.slug}.md"
        if path.parent != directory or path.name != f"{digest.slug}.md":
            raise ValueError(f"digest slug {digest.slug!r} cannot be a file name")
        write_atomically(path, digest_export_markdown(digest=digest))
        paths.append(path)
    return paths


def write_atomically(path, text):
    """Replace `path` with `text` (UTF-8, line ends untouched) so readers never see half a file."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(text.encode("utf-8"))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _post_entry(rank, entry, *, default_measured_at):
    return PostEntry(
        rank=rank,
        title=shown_title_text(entry.title),
        authors=entry.author_names,
        retweets=entry.retweets,
        favorites=entry.favorites,
        measured_at=entry.measured_at or default_measured_at,
        arxiv_id=entry.shown_arxiv_id or entry.paper.arxiv_id,
        categories=entry.category_codes,
        abstract=shown_abstract_text(entry.abstract),
        tweets=[
            post_tweet(entry_tweet.tweet)
            for entry_tweet in entry.entry_tweets.all()
            if entry_tweet.tweet.source == Tweet.Source.X and not entry_tweet.tweet.is_hidden
        ],
    )


def shown_title_text(title):
    """A title as the format writes it: arXiv wraps long titles as "line\\n  line"; the generator dropped
    the line break and kept the indent."""
    return re.sub(r"\r?\n", "", title)


def shown_abstract_text(abstract):
    """An abstract as the format writes it: on one line."""
    return re.sub(r"\s*\r?\n\s*", " ", abstract.strip())


def post_tweet(tweet):
    """The post as the format embeds it: its stored oEmbed blockquote when the format can carry it, else its text."""
    embedded = _from_oembed(tweet)
    if embedded is not None:
        return embedded
    posted_at = tweet.posted_at or snowflake_time(tweet.external_id)
    text_html = tweet.text_html or html.escape(tweet.text, quote=False).replace("\n", "<br>")
    return PostTweet(
        tweet_id=tweet.external_id,
        lang=tweet.lang or "und",  # what oEmbed writes when it cannot tell
        text_dir=tweet.text_dir,
        text_html=text_html.replace("\r", "").replace("\n", "<br>"),
        author_name=tweet.author_name or tweet.author_handle,
        author_handle=tweet.author_handle,
        url=tweet.url,
        posted_on=posted_at.astimezone(dt.UTC).date(),
    )


def _from_oembed(tweet):
    oembed_html = tweet.oembed_html  # papers.services.posts_oembed fetches it for posts from the API
    if not oembed_html:
        return None
    try:
        embedded = parse_blockquote(oembed_html)
    except PostFormatError:
        return None  # an older or foreign shape (no ?ref_src link, say): the stored text says the same
    if embedded.tweet_id != tweet.external_id:
        return None
    embedded.url = tweet.url or embedded.url
    return embedded
