"""Posts waiting for arXiv: linked to their papers once the metadata is stored, flagged when arXiv has none.

arXiv ingestion calls posts_link_pending itself (papers.services.arxiv_ingest): with the papers each page
created, and at the end of an ids run with the ids arXiv returned nothing for. Called without ids it sweeps
every waiting post (the hourly refresh job does), and returns the ids still waiting, to ask arXiv again.
"""

import dataclasses

from django.db import connection, transaction
from django.db.models import Q

from papers.models import Paper, Tweet
from papers.page_cache import page_cache_bump

from .posts import link_status_for
from .posts_rows import insert_pairs, update_rows

_WAITING = (Tweet.LinkStatus.PENDING, Tweet.LinkStatus.UNKNOWN)


@dataclasses.dataclass
class LinkPendingResult:
    links_created: int = 0
    posts_linked: int = 0  # posts that were waiting and credit a paper now
    posts_flagged: int = 0  # posts whose every id arXiv does not know, and that credit no paper
    pending_arxiv_ids: list[str] = dataclasses.field(default_factory=list)  # still waiting for arXiv


def posts_link_pending(*, arxiv_ids=None, unknown_ids=()):
    """Link waiting posts to those of their ids that are papers now; move `unknown_ids` (ids arXiv returned
    nothing for) from waiting to unknown. `arxiv_ids`: the ids to look at (None: every waiting post)."""
    unknown_ids = set(unknown_ids)
    watched = None if arxiv_ids is None else set(map(str, arxiv_ids)) | unknown_ids
    result = LinkPendingResult()
    if watched is not None and not watched:
        return result
    with transaction.atomic():
        waiting = Tweet.objects.select_for_update().filter(link_status__in=_WAITING)
        if watched is not None and connection.vendor == "postgresql":
            ids = sorted(watched)  # jsonb ?| : the arrays holding any of these strings
            waiting = waiting.filter(Q(pending_arxiv_ids__has_any_keys=ids) | Q(unknown_arxiv_ids__has_any_keys=ids))
        tweets = [
            tweet
            for tweet in waiting.only("pk", "link_status", "pending_arxiv_ids", "unknown_arxiv_ids").order_by("pk")
            if watched is None or not watched.isdisjoint([*tweet.pending_arxiv_ids, *tweet.unknown_arxiv_ids])
        ]
        if not tweets:
            return result
        names = {i for tweet in tweets for i in (*tweet.pending_arxiv_ids, *tweet.unknown_arxiv_ids)}
        papers = dict(Paper.objects.filter(arxiv_id__in=names).values_list("arxiv_id", "pk"))
        through = Tweet.papers.through
        credited = set(
            through.objects.filter(tweet_id__in=[tweet.pk for tweet in tweets]).values_list("tweet_id", flat=True)
        )
        pairs, changed = [], []
        for tweet in tweets:
            found = [papers[i] for i in (*tweet.pending_arxiv_ids, *tweet.unknown_arxiv_ids) if i in papers]
            pending = [i for i in tweet.pending_arxiv_ids if i not in papers and i not in unknown_ids]
            unknown = [i for i in tweet.unknown_arxiv_ids if i not in papers]
            unknown += [i for i in tweet.pending_arxiv_ids if i in unknown_ids and i not in papers and i not in unknown]
            status = link_status_for(pending=pending, unknown=unknown, has_papers=tweet.pk in credited or bool(found))
            pairs += [(tweet.pk, paper_id) for paper_id in found]
            if found and tweet.pk not in credited:
                result.posts_linked += 1
            if status == Tweet.LinkStatus.UNKNOWN and tweet.link_status != status:
                result.posts_flagged += 1
            if (pending, unknown, status) != (tweet.pending_arxiv_ids, tweet.unknown_arxiv_ids, tweet.link_status):
                tweet.pending_arxiv_ids, tweet.unknown_arxiv_ids, tweet.link_status = pending, unknown, status
                changed.append(tweet)
            result.pending_arxiv_ids += pending
        insert_pairs(through, ("tweet", "paper"), pairs)
        result.links_created = len(pairs)
        update_rows(Tweet, ["pending_arxiv_ids", "unknown_arxiv_ids", "link_status"], changed)
        if pairs or changed:
            page_cache_bump()  # bulk writes send no signals
    result.pending_arxiv_ids = list(dict.fromkeys(result.pending_arxiv_ids))
    return result
