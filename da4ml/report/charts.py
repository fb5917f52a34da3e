"""Chart views for the HTML report: every mark's geometry computed here, drawn as inline SVG by the template.

Two kinds: grouped horizontal bars (one group per project, one bar per series) and a scatter plot with the
y = x diagonal and a +-10 % band. Marks carry their project, series and value (``data-*`` attributes and a
``<title>`` tooltip), so a reader, or a test, can tell exactly what each one shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Chart", "bar_chart", "nice_ticks", "scatter_chart"]

WIDTH = 760
LABEL_W = 170  # room for project names on the left of bar charts
BAR_H = 14
GROUP_GAP = 10
TOP = 34  # room for the legend
BOTTOM = 36  # room for the axis labels


@dataclass(frozen=True)
class Mark:
    kind: str  # "bar" or "point"
    project: str
    series: str
    value: float
    x: float
    y: float
    w: float = 0.0  # bars
    h: float = 0.0
    r: float = 0.0  # points
    css: str = "s0"
    tip: str = ""


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    css: str = "label"


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    css: str = "grid"


@dataclass
class Chart:
    id: str
    title: str
    caption: str
    width: int
    height: int
    marks: list[Mark] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    legend: list[tuple[str, str, float]] = field(default_factory=list)  # (series name, css class, x)
    empty: str = ""  # why the chart has no marks

    def n_marks(self, kind: str) -> int:
        return sum(1 for m in self.marks if m.kind == kind)


def nice_ticks(vmax: float, n: int = 5) -> list[float]:
    """0 and round steps (1, 2, 5 x 10^k) up to at least vmax."""
    if vmax <= 0:
        return [0.0, 1.0]
    raw = vmax / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 5, 10) if s * mag >= raw)
    top = math.ceil(vmax / step - 1e-9) * step
    return [k * step for k in range(round(top / step) + 1)]


def _fmt(v: float) -> str:
    return f"{v:g}" if abs(v) < 1e6 else f"{v:.3g}"


def _legend(chart: Chart, series: Sequence[str]) -> None:
    x = LABEL_W
    for k, name in enumerate(series):
        chart.legend.append((name, f"s{k}", x))  # the template draws a swatch at x and the name after it
        x += 14 + 8 * len(name) + 24


def bar_chart(
    chart_id: str,
    title: str,
    caption: str,
    projects: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    unit: str,
) -> Chart:
    """One group of bars per project, one bar per series that has a value for it."""
    groups = [
        (p, [(k, s, v[j]) for k, (s, v) in enumerate(series) if v[j] is not None]) for j, p in enumerate(projects)
    ]
    groups = [(p, bars) for p, bars in groups if bars]
    n_series = len(series)
    group_h = n_series * BAR_H + GROUP_GAP
    height = TOP + max(len(groups), 1) * group_h + BOTTOM
    chart = Chart(chart_id, title, caption, WIDTH, height)
    _legend(chart, [s for s, _ in series])
    if not groups:
        chart.empty = "no project has these figures"
        return chart
    vmax = max(v for _, bars in groups for _, _, v in bars)
    ticks = nice_ticks(vmax)
    plot_w = WIDTH - LABEL_W - 56  # room right of the longest bar for its value

    def sx(v: float) -> float:
        return LABEL_W + plot_w * v / ticks[-1]

    y_axis = TOP + len(groups) * group_h
    for t in ticks:
        chart.lines.append(Line(sx(t), TOP - 4, sx(t), y_axis))
        chart.texts.append(Text(sx(t), y_axis + 14, _fmt(t), anchor="middle", css="tick"))
    chart.texts.append(Text(LABEL_W + plot_w / 2, y_axis + 30, unit, anchor="middle", css="axis"))
    for g, (project, bars) in enumerate(groups):
        y0 = TOP + g * group_h
        chart.texts.append(Text(LABEL_W - 6, y0 + n_series * BAR_H / 2 + 4, project, anchor="end"))
        for k, name, v in bars:
            y = y0 + k * BAR_H
            chart.marks.append(
                Mark(
                    "bar",
                    project,
                    name,
                    v,
                    LABEL_W,
                    y,
                    max(sx(v) - LABEL_W, 0.5),
                    BAR_H - 2,
                    css=f"s{k}",
                    tip=f"{project}: {name} {_fmt(v)}",
                )
            )
            chart.texts.append(Text(sx(v) + 3, y + BAR_H - 4, _fmt(v), css="value"))
    return chart


def scatter_chart(
    chart_id: str, title: str, caption: str, points: Sequence[tuple[str, float, float]], x_label: str, y_label: str
) -> Chart:
    """One point per (project, x, y); the y = x diagonal and dashed lines at y = 0.9 x and y = 1.1 x."""
    size = 420
    left, bottom, top, right = 64, 44, 20, 20
    chart = Chart(chart_id, title, caption, size + left + right, size + top + bottom)
    if not points:
        chart.empty = "no project has both figures (run `da4ml synth` on the projects)"
        return chart
    vmax = max(max(x, y) for _, x, y in points) * 1.1
    ticks = nice_ticks(vmax)
    top_v = ticks[-1]

    def sx(v: float) -> float:
        return left + size * v / top_v

    def sy(v: float) -> float:
        return top + size - size * v / top_v

    for t in ticks:
        chart.lines.append(Line(sx(t), sy(0), sx(t), sy(top_v)))
        chart.lines.append(Line(sx(0), sy(t), sx(top_v), sy(t)))
        chart.texts.append(Text(sx(t), sy(0) + 14, _fmt(t), anchor="middle", css="tick"))
        chart.texts.append(Text(sx(0) - 4, sy(t) + 4, _fmt(t), anchor="end", css="tick"))
    chart.lines.append(Line(sx(0), sy(0), sx(top_v), sy(top_v), css="diag"))
    for f in (0.9, 1.1):  # the +-10 % band around y = x
        end = min(top_v, top_v / f)
        chart.lines.append(Line(sx(0), sy(0), sx(end), sy(end * f), css="band"))
    chart.texts.append(Text(sx(top_v / 2), sy(0) + 32, x_label, anchor="middle", css="axis"))
    chart.texts.append(Text(14, sy(top_v / 2), y_label, anchor="middle", css="axis-y"))
    for project, x, y in points:
        ratio = y / x if x else float("inf")
        chart.marks.append(
            Mark("point", project, "project", y, sx(x), sy(y), r=4.5, css="s1",
                 tip=f"{project}: estimate {_fmt(x)}, Yosys {_fmt(y)} (Yosys/estimate {ratio:.3f})")
        )  # fmt: skip
        chart.texts.append(Text(sx(x) + 7, sy(y) - 6, project, css="value"))
    return chart
