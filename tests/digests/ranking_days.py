"""Generated days of posts, and the ranking rule read plainly in Python, for tests and bench/ranking.py.

`build_day` writes a day's papers and posts in bulk (COPY on PostgreSQL) with what makes the rule
bite: a few very discussed papers and a long tail, accounts posting twice about a paper under
differently cased handles, the same handle on two platforms, posts linking two papers, hidden posts,
posts after the build time, posts with no time, equal scores and equal times, and papers of the day
before sharing the posts. `naive_rank_day` loads every post of the day's papers through the ORM and
applies the rule in a Python loop: the reference the SQL ranking must agree with.
"""

import datetime as dt
import itertools
import random

from django.db.models.functions import Mod

from digests.ranking import DayRanking, RankedPaper
from papers.models import Paper, Tweet
from papers.services.bulk import insert_rows


def build_day(*, day, papers, posts, as_of, seed=0):
    """Write `papers` papers announced on `day` (and a twentieth as many of the day before) and `posts` posts.

    Returns the ids of the day's papers. arXiv ids and external ids derive from `seed`, so builds with
    different seeds do not collide. Rows go in bulk (model defaults filled); the links by COPY.
    """
    rng = random.Random(seed)
    before = day - dt.timedelta(days=1)
    stored = Paper.objects.bulk_create(
        [
            Paper(arxiv_id=f"{seed % 90 + 10}{n // 100_000:02d}.{n % 100_000:05d}", title=f"Paper {n}", announced_on=on)
            for n, on in enumerate([day] * papers + [before] * max(1, papers // 20))
        ],
        batch_size=5000,
    )
    paper_ids = [paper.pk for paper in stored]
    rng.shuffle(paper_ids)
    # Zipf-like attention: the first papers of the shuffled list draw most of the posts.
    weights = list(itertools.accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(paper_ids))))
    handles = [f"reader{n}" for n in range(max(1, posts // 4))]

    tweets, credited = [], []
    for n in range(posts):
        handle = rng.choice(handles)
        handle = rng.choice([handle, handle, handle, handle.upper(), handle.capitalize()])
        # Whole minutes, so that equal times happen and the id decides; some after the build time.
        posted_at = as_of - dt.timedelta(minutes=rng.randrange(-3 * 60, 36 * 60))
        tweets.append(
            Tweet(
                source=Tweet.Source.X if rng.random() < 0.75 else Tweet.Source.BLUESKY,
                external_id=f"{seed}-{n}",
                learned_via=Tweet.LearnedVia.DUMP,
                url=f"https://example.org/{handle}/{seed}-{n}",
                author_handle=handle,
                author_name=handle.title(),
                text=f"Post {n}",
                posted_at=None if rng.random() < 0.01 else posted_at,
                retweets=_counter(rng, 1.4),
                likes=_counter(rng, 1.2),
                is_hidden=rng.random() < 0.02,
            )
        )
        first = rng.choices(paper_ids, cum_weights=weights)[0]
        second = rng.choices(paper_ids, cum_weights=weights)[0] if rng.random() < 0.1 else first
        credited.append(sorted({first, second}))
    Tweet.objects.bulk_create(tweets, batch_size=5000)
    # created_at is auto_now_add: set it after, around the build time, for the posts with no time.
    built = Tweet.objects.filter(external_id__startswith=f"{seed}-").alias(third=Mod("pk", 3))
    for third, hours in enumerate((-30, -1, 1)):
        built.filter(third=third).update(created_at=as_of + dt.timedelta(hours=hours))
    insert_rows(
        Tweet.papers.through,
        ("tweet", "paper"),
        ((tweet.pk, paper_id) for tweet, ids in zip(tweets, credited, strict=True) for paper_id in ids),
    )
    return [paper.pk for paper in stored if paper.announced_on == day]


def _counter(rng, alpha):
    """Heavy-tailed counters: mostly a handful, now and then thousands."""
    return min(int(rng.paretovariate(alpha)) - 1, 50_000)


def naive_rank_day(*, day, as_of, size=30, min_paper_score=50, min_post_score=25, max_embedded=10, prefetch=True):
    """The rule as a plain loop over every post of the day's papers (no window functions, no SQL sums).

    The posts come in one ORM query (prefetch_related), or with prefetch=False one query per paper.
    """

    def order(tweet):
        return (-(tweet.retweets + tweet.likes), tweet.posted_at or tweet.created_at, tweet.pk)

    candidates = []
    papers = Paper.objects.filter(announced_on=day).only("pk", "arxiv_id")
    for paper in papers.prefetch_related("tweets") if prefetch else papers:
        best, post_count = {}, 0
        for tweet in paper.tweets.all():
            if tweet.is_hidden or (tweet.posted_at or tweet.created_at) > as_of:
                continue
            post_count += 1
            account = (tweet.source, tweet.author_handle.lower())
            if account not in best or order(tweet) < order(best[account]):
                best[account] = tweet
        counted = sorted(best.values(), key=order)
        embedded = [t.pk for t in counted[:max_embedded] if t.retweets + t.likes >= min_post_score]
        candidates.append(
            RankedPaper(
                paper_id=paper.pk,
                arxiv_id=paper.arxiv_id,
                score=sum(t.retweets + t.likes for t in counted),
                retweets=sum(t.retweets for t in counted),
                favorites=sum(t.likes for t in counted),
                post_count=post_count,
                account_count=len(counted),
                sources=tuple(s for s in Tweet.Source.values if any(t.source == s for t in counted)),
                embedded_post_ids=tuple(embedded or [t.pk for t in counted[:1]]),
            )
        )
    candidates.sort(key=lambda r: (-r.score, r.arxiv_id))
    return DayRanking(
        day=day,
        as_of=as_of,
        size=size,
        min_paper_score=min_paper_score,
        min_post_score=min_post_score,
        featured=[r for r in candidates if r.score >= min_paper_score][:size],
        candidates=candidates,
    )
