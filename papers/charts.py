"""Counters over time as the geometry of small SVG charts, drawn by templates.

A paper's attention (attention_chart, drawn by templates/includes/attention_chart.html) and several
counters on one chart (lines_chart: a post's reposts and likes on its admin page, drawn by
templates/admin/papers/tweet/counter_chart.html). Pure functions of plain values (no queries): the
page's selectors fetch the snapshots, this module turns them into series and coordinates. No chart
library and no script: the chart is markup in the page.
"""

import dataclasses
import datetime as dt

WIDTH = 640
HEIGHT = 180
PAD_LEFT = 64
PAD_RIGHT = 16
PAD_TOP = 14
PAD_BOTTOM = 30


@dataclasses.dataclass(frozen=True)
class Point:
    at: dt.datetime
    value: int
    x: float = 0.0
    y: float = 0.0


@dataclasses.dataclass(frozen=True)
class Chart:
    points: list[Point]
    source: str  # "metrics" (posts' counter snapshots) or "digests" (what each digest measured)
    line: str  # SVG points of the polyline
    area: str  # SVG points of the filled area under it
    y_max: int
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def first(self):
        return self.points[0]

    @property
    def last(self):
        return self.points[-1]

    @property
    def peak(self):
        return max(self.points, key=lambda point: point.value)

    @property
    def plot_left(self):
        return PAD_LEFT

    @property
    def plot_right(self):
        return WIDTH - PAD_RIGHT

    @property
    def plot_top(self):
        return PAD_TOP

    @property
    def plot_bottom(self):
        return HEIGHT - PAD_BOTTOM

    @property
    def label_y(self):
        return HEIGHT - 8

    @property
    def y_max_label_y(self):
        return PAD_TOP + 4

    @property
    def y_zero_label_y(self):
        return HEIGHT - PAD_BOTTOM + 4


def series_from_metrics(rows):
    """Total reposts + likes over time from (tweet id, measured at, score) snapshots, oldest first.

    Each post counts with its latest snapshot so far, so a post measured on Monday and not
    again still adds its Monday count on Tuesday.
    """
    latest, series = {}, []
    for tweet_id, measured_at, score in sorted(rows, key=lambda row: (row[1], row[0])):
        latest[tweet_id] = score
        total = sum(latest.values())
        if series and series[-1].at == measured_at:
            series[-1] = Point(measured_at, total)
        else:
            series.append(Point(measured_at, total))
    return series


def series_from_entries(entries, *, start=None):
    """What each digest measured for the paper (reposts + likes at its measure time), from `start` at 0."""
    points = sorted(
        (Point(entry.measured_at, entry.retweets + entry.favorites) for entry in entries if entry.measured_at),
        key=lambda point: point.at,
    )
    if points and start is not None and start < points[0].at:
        points.insert(0, Point(start, 0))
    return points


def attention_chart(*, metrics_rows, entries, published=None):
    """The chart of a paper's attention, from its posts' snapshots or else its digests' (None without data)."""
    points, source = series_from_metrics(metrics_rows), "metrics"
    if not points:
        points, source = series_from_entries(entries, start=published), "digests"
    if not points:
        return None
    y_max = _nice_ceiling(max(point.value for point in points))
    start, end = points[0].at, points[-1].at
    span = (end - start).total_seconds()
    plot_width = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_height = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(at):
        if span == 0:
            return PAD_LEFT + plot_width / 2
        return PAD_LEFT + plot_width * (at - start).total_seconds() / span

    def y(value):
        return PAD_TOP + plot_height * (1 - value / y_max)

    placed = [dataclasses.replace(point, x=round(x(point.at), 1), y=round(y(point.value), 1)) for point in points]
    line = " ".join(f"{point.x},{point.y}" for point in placed)
    bottom = HEIGHT - PAD_BOTTOM
    area = f"{placed[0].x},{bottom} {line} {placed[-1].x},{bottom}"
    return Chart(points=placed, source=source, line=line, area=area, y_max=y_max)


def _nice_ceiling(value):
    """The smallest of 1, 2, 2.5, 5 x 10^n at or above value (at least 10), for a readable top label."""
    value = max(value, 10)
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return int(step * magnitude)
    return int(10 * magnitude)


# Several lines on one chart, each of its own counter: a post's reposts and likes over its snapshots
# (the admin's post page draws it with templates/admin/papers/tweet/counter_chart.html).

