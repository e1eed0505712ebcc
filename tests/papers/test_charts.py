"""The geometry of the admin's counter chart (papers.charts.lines_chart): pure, no queries."""

import datetime as dt

import pytest

from papers import charts
from papers.charts import lines_chart


def at(day, hour=0):
    return dt.datetime(2022, 1, day, hour, tzinfo=dt.UTC)


def test_no_times_no_chart():
    assert lines_chart(times=[], series=[("likes", "Likes", [])]) is None


def test_one_time_puts_its_points_in_the_middle():
    chart = lines_chart(times=[at(13)], series=[("reposts", "Reposts", [3]), ("likes", "Likes", [7])])

    middle = (chart.plot_left + chart.plot_right) / 2
    assert [(point.x, point.value) for series in chart.series for point in series.points] == [(middle, 3), (middle, 7)]
    assert [tick.anchor for tick in chart.x_ticks] == ["middle"]
    assert chart.rows == [(at(13), [3, 7])]


def test_points_span_the_plot_from_first_to_last_time_and_zero_to_the_top():
    chart = lines_chart(
        times=[at(13), at(14), at(15)], series=[("reposts", "Reposts", [0, 5, 10]), ("likes", "Likes", [20, 50, 100])]
    )

    reposts, likes = chart.series
    assert chart.y_max == 100
    assert [point.x for point in likes.points] == [
        chart.plot_left,
        (chart.plot_left + chart.plot_right) / 2,
        chart.plot_right,
    ]
    assert likes.points[-1].y == chart.plot_top
    assert reposts.points[0].y == chart.plot_bottom
    assert likes.line == " ".join(f"{point.x},{point.y}" for point in likes.points)
    assert (reposts.dash, likes.dash) != ("", "")  # told apart without colour
    assert reposts.color != likes.color
    assert [tick.label for tick in chart.y_ticks] == [0, 50, 100]
    assert [tick.anchor for tick in chart.x_ticks] == ["start", "end"]


def test_all_zero_counters_still_have_a_readable_axis():
    chart = lines_chart(times=[at(13), at(14)], series=[("likes", "Likes", [0, 0])])

    assert chart.y_max == 10
    assert {point.y for point in chart.series[0].points} == {chart.plot_bottom}


@pytest.mark.parametrize(
    ("top", "y_max", "ticks"), [(7, 10, [0, 5, 10]), (21, 25, [0, 25]), (1234, 2000, [0, 1000, 2000])]
)
def test_the_top_of_the_axis_is_a_round_number(top, y_max, ticks):
    chart = lines_chart(times=[at(13), at(14)], series=[("likes", "Likes", [0, top])])

    assert chart.y_max == y_max
    assert [tick.label for tick in chart.y_ticks] == ticks


def test_times_are_labelled_by_the_hour_over_a_few_days_and_by_the_day_beyond():
    assert lines_chart(times=[at(13), at(14, 6)], series=[]).date_format == "M j, H:i"
    assert lines_chart(times=[at(1), at(20)], series=[]).date_format == "M j, Y"


def test_many_points_draw_a_line_without_dots():
    times = [at(1) + dt.timedelta(hours=hour) for hour in range(charts.LINES_DOTS_MAX + 1)]

    assert lines_chart(times=times, series=[("likes", "Likes", list(range(len(times))))]).dots is False
    assert lines_chart(times=times[:-1], series=[("likes", "Likes", list(range(len(times) - 1)))]).dots is True


def test_a_series_must_have_a_value_per_time():
    with pytest.raises(ValueError, match="'likes' has 1 values for 2 times"):
        lines_chart(times=[at(13), at(14)], series=[("likes", "Likes", [1])])
