"""The charts: a radar over the aspects and bars per domain (per aspect in a pack without
domains), as PNG images, drawn with matplotlib's Agg backend.

matplotlib is imported here, inside the functions, so only making a report or ``/grafik`` loads it
(about half a second and 30 MB): the answer path never does. The figures use matplotlib's object
API (no pyplot state), so charts can be drawn in a worker thread.
"""

from __future__ import annotations

import math
import textwrap
from io import BytesIO
from typing import TYPE_CHECKING, cast

from reports import facts
from reports.snapshot import Snapshot
from reports.words import Words

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.projections.polar import PolarAxes

WIDTH_IN, HEIGHT_IN, DPI = 7.2, 5.4, 125  # 900 x 675 pixels: sharp in chat and at 15 cm in the PDF
INK, ACCENT, GRID, TARGET = "#1F2937", "#1D4ED8", "#CBD5E1", "#B91C1C"


def size() -> tuple[int, int]:
    """The pixel size of every chart."""
    return round(WIDTH_IN * DPI), round(HEIGHT_IN * DPI)


def _figure() -> Figure:
    import matplotlib

    matplotlib.use("Agg")  # no display, whatever the environment says
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)


def _png(figure: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def warm_up() -> None:
    """Draw a tiny polar chart with text: loads matplotlib, its Agg backend and its fonts."""
    figure = _figure()
    figure.set_size_inches(1, 1)
    axes = figure.add_subplot(projection="polar")
    axes.set_title("0,00", fontsize=7, fontweight="bold")
    _png(figure)


def radar(snapshot: Snapshot, words: Words) -> bytes:
    """The aspects' values on a radar (unanswered indicators at the lowest level, as projected)."""
    pack, w = snapshot.pack, words
    rows = facts.aspects(snapshot, w.lang)
    values = [float(r.projected.value) if r.projected else pack.scale.min for r in rows]
    angles = [2 * math.pi * i / len(rows) for i in range(len(rows))]
    figure = _figure()
    axes = cast("PolarAxes", figure.add_subplot(projection="polar"))
    axes.set_theta_offset(math.pi / 2)  # the first aspect at the top, the others clockwise
    axes.set_theta_direction(-1)
    axes.set_rlabel_position(180 / len(rows))  # the scale between the first two spokes
    axes.plot([*angles, angles[0]], [*values, values[0]], color=ACCENT, linewidth=2, marker="o")
    axes.fill([*angles, angles[0]], [*values, values[0]], color=ACCENT, alpha=0.18)
    axes.set_ylim(pack.scale.min, pack.scale.max)
    axes.set_yticks(range(pack.scale.min, pack.scale.max + 1))
    axes.set_yticklabels([str(v) for v in range(pack.scale.min, pack.scale.max + 1)], color="#64748B", fontsize=7)
    axes.set_xticks(angles)
    axes.set_xticklabels([f"{r.key}\n" + "\n".join(textwrap.wrap(r.name, 22)[:2]) for r in rows], fontsize=7, color=INK)
    axes.tick_params(axis="x", pad=14)
    axes.grid(color=GRID)
    for angle, value in zip(angles, values, strict=True):
        axes.annotate(w.number(value), (angle, value), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=7, color=ACCENT)
    figure.suptitle(w.text("report.chart.radar_title"), fontsize=11, color=INK, fontweight="bold")
    figure.text(0.5, 0.015, w.text("report.chart.simulation", index=pack.framework.index_name), ha="center", fontsize=7, color="#64748B")
    figure.subplots_adjust(top=0.82, bottom=0.12, left=0.12, right=0.88)
    return _png(figure)


def bars(snapshot: Snapshot, words: Words) -> bytes:
    """The domains' values as bars (the aspects' in a pack without domains), with the index as a line."""
    pack, w = snapshot.pack, words
    rows = facts.domains(snapshot, w.lang) or facts.aspects(snapshot, w.lang)
    values = [float(r.projected.value) if r.projected else pack.scale.min for r in rows]
    headline = facts.headline(snapshot)
    figure = _figure()
    axes = figure.add_subplot()
    positions = list(range(len(rows)))[::-1]
    axes.barh(positions, values, color=ACCENT, height=0.6)
    axes.set_yticks(positions)
    axes.set_yticklabels(["\n".join(textwrap.wrap(f"{r.key} {r.name}", 30)[:2]) for r in rows], fontsize=8, color=INK)
    axes.set_xlim(pack.scale.min, pack.scale.max)
    axes.set_xticks(range(pack.scale.min, pack.scale.max + 1))
    axes.set_xticklabels([str(v) for v in range(pack.scale.min, pack.scale.max + 1)], fontsize=8, color=INK)
    axes.axvline(float(headline.value), color=TARGET, linestyle="--", linewidth=1.2)
    axes.text(float(headline.value), len(rows) - 0.45, w.text("report.chart.index_line", index=pack.framework.index_name,
                                                                value=w.number(headline.value)),
              color=TARGET, fontsize=8, ha="center")
    for position, value in zip(positions, values, strict=True):
        axes.text(value + 0.04, position, w.number(value), va="center", fontsize=8, color=INK)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="x", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    title = w.text("report.chart.bars_title") if pack.domains else w.text("report.chart.bars_title_aspects")
    figure.suptitle(title, fontsize=11, color=INK, fontweight="bold")
    figure.text(0.5, 0.015, w.text("report.chart.simulation", index=pack.framework.index_name), ha="center", fontsize=7, color="#64748B")
    figure.subplots_adjust(top=0.86, bottom=0.1, left=0.34, right=0.95)
    return _png(figure)
