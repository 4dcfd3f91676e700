"""A small stacked bar chart as inline SVG: one column per day (or week), one colour per series.

No charting library: a page needs a few dozen rectangles, and these come out the same bytes for
the same numbers (a library would add fonts, scripts or timestamps). Text is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from .webfont import FAMILY

STEP = 15.0  # room of a column, in the chart's units (px at its natural size): a bar and a gap
PLOT_WIDTH = 640  # a longer span gets narrower columns, down to MIN_STEP, so labels stay readable
MIN_STEP = 4.0
PLOT = 96  # height of the bars' area
LEFT, TOP, BOTTOM = 22, 14, 30
ZOOM = 1.25  # shown a little larger than its units: labels at 12.5 px
# The labels' faces: the pages' own stack (a PDF maker swaps in its embedded faces, see FONTS).
FONTS = (
    f'"{FAMILY}", system-ui, -apple-system, "Segoe UI", "PingFang SC", "Noto Sans CJK SC", '
    '"Microsoft YaHei", sans-serif'
)
FONT_ATTRIBUTE = f"font-family='{FONTS}'"


@dataclass(frozen=True)
class Series:
    key: str  # a CSS class suffix: the bar's class is "bar-KEY"
    name: str
    colour: str


@dataclass(frozen=True)
class Column:
    label: str  # shown under a column every week or so (e.g. "12-07")
    values: dict[str, int]  # series key -> count
    tip: str  # the column's tooltip
    band: str = ""  # "" | a key of `bands`: a shaded background (a holiday, a make-up workday)
    mark: str = ""  # one short word over the column (休, 班)


@dataclass(frozen=True)
class Chart:
    title: str
    series: Sequence[Series]
    columns: Sequence[Column]
    bands: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (name, colour)
    limit: int = 0  # a dashed line at this value (0: none)
    limit_label: str = ""


def stacked_bars(chart: Chart) -> str:
    """The chart as an <svg> element that scales to its container's width."""
    columns = chart.columns
    top_value = max([sum(c.values.values()) for c in columns] + [chart.limit, 1])
    scale = PLOT / top_value
    items = [(s.name, s.colour) for s in chart.series]
    items += [chart.bands[k] for k in chart.bands if any(c.band == k for c in columns)]
    legend = sum(24 + _text_width(name) for name, _ in items)
    if chart.limit and chart.limit_label:
        legend += 18 + _text_width(chart.limit_label)
    step = max(MIN_STEP, min(STEP, PLOT_WIDTH / max(len(columns), 1)))
    bar = step * 0.8
    gap = step - bar
    every = 7 * math.ceil(40 / (7 * step))  # a label every week (or weeks), 40 units apart at least
    width = round(max(LEFT + len(columns) * step + 8, LEFT + legend + 8))
    height = TOP + PLOT + BOTTOM
    base = TOP + PLOT
    out: list[str] = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width * ZOOM:g}" '
        f'height="{height * ZOOM:g}" '
        f'role="img" aria-label="{escape(chart.title)}" xmlns="http://www.w3.org/2000/svg" '
        f'font-size="10" {FONT_ATTRIBUTE}>',
        f"<title>{escape(chart.title)}</title>",
    ]
    for index, column in enumerate(columns):
        x = LEFT + index * step
        if column.band and column.band in chart.bands:
            colour = chart.bands[column.band][1]
            out.append(
                f'<rect class="band-{column.band}" x="{x - gap / 2:.1f}" y="{TOP}" '
                f'width="{step:.1f}" height="{PLOT}" fill="{colour}"/>'
            )
    for value in _gridlines(top_value):
        y = round(base - value * scale, 1)
        out.append(
            f'<line x1="{LEFT - 3}" x2="{width - 6}" y1="{y:g}" y2="{y:g}" stroke="#d0d4da" '
            'stroke-width="0.5"/>'
            f'<text x="{LEFT - 5}" y="{y + 3.5:g}" text-anchor="end" fill="#6b7280">{value}</text>'
        )
    for index, column in enumerate(columns):
        x = LEFT + index * step
        y = float(base)
        out.append(f"<g><title>{escape(column.tip)}</title>")
        out.append(
            f'<rect x="{x:.1f}" y="{TOP}" width="{bar:.1f}" height="{PLOT}" fill="transparent"/>'
        )  # the whole column answers the pointer, not only its bars
        for series in chart.series:
            count = column.values.get(series.key, 0)
            if count:
                h = count * scale
                y -= h
                out.append(
                    f'<rect class="bar-{series.key}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                    f'height="{h:.1f}" fill="{series.colour}"/>'
                )
        if column.mark and step >= 9:  # one character over the column, where it fits
            out.append(
                f'<text x="{x + bar / 2:.1f}" y="{TOP - 3}" text-anchor="middle" font-size="9" '
                f'fill="#6b7280">{escape(column.mark)}</text>'
            )
        out.append("</g>")
        if index % every == 0:
            out.append(
                f'<text x="{x:.1f}" y="{base + 12}" fill="#6b7280">{escape(column.label)}</text>'
            )
    if chart.limit:
        y = round(base - chart.limit * scale, 1)
        out.append(
            f'<line x1="{LEFT}" x2="{width - 6}" y1="{y:g}" y2="{y:g}" stroke="#b3261e" '
            'stroke-width="1" stroke-dasharray="4 3"/>'
        )
    x = LEFT
    legend_y = height - 5
    for name, colour in items:
        out.append(
            f'<rect x="{x}" y="{legend_y - 8}" width="9" height="9" rx="2" fill="{colour}"/>'
            f'<text x="{x + 12}" y="{legend_y}" fill="#374151">{escape(name)}</text>'
        )
        x += 12 + _text_width(name) + 12
    if chart.limit and chart.limit_label:
        out.append(
            f'<line x1="{x}" x2="{x + 14}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
            'stroke="#b3261e" stroke-dasharray="4 3"/>'
            f'<text x="{x + 18}" y="{legend_y}" fill="#374151">{escape(chart.limit_label)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _gridlines(top: int) -> list[int]:
    step = 1 if top <= 5 else 2 if top <= 10 else 5 if top <= 25 else 10 ** len(str(top // 4))
    return list(range(0, top + 1, step))


def _text_width(text: str) -> int:
    """About how wide a label is at font-size 10: CJK characters are square, Latin ones narrow."""
    return sum(10 if ord(char) > 0x2E80 else 6 for char in text)
