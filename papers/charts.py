"""A paper's attention over time as the geometry of a small SVG chart, drawn by a template.

Pure functions of plain values (no queries): the page's selectors fetch the snapshots, this
module turns them into a series and coordinates, templates/includes/attention_chart.html
draws them. No chart library and no script: the chart is markup in the page.
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
