"""Geometry for the report's server-drawn SVG charts (presentation attributes and classes only: CSP-clean).

Each chart carries its numbers as rows, so the template shows a table as the text alternative.
"""
from __future__ import annotations

from dataclasses import dataclass, field

LABEL_CHARS = 18


def short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


@dataclass
class HBar:
    label: str
    title: str
    value: float
    text: str
    y: int
    width: float


@dataclass
class HBarChart:
    """Horizontal bars on a common scale (``maximum``)."""

    title: str
    caption: str
    bars: list[HBar] = field(default_factory=list)
    width: int = 640
    label_width: int = 230
    bar_height: int = 20
    gap: int = 8

    @property
    def plot_width(self) -> int:
        return self.width - self.label_width - 70

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * (self.bar_height + self.gap) + self.gap


def hbars(title: str, caption: str, rows: list[tuple[str, float, str]], maximum: float) -> HBarChart:
    """A bar per (label, value, value as text), scaled to ``maximum``."""
    chart = HBarChart(title, caption)
    for index, (label, value, text) in enumerate(rows):
        share = value / maximum if maximum else 0
        chart.bars.append(HBar(short(label), label, value, text, chart.gap + index * (chart.bar_height + chart.gap),
                               round(chart.plot_width * max(0.0, min(1.0, share)), 1)))
    return chart


@dataclass
class Column:
    label: str
    count: int
    x: float
    y: float
    height: float


@dataclass
class Histogram:
    """Vertical columns: how many participants gained each 10-point band between pre and post."""

    title: str
    caption: str
    columns: list[Column] = field(default_factory=list)
    width: int = 640
    height: int = 240
    left: int = 36
    bottom: int = 36
    top: int = 12
    ticks: list[tuple[float, int]] = field(default_factory=list)

    @property
    def column_width(self) -> float:
        return (self.width - self.left - 8) / max(1, len(self.columns))

    @property
    def baseline(self) -> int:
        return self.height - self.bottom


def histogram(title: str, caption: str, bins: list[tuple[int, int]]) -> Histogram:
    """Columns for (lower bound, count) bins; labels name the band (e.g. +10〜+19)."""
    chart = Histogram(title, caption)
    peak = max((count for _, count in bins), default=0) or 1
    plot = chart.baseline - chart.top
    width = (chart.width - chart.left - 8) / max(1, len(bins))
    for index, (low, count) in enumerate(bins):
        height = round(plot * count / peak, 1)
        label = f"{low:+d}〜{low + 9:+d}" if low < 90 else "+90〜+100"
        chart.columns.append(Column(label, count, round(chart.left + index * width, 1), chart.baseline - height, height))
    chart.ticks = [(chart.baseline - plot * value / peak, value) for value in sorted({0, peak // 2, peak})]
    return chart
