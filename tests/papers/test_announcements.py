"""arXiv's announcement schedule: which listing a submission lands in, and each listing's window."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papers.announcements import NEW_YORK, announced_on_for, is_listing_day, submission_window

UTC = dt.UTC


def ny(*args, **kwargs):
    return dt.datetime(*args, tzinfo=NEW_YORK, **kwargs)


# Week of Monday 2022-01-10 (EST, UTC-5).
@pytest.mark.parametrize(
    ("submitted", "listed"),
    [
        (ny(2022, 1, 10, 13, 59, 59), dt.date(2022, 1, 11)),  # Monday before the cutoff: Friday–Monday window
        (ny(2022, 1, 10, 14, 0, 0), dt.date(2022, 1, 12)),  # Monday–Tuesday: Wednesday
        (ny(2022, 1, 11, 13, 59), dt.date(2022, 1, 12)),
        (ny(2022, 1, 11, 14, 0), dt.date(2022, 1, 13)),  # Tuesday–Wednesday: Thursday
        (ny(2022, 1, 12, 13, 59), dt.date(2022, 1, 13)),
        (ny(2022, 1, 12, 14, 0), dt.date(2022, 1, 14)),  # Wednesday–Thursday: Friday
        (ny(2022, 1, 13, 13, 59), dt.date(2022, 1, 14)),
        (ny(2022, 1, 13, 14, 0), dt.date(2022, 1, 17)),  # Thursday–Friday: Monday
        (ny(2022, 1, 14, 13, 59), dt.date(2022, 1, 17)),
        (ny(2022, 1, 14, 14, 0), dt.date(2022, 1, 18)),  # Friday–Monday: Tuesday
        (ny(2022, 1, 15, 3, 0), dt.date(2022, 1, 18)),  # Saturday
        (ny(2022, 1, 16, 23, 59), dt.date(2022, 1, 18)),  # Sunday
        (ny(2022, 1, 17, 13, 59, 59, 999999), dt.date(2022, 1, 18)),
        (ny(2022, 1, 17, 14, 0), dt.date(2022, 1, 19)),
    ],
)
def test_every_weekday_transition_lands_in_its_listing(submitted, listed):
    assert announced_on_for(submitted) == listed


def test_exactly_the_cutoff_belongs_to_the_window_it_opens():
    cutoff = ny(2022, 1, 12, 14, 0, 0)
    assert announced_on_for(cutoff - dt.timedelta(microseconds=1)) == dt.date(2022, 1, 13)
    assert announced_on_for(cutoff) == dt.date(2022, 1, 14)
    assert submission_window(dt.date(2022, 1, 14))[0] == cutoff
    assert submission_window(dt.date(2022, 1, 13))[1] == cutoff


def test_the_cutoff_follows_new_york_time_in_winter_and_summer():
    # Winter (EST, UTC-5): 14:00 in New York is 19:00 UTC.
    assert announced_on_for(dt.datetime(2022, 1, 12, 18, 59, tzinfo=UTC)) == dt.date(2022, 1, 13)
    assert announced_on_for(dt.datetime(2022, 1, 12, 19, 0, tzinfo=UTC)) == dt.date(2022, 1, 14)
    # Summer (EDT, UTC-4): 14:00 in New York is 18:00 UTC.
    assert announced_on_for(dt.datetime(2022, 7, 13, 17, 59, tzinfo=UTC)) == dt.date(2022, 7, 14)
    assert announced_on_for(dt.datetime(2022, 7, 13, 18, 0, tzinfo=UTC)) == dt.date(2022, 7, 15)


def test_any_time_zone_is_read_as_the_instant_it_is():
    tokyo = dt.timezone(dt.timedelta(hours=9))  # 04:00 on Thursday in Tokyo is 14:00 on Wednesday in New York
    assert announced_on_for(dt.datetime(2022, 1, 13, 3, 59, tzinfo=tokyo)) == dt.date(2022, 1, 13)
    assert announced_on_for(dt.datetime(2022, 1, 13, 4, 0, tzinfo=tokyo)) == dt.date(2022, 1, 14)


def test_spring_forward_weekend_window_opens_in_est_and_closes_in_edt():
    # Clocks went forward on Sunday 2022-03-13: the Friday-Monday window spans the change.
    start, end = submission_window(dt.date(2022, 3, 15))
    assert start == dt.datetime(2022, 3, 11, 19, 0, tzinfo=UTC)
    assert end == dt.datetime(2022, 3, 14, 18, 0, tzinfo=UTC)
    assert end - start == dt.timedelta(days=3) - dt.timedelta(hours=1)
    assert announced_on_for(dt.datetime(2022, 3, 11, 18, 59, tzinfo=UTC)) == dt.date(2022, 3, 14)
    assert announced_on_for(dt.datetime(2022, 3, 13, 7, 30, tzinfo=UTC)) == dt.date(2022, 3, 15)  # 02:30 skipped
    assert announced_on_for(dt.datetime(2022, 3, 14, 17, 59, tzinfo=UTC)) == dt.date(2022, 3, 15)
    assert announced_on_for(dt.datetime(2022, 3, 14, 18, 0, tzinfo=UTC)) == dt.date(2022, 3, 16)


def test_fall_back_weekend_window_opens_in_edt_and_closes_in_est():
    # Clocks went back on Sunday 2022-11-06: 01:00-02:00 happened twice.
    start, end = submission_window(dt.date(2022, 11, 8))
    assert start == dt.datetime(2022, 11, 4, 18, 0, tzinfo=UTC)
    assert end == dt.datetime(2022, 11, 7, 19, 0, tzinfo=UTC)
    assert end - start == dt.timedelta(days=3, hours=1)
    assert announced_on_for(ny(2022, 11, 6, 1, 30, fold=1)) == dt.date(2022, 11, 8)
    assert announced_on_for(dt.datetime(2022, 11, 7, 18, 30, tzinfo=UTC)) == dt.date(2022, 11, 8)  # 13:30 EST
    assert announced_on_for(dt.datetime(2022, 11, 7, 19, 0, tzinfo=UTC)) == dt.date(2022, 11, 9)


def test_the_seed_digest_covers_tuesday_to_wednesday_submissions():
    start, end = submission_window(dt.date(2022, 1, 13))
    assert (start, end) == (ny(2022, 1, 11, 14, 0), ny(2022, 1, 12, 14, 0))
    assert start.tzinfo is UTC
    # The paper factory's default submission time, as the seed's papers were submitted.
    assert announced_on_for(dt.datetime(2022, 1, 12, 18, 0, tzinfo=UTC)) == dt.date(2022, 1, 13)


def test_weekends_have_no_listing():
    assert not is_listing_day(dt.date(2022, 1, 15))
    assert is_listing_day(dt.date(2022, 1, 14))
    with pytest.raises(ValueError, match="no listing on Saturday 2022-01-15"):
        submission_window(dt.date(2022, 1, 15))
    with pytest.raises(ValueError, match="Sunday"):
        submission_window(dt.date(2022, 1, 16))


def test_bad_arguments_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="no time zone"):
        announced_on_for(dt.datetime(2022, 1, 12, 18, 0))  # noqa: DTZ001
    with pytest.raises(TypeError, match="takes a date"):
        submission_window(dt.datetime(2022, 1, 13, tzinfo=UTC))


@settings(max_examples=500, database=None)
@given(
    st.datetimes(
        min_value=dt.datetime(1991, 8, 1),  # noqa: DTZ001 (hypothesis takes naive bounds)
        max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=st.sampled_from([UTC, NEW_YORK, dt.timezone(dt.timedelta(hours=-11, minutes=-30))]),
        allow_imaginary=False,
    )
)
def test_every_submission_is_announced_on_a_weekday_whose_window_holds_it(submitted):
    day = announced_on_for(submitted)
    assert day.weekday() < 5
    start, end = submission_window(day)
    assert start <= submitted < end
    assert day > start.date()
