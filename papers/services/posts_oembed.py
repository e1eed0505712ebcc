"""X posts' embed HTML (oEmbed, ``omit_script=true``, ``dnt=true``), fetched once and stored with the post.

What the digests show and export of a post (digests.services.exporting: ``text_html``, ``lang``, ``text_dir``,
``author_name``) is filled from the blockquote, so a post collected from the API renders as the seed shows
it. Until the HTML arrives (or when it never does) the post shows from its stored text; a failure is noted
on the post and never holds up anything else. Asked once: a post with its HTML, or that oEmbed refused
(deleted, private), is not asked again; one that met a transient failure is asked again by the next run.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from papers.models import PostCollectionRun, Tweet
from papers.sources.posts import RateLimited, SourceError, SourceUnavailable
from papers.sources.x import fetch_oembed

from .posts_runs import http_client, recorded

DEFAULT_LIMIT = 200
_FILLED = ["oembed_html", "oembed_fetched_at", "oembed_error", "text_html", "lang", "text_dir", "author_name"]
_ERROR_LENGTH = Tweet._meta.get_field("oembed_error").max_length
_NAME_LENGTH = Tweet._meta.get_field("author_name").max_length


def tweets_fetch_oembed(*, tweet_ids=None, client=None, limit=DEFAULT_LIMIT):
    """Fetch and store the oEmbed of X posts that have none yet (these `tweet_ids`, or any); returns the run.

    `client` is the JsonClient to ask with. Posts whose body came with their Markdown import (`text_html`)
    already show as their embed did and are left alone. Raises RateLimited (what was fetched is stored).
    """
    posts = Tweet.objects.filter(source=Tweet.Source.X, oembed_html="", oembed_fetched_at=None, text_html="")
    if tweet_ids is not None:
        posts = posts.filter(pk__in=list(tweet_ids))
    tweets = list(posts.order_by("-posted_at", "pk")[:limit])
    run = PostCollectionRun.objects.create(source=Tweet.Source.X, kind=PostCollectionRun.Kind.OEMBED)
    http = client or http_client()
    with recorded(run, http=http):
        for tweet in tweets:
            _fetch(tweet, http, run)
    return run


def _fetch(tweet, http, run):
    try:
        oembed = fetch_oembed(tweet.url, oembed_url=settings.OEMBED_URL, http=http)
    except RateLimited:
        raise
    except SourceUnavailable as exc:  # transient: noted, asked again next time
        tweet.oembed_error = str(exc)[:_ERROR_LENGTH]
        run.skipped += 1
    except SourceError as exc:  # deleted, private, or an answer we cannot read: not asked again
        tweet.oembed_error = str(exc)[:_ERROR_LENGTH]
        tweet.oembed_fetched_at = timezone.now()
        run.skipped += 1
    else:
        tweet.oembed_html = oembed.blockquote or oembed.html
        tweet.oembed_fetched_at = timezone.now()
        tweet.oembed_error = ""
        if oembed.text_html:
            tweet.text_html = oembed.text_html
            tweet.lang = oembed.lang or tweet.lang
            tweet.text_dir = oembed.text_dir if oembed.text_dir in ("ltr", "rtl") else tweet.text_dir
            tweet.author_name = (oembed.author_name or tweet.author_name)[:_NAME_LENGTH]
        run.updated += 1
    run.pages += 1
    with transaction.atomic():  # the post and the run's counters: both or neither
        tweet.save(update_fields=_FILLED)
        run.save(update_fields=["pages", "updated", "skipped"])
