"""Chart geometry for the report: plain numbers that a Jinja macro turns into inline SVG.

No JavaScript and no chart library: the report must render offline, from a file, with scripts off.
Each function lays out one chart kind in a fixed-width viewBox; the SVG scales with the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

GOOD, BAD, WARN = "#59a14f", "#e15759", "#edc948"
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac")


def fmt_number(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


@dataclass(slots=True)
class Mark:
    """One rectangle, with its label and the value printed next to it."""

    x: float
    y: float
    w: float
    h: float
    label: str
    value_text: str
    color: str
    title: str = ""


@dataclass(slots=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(slots=True)
class Chart:
    kind: str
    width: int
    height: int
    marks: list[Mark] = field(default_factory=list)
    labels: list[Text] = field(default_factory=list)
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)
    title: str = ""


def hbar(items: Sequence[tuple[str, float]], *, title: str = "", width: int = 440,
         fmt: Callable[[float], str] = fmt_number, colors: Sequence[str] = PALETTE) -> Chart:
    """Horizontal bars, one per ``(label, value)``, longest scaled to the plot width."""
    row, label_w, value_w = 24, 150, 70
    chart = Chart("hbar", width, max(row, row * len(items)) + 8, title=title)
    top = max((v for _, v in items), default=0) or 1
    plot = width - label_w - value_w
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        w = max(1.0, plot * value / top) if value > 0 else 0.0
        short = label if len(label) <= 24 else label[:23] + "…"
        chart.marks.append(Mark(label_w, y + 3, w, row - 8, short, fmt(value), colors[i % len(colors)],
                                title=f"{label}: {fmt(value)}"))
        chart.labels.append(Text(label_w - 8, y + row / 2 + 4, short, "end"))
        chart.labels.append(Text(label_w + w + 6, y + row / 2 + 4, fmt(value), "start"))
    return chart


def histogram(bins: Sequence[tuple[float, float, int]], *, title: str = "", width: int = 440,
              height: int = 180, color: str = PALETTE[0]) -> Chart:
    """Vertical bars over ``(low, high, count)`` bins, with the bin edges under the axis."""
    left, bottom, top_pad = 12, 30, 18
    chart = Chart("histogram", width, height, title=title)
    if not bins:
        return chart
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    peak = max(c for _, _, c in bins) or 1
    step = plot_w / len(bins)
    chart.lines.append((left, height - bottom, width - 8, height - bottom))
    every = math.ceil(len(bins) / 6)
    for i, (lo, hi, count) in enumerate(bins):
        h = plot_h * count / peak
        x = left + i * step
        name = fmt_number(lo) if lo == hi else f"{fmt_number(lo)}–{fmt_number(hi)}"
        chart.marks.append(Mark(x + 2, height - bottom - h, max(1.0, step - 4), h, name, fmt_number(count),
                                color, title=f"{name}: {count}"))
        if count:
            chart.labels.append(Text(x + step / 2, height - bottom - h - 4, fmt_number(count)))
        if i % every == 0:
            at, anchor = (x + step / 2, "middle") if lo == hi else (x, "start")
            chart.labels.append(Text(at, height - bottom + 14, fmt_number(lo), anchor))
    lo_last, hi_last, _ = bins[-1]
    if lo_last != hi_last:
        chart.labels.append(Text(left + plot_w, height - bottom + 14, fmt_number(hi_last), "end"))
    return chart


def stacked(segments: Sequence[tuple[str, float, str]], *, title: str = "", width: int = 440) -> Chart:
    """One bar split into ``(label, value, color)`` segments (e.g. wins, ties, losses)."""
    height, bar_h = 56, 26
    chart = Chart("stacked", width, height, title=title)
    total = sum(v for _, v, _ in segments) or 1
    x = 0.0
    for label, value, color in segments:
        w = width * value / total
        chart.marks.append(Mark(x, 4, w, bar_h, label, fmt_number(value), color,
                                title=f"{label}: {fmt_number(value)} ({value / total:.0%})"))
        if w > 40:
            chart.labels.append(Text(x + w / 2, 4 + bar_h / 2 + 5, f"{label} {value / total:.0%}"))
        x += w
    return chart


def intervals(rows: Sequence[tuple[str, float, float, float]], *, title: str = "", width: int = 440,
              domain: tuple[float, float] = (0.0, 1.0), reference: float | None = 0.5) -> Chart:
    """A point with a whisker per ``(label, point, low, high)``: confidence intervals on one axis."""
    row, label_w, right = 28, 130, 50
    height = row * len(rows) + 26
    chart = Chart("intervals", width, height, title=title)
    lo_d, hi_d = domain
    plot = width - label_w - right

    def sx(value: float) -> float:
        return label_w + plot * (min(max(value, lo_d), hi_d) - lo_d) / ((hi_d - lo_d) or 1)

    axis_y = height - 20
    chart.lines.append((label_w, axis_y, label_w + plot, axis_y))
    for tick in (lo_d, (lo_d + hi_d) / 2, hi_d):
        chart.labels.append(Text(sx(tick), axis_y + 14, fmt_number(tick)))
    if reference is not None:
        chart.lines.append((sx(reference), 2, sx(reference), axis_y))
    for i, (label, point, low, high) in enumerate(rows):
        y = 6 + i * row + row / 2
        chart.lines.append((sx(low), y, sx(high), y))
        chart.marks.append(Mark(sx(point) - 4, y - 6, 8, 12, label, f"{point:.3f}", PALETTE[i % len(PALETTE)],
                                title=f"{label}: {point:.3f} [{low:.3f}, {high:.3f}]"))
        chart.labels.append(Text(label_w - 8, y + 4, label, "end"))
        chart.labels.append(Text(label_w + plot + 6, y + 4, f"{point:.2f}", "start"))
    return chart
