"""Editors' moderation of social posts: hidden posts leave every page, feed and export."""

from django.db import transaction

from papers.models import Tweet
from papers.page_cache import page_cache_bump


def tweets_set_hidden(*, tweets, hidden):
    """Hide (or show again) the given posts; returns the posts whose visibility changed."""
    with transaction.atomic():
        changed = list(
            Tweet.objects.select_for_update().filter(pk__in=[tweet.pk for tweet in tweets]).exclude(is_hidden=hidden)
        )
        Tweet.objects.filter(pk__in=[tweet.pk for tweet in changed]).update(is_hidden=hidden)
        if changed:
            page_cache_bump()
    return changed
