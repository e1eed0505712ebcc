"""An editor's choice of the posts an entry embeds."""

from django.core.exceptions import ValidationError
from django.db import transaction

from digests.models import DigestEntryTweet
from papers.models import Tweet


def digest_entry_posts_set(*, entry, tweet_ids):
    """Embed exactly these posts in the entry, in this order; returns the ids embedded.

    Each post must link to the entry's paper, or be one the entry embeds already (an imported digest
    may embed a post stored without its links). The ranking's choice (entry.ranked_post_ids) is left
    as it was: an entry whose posts differ from it has been edited by hand, and a rebuild keeps them.
    """
    ids = list(dict.fromkeys(int(pk) for pk in tweet_ids))
    allowed = set(Tweet.objects.filter(pk__in=ids, papers=entry.paper_id).values_list("pk", flat=True)) | set(
        entry.entry_tweets.filter(tweet_id__in=ids).values_list("tweet_id", flat=True)
    )
    unknown = [pk for pk in ids if pk not in allowed]
    if unknown:
        raise ValidationError(
            f"{entry.paper.arxiv_id} can only embed posts that link to it; "
            f"{'this post does' if len(unknown) == 1 else 'these posts do'} not: {', '.join(map(str, unknown))}."
        )
    with transaction.atomic():
        entry.entry_tweets.all().delete()
        DigestEntryTweet.objects.bulk_create(
            DigestEntryTweet(entry=entry, tweet_id=pk, position=position) for position, pk in enumerate(ids, start=1)
        )
    return ids
