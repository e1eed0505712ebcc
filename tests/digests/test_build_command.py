"""build_digest as people run it: the summary line, the default day, and clear refusals."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from digests.models import DailyDigest, DigestEntry
from tests.digests.building_days import DAY, scored_papers

pytestmark = pytest.mark.django_db


def build(*args):
    out = io.StringIO()
    call_command("build_digest", *args, stdout=out)
    return out.getvalue()


def test_the_command_builds_the_named_day_and_says_what_it_did():
    papers = scored_papers([500, 400, 300, 200, 100, 40])

    assert build("--date", "2022-01-13") == (
        "Built the draft of 2022-01-13: 5 papers (5 new, 0 kept, 0 pinned), 5 embedded posts.\n"
    )

    digest = DailyDigest.objects.get()
    DigestEntry.objects.filter(digest=digest, paper=papers[1]).update(is_pinned=True)
    DigestEntry.objects.filter(digest=digest, paper=papers[4]).update(is_excluded=True)
    assert build("--date", "2022-01-13", "--size", "3") == (
        "Built the draft of 2022-01-13: 3 papers (0 new, 3 kept, 1 pinned, 1 removed, 1 excluded), 3 embedded posts.\n"
    )


def test_building_again_with_nothing_new_says_so():
    scored_papers([300])
    with time_machine.travel(dt.datetime(2022, 1, 14, 12, 0, tzinfo=dt.UTC), tick=False):
        build("--date", "2022-01-13")
        assert build("--date", "2022-01-13") == (
            "Nothing changed in the draft of 2022-01-13: 1 paper (0 new, 1 kept, 0 pinned), 1 embedded post.\n"
        )


@time_machine.travel(dt.datetime(2022, 1, 13, 16, 0, tzinfo=dt.UTC), tick=False)
def test_without_a_date_it_builds_todays_listing_in_new_york():
    scored_papers([300])
    assert build().startswith("Built the draft of 2022-01-13: 1 paper")
    assert DailyDigest.objects.get().date == DAY


@time_machine.travel(dt.datetime(2022, 1, 16, 16, 0, tzinfo=dt.UTC), tick=False)
def test_on_a_weekend_without_a_date_it_asks_for_one():
    with pytest.raises(CommandError) as error:
        build()
    assert str(error.value) == (
        "today, Sunday 2022-01-16 in New York, has no arXiv listing: "
        "give the day to build with --date YYYY-MM-DD (Monday to Friday)"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2022-01-15"], "arXiv has no listing on Saturday 2022-01-15: digests cover Monday to Friday."),
        (["--date", "13/01/2022"], "--date '13/01/2022' is not a date (expected YYYY-MM-DD)"),
        (["--date", "2022-01-13", "--size", "none"], "--size 'none' is not a number of papers"),
        (["--date", "2022-01-13", "--size", "0"], "--size '0' is not a number of papers"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(args, message):
    with pytest.raises(CommandError) as error:
        build(*args)
    assert str(error.value).startswith(message)
    assert not DailyDigest.objects.exists()


def test_a_published_digest_is_refused():
    scored_papers([300])
    build("--date", "2022-01-13")
    DailyDigest.objects.update(
        status=DailyDigest.Status.PUBLISHED, published_at=dt.datetime(2022, 1, 14, tzinfo=dt.UTC)
    )
    with pytest.raises(CommandError, match="published digests are never rebuilt; edit them"):
        build("--date", "2022-01-13")
