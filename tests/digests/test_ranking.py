"""The ranking rule on hand-made days (digests/ranking.py)."""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digests.ranking import RankedPaper, rank_day, rank_papers, why_line
from digests.services.importing import digest_import_text
from papers.models import Paper, Tweet
from papers.services.upsert import PaperRecord, papers_upsert
from tests.digests.ranking_days import build_day, naive_rank_day
from tests.papers.factories import PaperFactory, TweetFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2022, 1, 13)  # Thursday: submissions of Tuesday 14:00 to Wednesday 14:00 New York time
POSTED = dt.datetime(2022, 1, 13, 9, 0, tzinfo=dt.UTC)
AS_OF = dt.datetime(2022, 1, 14, 11, 0, tzinfo=dt.UTC)
_handles = (f"reader{n}" for n in itertools.count())


def paper(arxiv_id=None, *, day=DAY):
    return PaperFactory(**({"arxiv_id": arxiv_id} if arxiv_id else {}), announced_on=day)


def post(*papers, retweets=0, likes=0, handle=None, source=Tweet.Source.X, posted_at=POSTED, **fields):
    """A post by a new account unless `handle` is given, linking to `papers`."""
    return TweetFactory(
        with_papers=papers,
        author_handle=handle or next(_handles),
        source=source,
        retweets=retweets,
        likes=likes,
        posted_at=posted_at,
        **fields,
    )


def ranked(day=DAY, **kwargs):
    kwargs.setdefault("as_of", AS_OF)
    return rank_day(day=day, **kwargs)


def standing(paper_, **kwargs):
    return ranked(**kwargs).by_paper_id[paper_.pk]


def featured_ids(**kwargs):
    return [r.arxiv_id for r in ranked(**kwargs).featured]


def test_a_paper_scores_the_reposts_and_likes_of_its_posts():
    hot = paper()
    a = post(hot, retweets=30, likes=40, replies=99, quotes=99)  # replies and quotes do not score
    post(hot, retweets=5, likes=6, source=Tweet.Source.BLUESKY)
    result = standing(hot)
    assert result == RankedPaper(
        paper_id=hot.pk,
        arxiv_id=hot.arxiv_id,
        score=81,
        retweets=35,
        favorites=46,
        post_count=2,
        account_count=2,
        sources=("x", "bluesky"),
        embedded_post_ids=(a.pk,),  # b scores 11, under 25, and a is there
    )
    assert ranked().featured == [result]


def test_papers_are_featured_by_score_then_by_arxiv_id():
    for arxiv_id, score in [("2201.00003", 60), ("2201.00001", 60), ("2201.00002", 90), ("2201.00004", 60)]:
        post(paper(arxiv_id), likes=score)
    assert featured_ids() == ["2201.00002", "2201.00001", "2201.00003", "2201.00004"]


def test_equal_scores_go_by_arxiv_id_in_code_point_order_whatever_the_database_collation():
    # A locale collation would put "math/" first (it skips the hyphen, and digits sort before letters);
    # the ranking compares ids as Python compares strings, by code point (the module docstring).
    for arxiv_id in ["math/0001001", "math-ph/0001001", "2201.00001", "hep-th/0001001"]:
        post(paper(arxiv_id), likes=60)
    assert featured_ids() == ["2201.00001", "hep-th/0001001", "math-ph/0001001", "math/0001001"]
    assert featured_ids() == sorted(featured_ids())


def test_a_paper_needs_a_score_of_50_to_be_featured_but_stays_a_candidate():
    at, under, silent = paper("2201.00050"), paper("2201.00049"), paper("2201.00000")
    post(at, retweets=20, likes=30)
    post(under, retweets=20, likes=29)
    result = ranked()
    assert [r.arxiv_id for r in result.featured] == ["2201.00050"]
    assert [(r.arxiv_id, r.score) for r in result.candidates] == [
        ("2201.00050", 50),
        ("2201.00049", 49),
        ("2201.00000", 0),
    ]
    assert result.by_paper_id[silent.pk].embedded_post_ids == ()
    assert featured_ids(min_paper_score=49) == ["2201.00050", "2201.00049"]


def test_posts_scoring_25_are_embedded_best_first_and_lower_ones_are_not():
    hot = paper()
    low = post(hot, likes=24)
    at = post(hot, likes=25)
    best = post(hot, likes=100)
    assert standing(hot).embedded_post_ids == (best.pk, at.pk)
    assert standing(hot, min_post_score=24).embedded_post_ids == (best.pk, at.pk, low.pk)


