"""The report's chart: the daily dose above the daily burden, on one day axis, readable in black and white.
With a taper plan, the planned dose (as the person entered it) is a dashed step line beside the logged one.

Drawn with matplotlib's Agg backend through `Figure` objects (no pyplot: no global state shared between
reports in one worker). Windows and waves are told apart by hatching, not colour, so a photocopy keeps
them; the burden's median line and interquartile band follow the AGP's convention.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")

# The backend is chosen before anything draws.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from services.workers.reports import i18n
from shared import languages, scales

Gettext = Callable[[str], str]

WIDTH_IN, HEIGHT_IN = 7.2, 1.9
# Room for the legend above and two lines of day labels below, in inches, whatever the height.
TOP_IN, BOTTOM_IN = 0.25, 0.38
LEFT = 0.1  # the plot's left edge, as a fraction of the width: room for the axis labels
INK, MID, LIGHT = "#000000", "#555555", "#d9d9d9"
SHADING = {
    "wave": {"facecolor": LIGHT, "hatch": "////", "edgecolor": "#8c8c8c", "label": "wave"},
    # Not dots: matplotlib writes every dot into the SVG (150 KB for one week); lines stay small.
    "window": {"facecolor": "#ffffff", "hatch": "\\\\", "edgecolor": "#a6a6a6", "label": "window"},
}
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 7.5,
    "axes.edgecolor": MID,
    "axes.linewidth": 0.6,
    "xtick.color": MID,
    "ytick.color": MID,
    "hatch.linewidth": 0.5,
    "svg.fonttype": "none",  # text stays text: smaller files, and the page's own font
}


def _ticks(days: list[str], language: str) -> tuple[list[int], list[str]]:
    step = 1 if len(days) <= 14 else max(1, round(len(days) / 10))
    idx = list(range(0, len(days), step))
    short = len(days) <= 14

    def label(day: str) -> str:
        when = i18n.short_date(day, language)
        return f"{i18n.weekday(day, language)}\n{when}" if short else when

    return idx, [label(days[i]) for i in idx]


def _shade(axes, episodes: list[dict], index: dict[str, int]) -> None:
    for episode in episodes:
        style = SHADING.get(episode["kind"])
        if style is None:
            continue
        start, end = index[episode["start"]], index[episode["end"]]
        for ax in axes:
            ax.axvspan(
                start - 0.5,
                end + 0.5,
                facecolor=style["facecolor"],
                hatch=style["hatch"],
                edgecolor=style["edgecolor"],
                linewidth=0,
                zorder=0,
            )


def planned_series(model: dict) -> list[float | None]:
    """The plan's planned daily dose on each day of the chart, in the logged dose's unit (diazepam
    equivalents when the logged dose is in them, else mg of the plan's one medication); [] without a plan."""
    plan = model.get("plan")
    if not plan:
        return []
    equivalent = "diazepam" in (model["dose"].get("unit_note") or "")
    by_day = plan["planned_eq_by_day"] if equivalent else plan.get("planned_mg_by_day", {})
    return [by_day.get(d["day"]) for d in model["series"]]


def _dose(ax, model: dict, index: dict[str, int], last: int, _: Gettext, language: str) -> None:
    dose = model["dose"]
    points = dose["timeline"]
    planned = planned_series(model)
    ax.set_ylabel(_("Dose, mg"))
    if not points and not any(p is not None for p in planned):
        ax.text(0.5, 0.5, _("No doses logged"), transform=ax.transAxes, ha="center", va="center", color=MID)
        ax.set_yticks([])
        return
    top = 0.0
    if points:
        xs = [index.get(p["day"], -0.5) for p in points] + [last + 0.5]
        ys = [p["amount"] for p in points] + [points[-1]["amount"]]
        ax.step(xs, ys, where="post", color=INK, linewidth=1.6)
        top = max(ys)
    if any(p is not None for p in planned):
        # Each day's planned dose across its whole day; NaN leaves a gap where the plan plans nothing.
        xs = [i - 0.5 for i in range(len(planned))] + [len(planned) - 0.5]
        ys = [math.nan if p is None else p for p in planned]
        ax.step(xs, [*ys, ys[-1]], where="post", color=MID, linewidth=1.4, linestyle=(0, (4, 2)))
        top = max(top, *(p for p in planned if p is not None))
    ax.set_ylim(0, top * 1.25 if top else 1)
    ax.yaxis.set_major_locator(MaxNLocator(3))
    # The report's own number format ("0,25" in Spanish): the last weeks of a taper are below 1 mg.
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: i18n.number(value, language, 2)))


