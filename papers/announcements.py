"""Which arXiv listing announces a submission: arXiv's daily schedule, in plain Python.

arXiv closes a submission window at 14:00 New York time (EST or EDT, whichever is in force that
day) every Monday to Friday and announces it in the next weekday's listing:

==========================================  ==================
submitted (New York time)                   listed on
==========================================  ==================
Monday 14:00 to Tuesday 14:00               Wednesday
Tuesday 14:00 to Wednesday 14:00            Thursday
Wednesday 14:00 to Thursday 14:00           Friday
Thursday 14:00 to Friday 14:00              Monday
Friday 14:00 to Monday 14:00                Tuesday
==========================================  ==================

A window includes its start and excludes its end: a paper submitted at exactly 14:00:00 is in the
window that opens then, like arXiv, whose cutoff is "before 14:00". arXiv's holidays are ignored
(an editor corrects the few papers they move). No Django here: ingestion and migrations use it.
"""

import datetime as dt
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")
CUTOFF = dt.time(14, 0)
_ONE_DAY = dt.timedelta(days=1)


def is_listing_day(day: dt.date) -> bool:
    """Whether arXiv publishes a listing dated `day` (Monday to Friday, holidays ignored)."""
    return day.weekday() < 5


def _next_weekday(day: dt.date) -> dt.date:
    day += _ONE_DAY
    while not is_listing_day(day):
        day += _ONE_DAY
    return day


def _previous_weekday(day: dt.date) -> dt.date:
    day -= _ONE_DAY
    while not is_listing_day(day):
        day -= _ONE_DAY
    return day


def _cutoff(day: dt.date) -> dt.datetime:
    # 14:00 is never skipped nor repeated by a daylight-saving change (they happen at 02:00). In UTC, so
    # subtracting two cutoffs gives the real time between them, not the wall-clock one.
    return dt.datetime.combine(day, CUTOFF, tzinfo=NEW_YORK).astimezone(dt.UTC)


def announced_on_for(submitted: dt.datetime) -> dt.date:
    """The date of the arXiv listing that announces a paper submitted at `submitted` (an aware datetime)."""
    if submitted.tzinfo is None or submitted.utcoffset() is None:
        raise ValueError(f"submission time {submitted.isoformat()} has no time zone")
    local = submitted.astimezone(NEW_YORK)
    closing = local.date() if local.time() < CUTOFF else local.date() + _ONE_DAY
    while not is_listing_day(closing):  # a weekend submission waits for Monday's cutoff
        closing += _ONE_DAY
    return _next_weekday(closing)


def submission_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The submissions the listing dated `day` announces: [start, end), aware datetimes in UTC.

    Both are 14:00 in New York (``start.astimezone(NEW_YORK)`` shows it).

    Raises ValueError for a Saturday or Sunday, which have no listing.
    """
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise TypeError(f"submission_window() takes a date, not {day!r}")
    if not is_listing_day(day):
        raise ValueError(f"arXiv has no listing on {day:%A} {day.isoformat()}")
    closing = _previous_weekday(day)
    return _cutoff(_previous_weekday(closing)), _cutoff(closing)
