from __future__ import annotations

from hadron.qa import charts


def test_hbar_scales_to_the_longest_bar() -> None:
    chart = charts.hbar([("a", 10), ("b", 5), ("c", 0)], width=440)
    widths = [m.w for m in chart.marks]
    assert widths[0] == 440 - 150 - 70
    assert widths[1] == widths[0] / 2
    assert widths[2] == 0
    assert [m.label for m in chart.marks] == ["a", "b", "c"]


def test_histogram_bars_sit_on_the_axis() -> None:
    chart = charts.histogram([(0, 0, 1), (1, 1, 4), (2, 2, 0)], height=180)
    bottoms = {round(m.y + m.h, 6) for m in chart.marks}
    assert len(bottoms) == 1
    assert max(m.h for m in chart.marks) == chart.marks[1].h
    assert charts.histogram([]).marks == []


def test_stacked_and_intervals() -> None:
    chart = charts.stacked([("win", 3, "#0f0"), ("tie", 1, "#999")], width=400)
    assert [round(m.w) for m in chart.marks] == [300, 100]
    ci = charts.intervals([("overall", 0.7, 0.5, 0.9)])
    assert len(ci.marks) == 1 and ci.lines  # a whisker and the axis


def test_number_format() -> None:
    assert charts.fmt_number(1234) == "1,234"
    assert charts.fmt_number(2.5) == "2.50"
    assert charts.fmt_number(0.0123) == "0.0123"
