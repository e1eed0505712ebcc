"""digests_build: a day's draft from the ranking, and rebuilds that keep what editors did."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from digests.models import DailyDigest, DigestEntry, DigestEntryTweet, DigestTag
from digests.services.building import _social_image, digest_entry_add, digests_build
from digests.services.publishing import DigestStateError
from papers.models import Tweet
from tests.digests.building_days import AS_OF, DAY, day_paper, post, scored_papers
from tests.digests.factories import DailyDigestFactory

pytestmark = pytest.mark.django_db
NAIVE = dt.datetime(2022, 1, 14, 11, 0)  # noqa: DTZ001  (what the service must refuse)


def shown(digest):
    """(arXiv id, position) of the digest's shown entries, in order."""
    return list(
        DigestEntry.objects.shown()
        .filter(digest=digest)
        .order_by("position")
        .values_list("paper__arxiv_id", "position")
    )


def ids(digest):
    return [arxiv_id for arxiv_id, _ in shown(digest)]


def snapshot_of_database():
    """Every row building writes, as plain values (modified_at included: a no-op build must not touch it)."""
    return {
        "digests": list(DailyDigest.objects.order_by("pk").values()),
        "entries": list(DigestEntry.objects.order_by("pk").values()),
        "posts": list(DigestEntryTweet.objects.order_by("pk").values()),
        "tags": list(DigestTag.objects.order_by("pk").values()),
    }


def test_a_build_makes_the_days_draft_with_the_rankings_figures_and_posts():
    hyper = day_paper("2201.04182", categories=["cs.LG", "cs.CV"])
    best = post(hyper, score=900, retweets=700, handle="ak92501")
    second = post(hyper, score=400, retweets=100, handle="hardmaru")
    weak = post(hyper, score=10, retweets=0, handle="someone")  # under 25: counted, not embedded
    symbolic = day_paper("2201.04600", categories=["cs.LG"])
    post(symbolic, score=120, retweets=20, handle="HochreiterSepp", source="bluesky")
    quiet = day_paper("2201.04337", categories=["cs.CL"])
    post(quiet, score=40)  # a candidate, under the 50 a paper needs
    day_paper("2201.04999")  # no posts at all
    day_paper("2201.05000", day=dt.date(2022, 1, 14))
    post(day_paper("2201.05001", day=dt.date(2022, 1, 12)), score=5000)  # another day's paper

    result = digests_build(day=DAY, as_of=AS_OF)

    digest = result.digest
    assert (result.created, result.changed, result.papers, result.new, result.kept) == (True, True, 2, 2, 0)
    assert result.embedded_posts == 3
    assert digest.status == DailyDigest.Status.DRAFT and digest.published_at is None
    assert (digest.date, digest.slug, digest.title, digest.description) == (
        DAY,
        "hot-papers-2022-01-13",
        "Hot Papers 2022-01-13",
        "Hot papers 2022-01-13",
    )
    assert digest.social_image == _social_image(digest.slug)
    assert digest.generated_at == AS_OF
    assert shown(digest) == [("2201.04182", 1), ("2201.04600", 2)]
    first, second_entry = DigestEntry.objects.filter(digest=digest).order_by("position")
    assert (first.retweets, first.favorites, first.score) == (800, 510, 1310)
    assert (first.post_count, first.account_count, first.sources, first.measured_at) == (3, 3, ["x"], AS_OF)
    assert [link.tweet for link in first.entry_tweets.order_by("position")] == [best, second]
    assert weak.pk not in first.ranked_post_ids
    assert first.why_line == "Score 1,310 (reposts + likes): 3 posts from 3 accounts on X"
    assert second_entry.why_line == "Score 120 (reposts + likes): 1 post from 1 account on Bluesky"
    assert [tag.name for tag in digest.tags.order_by("digest_tags__position")] == [
        "arXiv",
        "Twitter",
        "Bluesky",
        "Machine Learning",
        "Computer Vision and Pattern Recognition",
        "Computer Science",
    ]


def test_building_twice_with_the_same_time_writes_nothing_the_second_time():
    papers = scored_papers([300, 200, 100])
    post(papers[0], score=80)
    digests_build(day=DAY, as_of=AS_OF)
    before = snapshot_of_database()

    again = digests_build(day=DAY, as_of=AS_OF)

    assert (again.created, again.changed, again.papers, again.new, again.kept) == (False, False, 3, 0, 3)
    assert snapshot_of_database() == before