def test_when_no_post_reaches_25_the_best_one_alone_is_embedded():
    quiet = paper()
    post(quiet, likes=20, posted_at=POSTED)
    best = post(quiet, likes=24)
    post(quiet, likes=24, posted_at=POSTED + dt.timedelta(hours=1))
    assert standing(quiet).embedded_post_ids == (best.pk,)


def test_the_best_post_alone_is_an_accounts_best_when_that_account_posted_the_best_score_twice():
    quiet = paper()
    post(quiet, likes=10, handle="amy", posted_at=POSTED + dt.timedelta(hours=1))
    earlier = post(quiet, likes=10, handle="AMY")  # amy's best: the same score, earlier
    post(quiet, likes=10, handle="bob")  # the same score and time as amy's best, a larger id
    post(quiet, likes=3)
    result = standing(quiet)
    assert (result.score, result.post_count, result.account_count) == (23, 4, 3)
    assert result.embedded_post_ids == (earlier.pk,)


def test_a_hidden_or_later_post_is_never_the_best_one_embedded():
    quiet = paper()
    post(quiet, likes=24, is_hidden=True)
    post(quiet, likes=24, posted_at=AS_OF + dt.timedelta(minutes=1))
    shown = post(quiet, likes=2)
    assert standing(quiet).embedded_post_ids == (shown.pk,)


def test_an_entry_embeds_at_most_10_posts():
    hot = paper()
    posts = [post(hot, likes=100 + n) for n in range(12)]
    best_first = tuple(p.pk for p in reversed(posts))
    assert standing(hot).embedded_post_ids == best_first[:10]
    assert standing(hot, max_embedded=3).embedded_post_ids == best_first[:3]
    assert standing(hot).account_count == 12


def test_equal_posts_go_earlier_first_then_smaller_id_first():
    hot = paper()
    later = post(hot, likes=30, posted_at=POSTED + dt.timedelta(minutes=5))
    first = post(hot, likes=30)
    second = post(hot, likes=30)  # same time as `first`, larger id
    assert first.pk < second.pk
    assert standing(hot).embedded_post_ids == (first.pk, second.pk, later.pk)


def test_hidden_posts_count_for_nothing():
    hot = paper()
    post(hot, likes=500, is_hidden=True)
    shown = post(hot, likes=10)
    result = standing(hot)
    assert (result.score, result.post_count, result.embedded_post_ids) == (10, 1, (shown.pk,))
    assert ranked().featured == []


def test_an_account_counts_once_per_paper_with_its_best_post_whatever_the_handle_case():
    hot = paper()
    post(hot, likes=40, handle="Ak92501")
    best = post(hot, likes=45, handle="ak92501")
    post(hot, likes=45, handle="AK92501", posted_at=POSTED + dt.timedelta(hours=1))  # tie: the earlier wins
    result = standing(hot)
    assert (result.score, result.post_count, result.account_count) == (45, 3, 1)
    assert result.embedded_post_ids == (best.pk,)
    assert result.favorites == 45


def test_an_account_tie_at_the_same_time_goes_to_the_smaller_id():
    hot = paper()
    first = post(hot, retweets=10, handle="twin")
    post(hot, likes=10, handle="twin")
    result = standing(hot)
    assert (result.embedded_post_ids, result.retweets, result.favorites) == ((first.pk,), 10, 0)


def test_the_same_handle_on_two_platforms_is_two_accounts():
    hot = paper()
    post(hot, likes=30, handle="karpathy", source=Tweet.Source.X)
    post(hot, likes=30, handle="karpathy", source=Tweet.Source.BLUESKY)
    result = standing(hot)
    assert (result.score, result.account_count, result.sources) == (60, 2, ("x", "bluesky"))


def test_a_post_linking_two_papers_counts_for_both():
    first, second = paper("2201.00001"), paper("2201.00002")
    both = post(first, second, likes=60)
    post(second, likes=5)
    result = ranked()
    assert [(r.arxiv_id, r.score) for r in result.featured] == [("2201.00002", 65), ("2201.00001", 60)]
    assert all(r.embedded_post_ids[0] == both.pk for r in result.featured)


def test_one_account_posting_about_two_papers_counts_for_each():
    first, second = paper("2201.00001"), paper("2201.00002")
    post(first, likes=50, handle="same")
    post(second, likes=50, handle="same")
    assert featured_ids() == ["2201.00001", "2201.00002"]


def test_quote_posts_count_as_posts_of_their_own_and_reposts_only_through_the_counter():
    hot = paper()
    # The original: 30 reposts (reposts are no rows of their own), 10 likes, quoted twice.
    original = post(hot, retweets=30, likes=10, quotes=2, text="A paper worth reading")
    quote = post(hot, retweets=1, likes=14, text="This is the one to read today", handle="quoter")
    result = standing(hot)
    assert (result.score, result.retweets, result.favorites, result.account_count) == (55, 31, 24, 2)
    assert result.embedded_post_ids == (original.pk,)
    assert quote.pk in rank_papers(paper_ids=[hot.pk], as_of=AS_OF, min_post_score=15)[hot.pk].embedded_post_ids


