"""Geometry for the dashboard's server-rendered SVG charts (no script, no CDN, no style attributes)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..models import Module

LABEL_CHARS = 16


def short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


@dataclass
class Bar:
    label: str
    title: str
    value: int
    percent: int
    y: int
    width: float


@dataclass
class BarChart:
    """Horizontal bars: participants who completed each required module."""

    bars: list[Bar]
    total: int
    width: int = 640
    label_width: int = 220
    bar_height: int = 22
    gap: int = 8

    @property
    def plot_width(self) -> int:
        return self.width - self.label_width - 60

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * (self.bar_height + self.gap) + self.gap


def module_bars(modules: list[Module], counts: dict[int, int], participants: int) -> BarChart:
    """One bar per required module, as a share of all participants."""
    chart = BarChart([], participants)
    for index, module in enumerate(modules):
        value = counts.get(module.id, 0)
        share = value / participants if participants else 0
        chart.bars.append(Bar(label=short(f"{index + 1}. {module.title}"), title=module.title, value=value,
                              percent=round(100 * share), y=chart.gap + index * (chart.bar_height + chart.gap),
                              width=round(chart.plot_width * share, 1)))
    return chart


@dataclass
class LineChart:
    """Cumulative participants who finished everything, per day of the window."""

    points: list[tuple[float, float]]
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, int]]
    series: list[tuple[date, int]]
    total: int
    width: int = 640
    height: int = 220
    left: int = 44
    right: int = 16
    top: int = 12
    bottom: int = 30

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)

    @property
    def steps(self) -> list[tuple[date, int]]:
        """The days on which the count changed (for the table under the chart)."""
        previous = 0
        changed = []
        for day, value in self.series:
            if value != previous:
                changed.append((day, value))
            previous = value
        return changed


def cumulative_line(by_day: list[tuple[date, int]], start: date, end: date, participants: int,
                    today: date) -> LineChart:
    """A step per day from ``start`` to the earlier of ``end`` and ``today`` (at least one day)."""
    first = min([start] + [d for d, _ in by_day])
    last = max(first, min(end, today), max((d for d, _ in by_day), default=first))
    days = (last - first).days + 1
    counts = dict(by_day)
    series, running = [], 0
    for offset in range(days):
        day = first + timedelta(days=offset)
        running += counts.get(day, 0)
        series.append((day, running))
    chart = LineChart([], [], [], series, participants)
    top_value = max(participants, running, 1)
    plot_w = chart.width - chart.left - chart.right
    plot_h = chart.height - chart.top - chart.bottom

    def x(i: int) -> float:
        return chart.left + (plot_w * i / (days - 1) if days > 1 else plot_w / 2)

    def y(v: int) -> float:
        return chart.top + plot_h * (1 - v / top_value)

    chart.points = [(x(i), y(v)) for i, (_, v) in enumerate(series)]
    step = max(1, days // 6)
    chart.x_ticks = [(x(i), f"{d.month}/{d.day}") for i, (d, _) in enumerate(series) if i % step == 0]
    chart.y_ticks = [(y(v), v) for v in sorted({0, top_value // 2, top_value})]
    return chart