def _burden(ax, model: dict, _: Gettext) -> None:
    series = model["series"]
    xs = list(range(len(series)))
    spread = [(i, s["spread"]) for i, s in enumerate(series) if s["spread"]]
    if spread:
        sx = [i for i, _ in spread]
        ax.fill_between(
            sx, [s["q1"] for _, s in spread], [s["q3"] for _, s in spread], color="#bdbdbd", linewidth=0
        )
        ax.plot(sx, [s["median"] for _, s in spread], color=INK, linewidth=1.4)
    logged = [(x, s["burden"]) for x, s in zip(xs, series, strict=True) if s["burden"] is not None]
    if logged:
        ax.plot(
            [x for x, _ in logged],
            [b for _, b in logged],
            linestyle="none",
            marker="o",
            markersize=4,
            markerfacecolor="#ffffff",
            markeredgecolor=INK,
            markeredgewidth=1,
        )
    else:
        ax.text(0.5, 0.5, _("No entries in this period"), transform=ax.transAxes, ha="center", color=MID)
    ax.set_ylim(-0.3, 10.3)
    # Both ends named: the report's other scale (sleep quality) runs the other way.
    burden = scales.SCALES["burden"]
    ax.set_yticks([0, 5, 10], [f"0 {_(burden['min_label'])}", "5", f"10 {_(burden['max_label'])}"])
    ax.set_ylabel(_("Burden"))


def _fit_left(fig: Figure, axes) -> None:
    """Widen the left margin when the axis labels need more room than LEFT gives (a language's longer
    scale words), so the rotated axis titles are never cut off."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    overflow = max(0.0, *(-ax.yaxis.get_tightbbox(renderer).x0 for ax in axes))
    if overflow:
        fig.subplots_adjust(left=LEFT + (overflow + 2) / fig.bbox.width)


def draw(model: dict) -> Figure:
    """The figure for a report model (see model.assemble), in its language."""
    language = model.get("language", languages.DEFAULT)
    _ = i18n.catalog(language).gettext
    days = [d["day"] for d in model["series"]]
    index = {day: i for i, day in enumerate(days)}
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN))
        dose_ax, burden_ax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1, 1.75]})
        _shade((dose_ax, burden_ax), model["episodes"], index)
        _dose(dose_ax, model, index, len(days) - 1, _, language)
        _burden(burden_ax, model, _)
        idx, labels = _ticks(days, language)
        burden_ax.set_xticks(idx, labels)
        burden_ax.set_xlim(-0.5, len(days) - 0.5)
        for ax in (dose_ax, burden_ax):
            ax.spines[["top", "right"]].set_visible(False)
            ax.grid(axis="y", color="#e6e6e6", linewidth=0.5)
            ax.set_axisbelow(True)
        handles = [
            Line2D([], [], color=INK, marker="o", markerfacecolor="#fff", linestyle="none"),
            Line2D([], [], color=INK, linewidth=1.4),
            Patch(facecolor="#bdbdbd"),
        ]
        labels = [_("day's burden"), _("7-day median"), _("middle half (IQR)")]
        if any(p is not None for p in planned_series(model)):
            handles[:0] = [
                Line2D([], [], color=INK, linewidth=1.6),
                Line2D([], [], color=MID, linewidth=1.4, linestyle=(0, (4, 2))),
            ]
            labels[:0] = [_("dose logged"), _("dose planned")]
        kinds = {e["kind"] for e in model["episodes"]}
        for kind in ("window", "wave"):
            if kind in kinds:
                style = SHADING[kind]
                handles.append(Patch(facecolor=style["facecolor"], hatch=style["hatch"], edgecolor="#8c8c8c"))
                labels.append(_(style["label"]))
        fig.legend(handles, labels, loc="upper center", ncol=len(labels), frameon=False, fontsize=7)
        fig.subplots_adjust(
            left=LEFT, right=0.99, top=1 - TOP_IN / HEIGHT_IN, bottom=BOTTOM_IN / HEIGHT_IN, hspace=0.12
        )
        _fit_left(fig, (dose_ax, burden_ax))
        return fig


def svg_data_uri(model: dict) -> str:
    """The chart as an SVG data URI, for the one template that makes both the HTML and the PDF."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        draw(model).savefig(buffer, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