LINES_WIDTH = 560
LINES_HEIGHT = 200
LINES_PAD_LEFT = 48
LINES_PAD_RIGHT = 16
LINES_PAD_TOP = 28  # room for the legend
LINES_PAD_BOTTOM = 28
LINES_DOTS_MAX = 40  # beyond this many points a dot per point is only noise
# Colour and dash per line, in order: told apart without colour too.
LINE_STYLES = [("#1a7f64", ""), ("#c4451c", "6 4"), ("#5a4fcf", "2 3"), ("#8a6d00", "10 3 2 3")]


@dataclasses.dataclass(frozen=True)
class Series:
    name: str
    label: str
    points: list[Point]
    line: str  # SVG points of its polyline
    color: str
    dash: str  # stroke-dasharray; empty for a solid line
    legend_x: float

    @property
    def first(self):
        return self.points[0]

    @property
    def last(self):
        return self.points[-1]

    @property
    def peak(self):
        return max(self.points, key=lambda point: point.value)


@dataclasses.dataclass(frozen=True)
class Tick:
    label: object  # a value (y axis) or a datetime (x axis)
    x: float
    y: float
    anchor: str = "end"


@dataclasses.dataclass(frozen=True)
class LinesChart:
    series: list[Series]
    times: list[dt.datetime]
    y_max: int
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    date_format: str  # how the x labels show their times (a Django date format)
    dots: bool
    width: int = LINES_WIDTH
    height: int = LINES_HEIGHT
    plot_left: int = LINES_PAD_LEFT
    plot_right: int = LINES_WIDTH - LINES_PAD_RIGHT
    plot_top: int = LINES_PAD_TOP
    plot_bottom: int = LINES_HEIGHT - LINES_PAD_BOTTOM
    legend_y: int = 14

    @property
    def first_at(self):
        return self.times[0]

    @property
    def last_at(self):
        return self.times[-1]

    @property
    def rows(self):
        """(time, [value of each series]) for a table of the numbers, oldest first."""
        return [(at, [series.points[index].value for series in self.series]) for index, at in enumerate(self.times)]


def lines_chart(*, times, series):
    """A chart of several counters over the same times (None without times).

    times: datetimes, oldest first. series: (name, label, values) with a value per time. One time
    puts its points in the middle; all values 0 still draws a readable axis (0 to 10).
    """
    times = list(times)
    if not times:
        return None
    series = [(name, label, list(values)) for name, label, values in series]
    for name, _label, values in series:
        if len(values) != len(times):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(times)} times")
    y_max = _nice_ceiling(max((value for _n, _l, values in series for value in values), default=0))
    left, right = LINES_PAD_LEFT, LINES_WIDTH - LINES_PAD_RIGHT
    top, bottom = LINES_PAD_TOP, LINES_HEIGHT - LINES_PAD_BOTTOM
    start, span = times[0], (times[-1] - times[0]).total_seconds()

    def x(at):
        if span == 0:
            return round((left + right) / 2, 1)
        return round(left + (right - left) * (at - start).total_seconds() / span, 1)

    def y(value):
        return round(top + (bottom - top) * (1 - value / y_max), 1)

    drawn = []
    for index, (name, label, values) in enumerate(series):
        color, dash = LINE_STYLES[index % len(LINE_STYLES)]
        points = [Point(at, value, x(at), y(value)) for at, value in zip(times, values, strict=True)]
        line = " ".join(f"{point.x},{point.y}" for point in points)
        drawn.append(Series(name, label, points, line, color, dash, legend_x=left + 110 * index))
    values = (0, y_max // 2, y_max) if y_max % 2 == 0 else (0, y_max)  # no "12.5 likes"
    y_ticks = [Tick(value, left - 6, y(value) + 4) for value in values]
    if span == 0:
        x_ticks = [Tick(times[0], x(times[0]), LINES_HEIGHT - 8, "middle")]
    else:
        x_ticks = [Tick(times[0], left, LINES_HEIGHT - 8, "start"), Tick(times[-1], right, LINES_HEIGHT - 8, "end")]
    return LinesChart(
        series=drawn,
        times=times,
        y_max=y_max,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        date_format="M j, H:i" if span < 3 * 24 * 3600 else "M j, Y",
        dots=len(times) <= LINES_DOTS_MAX,
    )
