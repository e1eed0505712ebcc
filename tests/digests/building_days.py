"""Small hand-made days for the building tests: papers announced on a day, and posts about them."""

import datetime as dt
import itertools

from papers.models import Category
from papers.taxonomy import TAXONOMY
from tests.papers.factories import PaperFactory, TweetFactory

DAY = dt.date(2022, 1, 13)  # a Thursday, the seed's day
AS_OF = dt.datetime(2022, 1, 14, 11, 10, 50, tzinfo=dt.UTC)
POSTED = dt.datetime(2022, 1, 13, 9, 0, tzinfo=dt.UTC)

_handles = itertools.count(1)


def day_paper(arxiv_id, *, day=DAY, categories=("cs.LG",), title=None):
    """A paper of arXiv's listing dated `day`, with two authors and the given categories (named as arXiv does)."""
    names = {code: (name, group) for code, name, group in TAXONOMY}
    for code in categories:
        name, group = names[code]
        Category.objects.update_or_create(code=code, defaults={"name": name, "group": group})
    paper = PaperFactory(
        arxiv_id=arxiv_id,
        title=title or f"On {arxiv_id}",
        with_authors=2,
        with_categories=list(categories),
    )
    paper.announced_on = day
    paper.save(update_fields=["announced_on"])
    return paper


def post(paper, *, score, retweets=None, handle=None, source="x", posted_at=POSTED, **fields):
    """A visible post about `paper` scoring `score` (reposts + likes), from its own account unless told."""
    retweets = score // 3 if retweets is None else retweets
    return TweetFactory(
        source=source,
        author_handle=handle or f"reader{next(_handles)}",
        retweets=retweets,
        likes=score - retweets,
        posted_at=posted_at,
        with_papers=[paper],
        **fields,
    )


def scored_papers(scores, *, day=DAY, first_id=4000, categories=("cs.LG",)):
    """One paper per score (arXiv ids 2201.0<first_id>, …), each with one post of that score."""
    papers = []
    for offset, score in enumerate(scores):
        paper = day_paper(f"2201.{first_id + offset:05d}", day=day, categories=categories)
        if score:
            post(paper, score=score)
        papers.append(paper)
    return papers
