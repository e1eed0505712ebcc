"""Reads of digests for readers: every page's queries are stated here, once."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from .models import DailyDigest, DigestEntry, DigestEntryTweet


def entries_for_display():
    """Entries with everything a digest page shows, in a fixed number of queries."""
    visible_tweets = DigestEntryTweet.objects.filter(tweet__is_hidden=False).select_related("tweet")
    return DigestEntry.objects.select_related("paper").prefetch_related(
        "paper__authorships__author",
        "paper__paper_categories__category",
        Prefetch("entry_tweets", queryset=visible_tweets),
    )


def digest_with_entries(*, slug, queryset=None):
    """A published digest by slug with its entries ready to render (404 if not public)."""
    queryset = DailyDigest.objects.published() if queryset is None else queryset
    return get_object_or_404(
        queryset.prefetch_related("tags", Prefetch("entries", queryset=entries_for_display())),
        slug=slug,
    )