def test_a_rebuild_refreshes_the_figures_and_reranks_entries_no_editor_touched():
    low, high = scored_papers([60, 300])
    digests_build(day=DAY, as_of=AS_OF)
    assert ids(DailyDigest.objects.get()) == ["2201.04001", "2201.04000"]
    post(low, score=500)
    later = AS_OF + dt.timedelta(hours=2)

    result = digests_build(day=DAY, as_of=later)

    digest = result.digest
    assert ids(digest) == ["2201.04000", "2201.04001"]
    entry = DigestEntry.objects.get(digest=digest, paper=low)
    assert (entry.score, entry.post_count, entry.measured_at) == (560, 2, later)
    assert digest.generated_at == later
    assert (result.new, result.kept, result.removed) == (0, 2, 0)


def test_a_rebuild_keeps_pins_manual_places_notes_and_exclusions_and_reranks_the_rest():
    # Scores 500, 400, 300, 200, 100: ids 2201.04000 ... 04004, in that order.
    papers = scored_papers([500, 400, 300, 200, 100])
    digest = digests_build(day=DAY, as_of=AS_OF).digest
    entries = {e.paper.arxiv_id: e for e in DigestEntry.objects.filter(digest=digest).select_related("paper")}
    # The editor excludes #1, pins #4 where it is, writes a note on #3 and moves #5 to the top.
    DigestEntry.objects.filter(pk=entries["2201.04000"].pk).update(is_excluded=True)
    DigestEntry.objects.filter(pk=entries["2201.04003"].pk).update(is_pinned=True)
    DigestEntry.objects.filter(pk=entries["2201.04002"].pk).update(note="Worth a look.")
    for entry, position in ((entries["2201.04004"], 10_001), (entries["2201.04000"], 5), (entries["2201.04004"], 1)):
        DigestEntry.objects.filter(pk=entry.pk).update(position=position)
    DigestEntry.objects.filter(pk=entries["2201.04004"].pk).update(is_manually_placed=True)
    # Since: a new paper takes off, and the noted paper's only post is hidden (it falls out of the ranking).
    newcomer = day_paper("2201.04010")
    post(newcomer, score=450)
    papers[2].tweets.update(is_hidden=True)

    result = digests_build(day=DAY, as_of=AS_OF + dt.timedelta(hours=1))

    assert shown(digest) == [
        ("2201.04004", 1),  # moved there by the editor
        ("2201.04010", 2),  # 450
        ("2201.04001", 3),  # 400
        ("2201.04003", 4),  # pinned at 4
        ("2201.04002", 5),  # score 0 now, kept for its note
    ]
    excluded = DigestEntry.objects.get(digest=digest, paper=papers[0])
    assert (excluded.is_excluded, excluded.position) == (True, 6)  # kept after the shown ones, never shown
    assert DigestEntry.objects.get(digest=digest, paper=papers[2]).note == "Worth a look."
    assert (result.papers, result.new, result.kept, result.pinned, result.excluded) == (5, 1, 4, 1, 1)


def test_entries_that_fall_out_of_the_ranking_go_and_the_size_is_filled_from_the_next_best():
    papers = scored_papers([500, 400, 300, 200, 100])
    digest = digests_build(day=DAY, size=3, as_of=AS_OF).digest
    assert ids(digest) == ["2201.04000", "2201.04001", "2201.04002"]
    DigestEntry.objects.filter(digest=digest, paper=papers[0]).update(is_excluded=True)
    papers[1].tweets.update(retweets=0, likes=10)  # 400 -> 10: under the threshold

    result = digests_build(day=DAY, size=3, as_of=AS_OF)

    assert ids(digest) == ["2201.04002", "2201.04003", "2201.04004"]
    assert (result.removed, result.excluded) == (1, 1)
    assert not DigestEntry.objects.filter(digest=digest, paper=papers[1]).exists()


def test_pinned_entries_beyond_the_end_close_up_and_fixed_entries_stay_beyond_the_size():
    papers = scored_papers([500, 400, 300])
    digest = digests_build(day=DAY, as_of=AS_OF).digest
    DigestEntry.objects.filter(digest=digest, paper=papers[2]).update(is_pinned=True)
    for paper in papers[:2]:
        paper.tweets.update(is_hidden=True)

    digests_build(day=DAY, size=1, as_of=AS_OF)

    assert shown(digest) == [("2201.04002", 1)]