def test_posts_after_the_build_time_do_not_count_yet():
    hot = paper()
    post(hot, likes=40, posted_at=dt.datetime(2022, 1, 14, 10, 0, tzinfo=dt.UTC))
    post(hot, likes=40, posted_at=dt.datetime(2022, 1, 14, 12, 0, tzinfo=dt.UTC))
    assert standing(hot).score == 40
    assert standing(hot, as_of=dt.datetime(2022, 1, 14, 12, 0, tzinfo=dt.UTC)).score == 80
    assert standing(hot, as_of=dt.datetime(2022, 1, 14, 9, 0, tzinfo=dt.UTC)).post_count == 0


def test_a_post_with_no_time_counts_from_when_it_was_stored():
    hot = paper()
    undated = post(hot, likes=40, posted_at=None)
    assert standing(hot, as_of=undated.created_at).score == 40
    assert standing(hot, as_of=undated.created_at - dt.timedelta(seconds=1)).score == 0


def test_a_digest_features_at_most_size_papers():
    for n in range(5):
        post(paper(f"2201.0000{n}"), likes=100 - n)
    assert featured_ids(size=3) == ["2201.00000", "2201.00001", "2201.00002"]
    assert featured_ids(size=0) == []
    assert len(ranked(size=3).candidates) == 5


def test_papers_announced_on_another_day_are_not_candidates():
    today, yesterday, unknown = paper(), paper(day=DAY - dt.timedelta(days=1)), paper(day=None)
    for p in (today, yesterday, unknown):
        post(p, likes=100)
    assert [r.paper_id for r in ranked().candidates] == [today.pk]
    assert [r.paper_id for r in ranked(day=DAY - dt.timedelta(days=1)).candidates] == [yesterday.pk]


@pytest.mark.parametrize(
    ("published", "day"),
    [
        (dt.datetime(2022, 1, 12, 18, 59, tzinfo=dt.UTC), dt.date(2022, 1, 13)),  # winter: 13:59 EST
        (dt.datetime(2022, 1, 12, 19, 0, tzinfo=dt.UTC), dt.date(2022, 1, 14)),  # winter: 14:00 EST
        (dt.datetime(2022, 7, 13, 17, 59, tzinfo=dt.UTC), dt.date(2022, 7, 14)),  # summer: 13:59 EDT
        (dt.datetime(2022, 7, 13, 18, 0, tzinfo=dt.UTC), dt.date(2022, 7, 15)),  # summer: 14:00 EDT
    ],
)
def test_the_new_york_cutoff_decides_whose_candidate_an_ingested_paper_is(published, day):
    result = papers_upsert(
        records=[PaperRecord(arxiv_id="2201.04182", title="T", authors=(), categories=(), published=published)]
    )
    post(Paper.objects.get(pk=result.paper_ids["2201.04182"]), likes=60, posted_at=published)
    later = dt.datetime.combine(day, dt.time(23), tzinfo=dt.UTC)
    assert featured_ids(day=day, as_of=later) == ["2201.04182"]
    assert featured_ids(day=day - dt.timedelta(days=1), as_of=later) == []
    assert featured_ids(day=day + dt.timedelta(days=1), as_of=later) == []


def test_an_imported_digest_papers_are_the_candidates_of_its_day(seed_path):
    digest_import_text(text=seed_path.read_text(encoding="utf-8"), name=seed_path.name)
    candidates = ranked(as_of=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)).candidates
    assert len(candidates) == Paper.objects.count() > 0
    assert all(r.post_count >= 1 for r in candidates)


@pytest.mark.parametrize("papers", [3, 30])
def test_ranking_a_day_is_one_query_however_many_papers(papers, django_assert_num_queries):
    for n in range(papers):
        hot = paper(f"2201.{n:05d}")
        for likes in (10, 30, 60):
            post(hot, likes=likes)
        post(hot, likes=5, handle=f"again{n}")
        post(hot, likes=7, handle=f"AGAIN{n}")
    with django_assert_num_queries(1):
        result = ranked()
    assert len(result.featured) == min(papers, 30)
    assert all(r.score == 107 and r.post_count == 5 and r.account_count == 4 for r in result.candidates)