def test_posts_an_editor_chose_for_an_entry_stay_through_a_rebuild():
    paper = day_paper("2201.04182")
    best = post(paper, score=300)
    other = post(paper, score=200)
    untouched_paper = day_paper("2201.04183")
    post(untouched_paper, score=100)
    digest = digests_build(day=DAY, as_of=AS_OF).digest
    entry = DigestEntry.objects.get(digest=digest, paper=paper)
    entry.entry_tweets.filter(tweet=other).delete()  # the editor keeps only the best one
    newer = post(untouched_paper, score=90)

    digests_build(day=DAY, as_of=AS_OF)

    assert [link.tweet for link in entry.entry_tweets.order_by("position")] == [best]
    untouched = DigestEntry.objects.get(digest=digest, paper=untouched_paper)
    assert [link.tweet_id for link in untouched.entry_tweets.order_by("position")][-1] == newer.pk


def test_a_published_digest_is_never_rebuilt():
    scored_papers([300])
    digest = digests_build(day=DAY, as_of=AS_OF).digest
    DailyDigest.objects.filter(pk=digest.pk).update(status=DailyDigest.Status.PUBLISHED, published_at=AS_OF)
    before = snapshot_of_database()

    with pytest.raises(DigestStateError) as error:
        digests_build(day=DAY, as_of=AS_OF)

    assert str(error.value) == "Hot Papers 2022-01-13 is published, and published digests are never rebuilt; edit them."
    assert snapshot_of_database() == before


def test_a_scheduled_digest_is_rebuilt_until_its_time_comes():
    scored_papers([300])
    digest = digests_build(day=DAY, as_of=AS_OF).digest
    soon = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    DailyDigest.objects.filter(pk=digest.pk).update(status=DailyDigest.Status.SCHEDULED, publish_at=soon)
    assert digests_build(day=DAY, as_of=AS_OF + dt.timedelta(hours=1)).digest.status == DailyDigest.Status.SCHEDULED

    DailyDigest.objects.filter(pk=digest.pk).update(publish_at=AS_OF)  # now due: readers see it
    with pytest.raises(DigestStateError, match="never rebuilt"):
        digests_build(day=DAY, as_of=AS_OF)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"day": dt.date(2022, 1, 15)}, "arXiv has no listing on Saturday 2022-01-15: digests cover Monday to Friday."),
        ({"day": DAY, "size": 0}, "The size is a number of papers, at least 1, not 0."),
        ({"day": "2022-01-13"}, "A digest is built for a date, not '2022-01-13'."),
        (
            {"day": DAY, "as_of": NAIVE},
            "The build time 2022-01-14T11:00:00 has no time zone.",
        ),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(kwargs, message):
    scored_papers([300])
    with pytest.raises(DigestStateError) as error:
        digests_build(**kwargs)
    assert str(error.value) == message
    assert not DailyDigest.objects.exists()


def test_a_digest_holding_the_slug_for_another_day_is_refused():
    DailyDigestFactory(date=dt.date(2022, 2, 1), slug="hot-papers-2022-01-13", draft=True)
    with pytest.raises(DigestStateError, match="The slug hot-papers-2022-01-13 is taken by the digest of 2022-02-01"):
        digests_build(day=DAY, as_of=AS_OF)


def test_a_day_without_posts_builds_an_empty_draft():
    day_paper("2201.04999")
    result = digests_build(day=DAY, as_of=AS_OF)
    assert (result.papers, result.digest.status) == (0, DailyDigest.Status.DRAFT)
    assert [tag.name for tag in result.digest.tags.all()] == ["arXiv"]


def test_microseconds_are_dropped_from_the_build_time():
    scored_papers([300])
    digest = digests_build(day=DAY, as_of=AS_OF.replace(microsecond=123456)).digest
    assert digest.generated_at == AS_OF
    assert DigestEntry.objects.get(digest=digest).measured_at == AS_OF


# --- an editor adds a paper ----------------------------------------------------------------------


def test_an_added_paper_gets_its_figures_and_posts_from_the_ranking_and_is_pinned_after_the_shown_entries():
    papers = scored_papers([500, 400])
    digest = digests_build(day=DAY, as_of=AS_OF).digest
    DigestEntry.objects.filter(digest=digest, paper=papers[0]).update(is_excluded=True, position=10)
    DigestEntry.objects.filter(digest=digest, paper=papers[1]).update(position=1)
    DigestEntry.objects.filter(digest=digest, paper=papers[0]).update(position=2)
    older = day_paper("2201.01234", day=dt.date(2022, 1, 10))  # another day's paper
    first = post(older, score=30, handle="a")
    second = post(older, score=26, handle="b")
    post(older, score=5, handle="c")

    entry = digest_entry_add(digest=digest, paper=older, as_of=AS_OF)

    assert shown(digest) == [("2201.04001", 1), ("2201.01234", 2)]
    assert DigestEntry.objects.get(digest=digest, paper=papers[0]).position == 3
    entry.refresh_from_db()
    assert (entry.is_pinned, entry.score, entry.retweets, entry.post_count, entry.measured_at) == (
        True,
        61,
        19,
        3,
        AS_OF,
    )
    assert [link.tweet for link in entry.entry_tweets.order_by("position")] == [first, second]
    # A rebuild keeps it, where it is.
    digests_build(day=DAY, as_of=AS_OF)
    assert shown(digest) == [("2201.04001", 1), ("2201.01234", 2)]


def test_adding_a_paper_already_in_the_digest_is_refused_and_an_excluded_one_comes_back():
    papers = scored_papers([500, 400])
    digest = digests_build(day=DAY, as_of=AS_OF).digest
    with pytest.raises(DigestStateError) as error:
        digest_entry_add(digest=digest, paper=papers[1])
    assert str(error.value) == "2201.04001 is already in Hot Papers 2022-01-13, at #2."

    DigestEntry.objects.filter(digest=digest, paper=papers[0]).update(is_excluded=True)
    entry = digest_entry_add(digest=digest, paper=papers[0], as_of=AS_OF)

    assert (entry.is_excluded, entry.is_pinned) == (False, True)
    assert shown(digest) == [("2201.04001", 1), ("2201.04000", 2)]


# --- queries ---------------------------------------------------------------------------------------


def _queries(call):
    with CaptureQueriesContext(connection) as context:
        call()
    return len([query for query in context.captured_queries if "SAVEPOINT" not in query["sql"]])


@pytest.mark.parametrize("papers", [3, 25])
def test_a_build_costs_the_same_queries_whatever_its_size(papers):
    made = scored_papers([100 + 10 * n for n in range(papers)])
    # The digest (and its history row), the ranking, entries (and theirs), their posts, categories, tags (read,
    # create, read again), digest tags (read, clear, write).
    assert _queries(lambda: digests_build(day=DAY, as_of=AS_OF)) == 14

    # Every figure changes and the order turns over; a third of the papers fall out (1 or 8) and a new one
    # comes in: the history of the entries written, moved and removed is written in bulk too.
    Tweet.objects.update(likes=10_000 - F("likes"))
    Tweet.objects.filter(papers__in=made[: max(1, papers // 3)]).update(is_hidden=True)
    post(day_paper("2201.09999"), score=50_000)
    later = AS_OF + dt.timedelta(hours=1)
    assert _queries(lambda: digests_build(day=DAY, as_of=later)) == 18

    assert _queries(lambda: digests_build(day=DAY, as_of=later)) == 7  # reads only


def test_an_imported_entry_without_the_rankings_figures_says_its_score_only():
    entry = DigestEntry(retweets=1343, favorites=239, score=1582)
    assert (entry.has_ranking_snapshot, entry.why_line) == (False, "Score 1,582 (reposts + likes)")
    entry.why_line = "Score 1,582 (reposts + likes): 2 posts from 2 accounts on X"  # what a page may work out
    assert entry.why_line == "Score 1,582 (reposts + likes): 2 posts from 2 accounts on X"
    built = DigestEntry(score=0, post_count=0)
    assert (built.has_ranking_snapshot, built.why_line) == (True, "Score 0: no posts about it yet")


def test_a_build_leaves_in_the_history_what_it_did_to_each_entry():
    kept, dropped = scored_papers([300, 200])
    digest = digests_build(day=DAY, as_of=AS_OF).digest
    entry = DigestEntry.objects.get(digest=digest, paper=kept)
    dropped.tweets.update(is_hidden=True)
    post(kept, score=100)

    digests_build(day=DAY, as_of=AS_OF + dt.timedelta(hours=1))

    history = [(h.history_type, h.score, h.history_change_reason) for h in entry.history.order_by("history_date")]
    assert history == [("+", 300, "Built from the ranking"), ("~", 400, "Built from the ranking")]
    gone = DigestEntry.history.filter(paper_id=dropped.pk).order_by("history_date")
    assert [(h.history_type, h.history_user) for h in gone] == [("+", None), ("-", None)]
    assert not DigestEntry.objects.filter(paper=dropped).exists()