def test_rank_papers_scores_any_papers_by_the_same_rule_in_one_query():
    old = paper("2101.00001", day=dt.date(2021, 1, 5))
    today = paper("2201.00001")
    best = post(old, likes=30, handle="a")
    post(old, likes=10, handle="A")
    post(today, likes=5)
    with CaptureQueriesContext(connection) as queries:
        scores = rank_papers(paper_ids=[today.pk, old.pk, 999_999], as_of=AS_OF)
    assert len(queries) == 1
    assert list(scores) == [old.pk, today.pk]
    assert (scores[old.pk].score, scores[old.pk].embedded_post_ids) == (30, (best.pk,))
    assert scores[today.pk] == standing(today)
    with CaptureQueriesContext(connection) as queries:
        assert rank_papers(paper_ids=[]) == {}
    assert len(queries) == 0


@pytest.mark.parametrize(
    "limits",
    [
        {},
        {"size": 5, "min_paper_score": 200, "min_post_score": 3, "max_embedded": 4},
        {"size": 500, "min_paper_score": 0, "min_post_score": 0, "max_embedded": 1},
    ],
    ids=["defaults", "other-limits", "every-post-embeddable"],
)
def test_the_query_agrees_with_a_plain_python_reading_of_the_rule_on_a_generated_day(limits):
    build_day(day=DAY, papers=200, posts=2500, as_of=AS_OF, seed=7)
    for as_of in (AS_OF, AS_OF - dt.timedelta(hours=20)):
        expected = naive_rank_day(day=DAY, as_of=as_of, **{"size": 30, **limits})
        assert ranked(as_of=as_of, **limits) == expected
        assert len(expected.featured) > 3
    counted = expected.candidates
    assert any(r.post_count > r.account_count for r in counted)  # an account posted twice
    assert any(len(r.embedded_post_ids) == 1 and r.account_count > 1 for r in counted)  # "best alone"


def test_the_limits_default_to_the_settings(settings):
    hot = paper("2201.00001")
    first, second = post(hot, likes=12), post(hot, likes=11)
    post(paper("2201.00002"), likes=10)
    settings.HOTPAPERS_MIN_PAPER_SCORE = 11
    settings.HOTPAPERS_MIN_POST_SCORE = 11
    settings.HOTPAPERS_DIGEST_SIZE = 1
    settings.HOTPAPERS_MAX_EMBEDDED_POSTS = 2
    result = ranked()
    assert (result.size, result.min_paper_score, result.min_post_score) == (1, 11, 11)
    assert [(r.arxiv_id, r.embedded_post_ids) for r in result.featured] == [("2201.00001", (first.pk, second.pk))]
    assert featured_ids(size=5, min_paper_score=10) == ["2201.00001", "2201.00002"]


def test_without_as_of_the_ranking_is_as_of_now():
    hot = paper()
    post(hot, likes=60, posted_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert [r.paper_id for r in rank_day(day=DAY).featured] == [hot.pk]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"day": dt.datetime(2022, 1, 13, tzinfo=dt.UTC)}, TypeError),
        ({"day": DAY, "as_of": dt.datetime(2022, 1, 14)}, ValueError),  # noqa: DTZ001
        ({"day": DAY, "size": -1}, ValueError),
        ({"day": DAY, "min_paper_score": "50"}, ValueError),
        ({"day": DAY, "max_embedded": 0}, ValueError),
    ],
)
def test_bad_arguments_are_refused_before_any_query(kwargs, error, django_assert_num_queries):
    with django_assert_num_queries(0), pytest.raises(error):
        rank_day(**kwargs)


def ranked_paper(**fields):
    defaults = dict(paper_id=1, arxiv_id="2201.00001", retweets=0, favorites=0, embedded_post_ids=())
    return RankedPaper(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("fields", "line"),
    [
        (
            {"score": 312, "post_count": 4, "account_count": 4, "sources": ("x", "bluesky")},
            "Score 312 (reposts + likes): 4 posts from 4 accounts on X and Bluesky",
        ),
        (
            {"score": 1, "post_count": 1, "account_count": 1, "sources": ("bluesky",)},
            "Score 1 (reposts + likes): 1 post from 1 account on Bluesky",
        ),
        (
            {"score": 2048, "post_count": 3, "account_count": 1, "sources": ("x",)},
            "Score 2,048 (reposts + likes): 3 posts from 1 account on X",
        ),
        (
            {"score": 90, "post_count": 3, "account_count": 3, "sources": ("x", "bluesky", "hackernews")},
            "Score 90 (reposts + likes): 3 posts from 3 accounts on X, Bluesky and Hacker News",
        ),
        (
            {"score": 0, "post_count": 0, "account_count": 0, "sources": ()},
            "Score 0: no posts about it yet",
        ),
    ],
)
def test_the_why_line_says_score_posts_accounts_and_platforms(fields, line):
    assert why_line(ranked_paper(**fields)) == line
