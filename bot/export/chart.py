"""Charts as PNG (matplotlib, a shipped CJK font): tasks against their deadlines, and figures.

The timeline draws each task as the share of its own time limit used: 100% is the deadline,
whether the limit was 2 hours or 3 days. On an hour axis a 2-hour task is a sliver beside a
3-day one, and a log axis is hard to read aloud; a share shows at a glance which tasks ran late
and by how much, and each row states its limit and the time taken in words beside the bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from bot.domain.incident import Incident
from bot.domain.obligations import ObligationState, ObStatus, task_spec
from bot.domain.plan import Plan
from bot.domain.verdicts import Verdict, end_of, standing
from bot.export.labels import wrap
from bot.export.typeface import cjk_text, empty_state, new_figure, to_png
from bot.i18n import N_, Translator
from bot.render.words import duration, task_name
from bot.stats import Names, task_label

# Never owed: dropped in a regrade, a standby task not (yet) needed, or one spared.
UNDRAWN = frozenset({ObStatus.DROPPED, ObStatus.STANDBY, ObStatus.SPARED})
LABEL_COLUMNS = 24  # a task name's line on the timeline: twelve hanzi
LIMIT_COLOUR = "#e3e9f0"
COLOURS = {  # legend key -> bar colour
    N_("chart.legend.on_time"): "#27ae60",
    N_("chart.legend.late"): "#e67e22",
    N_("chart.legend.overdue"): "#c0392b",
    N_("chart.legend.running"): "#4a7fb5",
}
GAP = 1.2  # space between two tasks' rows, in label lines
MOST = 3.0  # bars longer than three times their limit are cut off here (the words say how long)


@dataclass(frozen=True)
class Row:
    """One task on the timeline: its name, its time limit and the time it took (or has taken)."""

    name: str
    limit: timedelta
    used: timedelta
    met: bool
    late: bool

    @property
    def share(self) -> float:
        """The share of the limit used (1.0 at the deadline)."""
        return self.used / max(self.limit, timedelta(seconds=1))

    @property
    def colour_key(self) -> str:
        """Which legend entry the bar belongs to."""
        if self.met:
            return N_("chart.legend.late") if self.late else N_("chart.legend.on_time")
        return N_("chart.legend.overdue") if self.late else N_("chart.legend.running")


def _row(incident: Incident, plan: Plan, ob: ObligationState, lang: str, now: datetime) -> Row:
    assert ob.due_at is not None
    try:
        start = ob.due_at - task_spec(plan, incident.level_id, ob).within
    except KeyError:  # a task the plan no longer has: its limit ran from the report
        start = incident.reported_at
    met = ob.status is ObStatus.MET and ob.met_at is not None
    end = ob.met_at if met and ob.met_at else end_of(incident, now)
    late = standing(incident, ob, now).verdict in (Verdict.LATE, Verdict.BREACHED)
    name = task_name(plan, incident.level_id, ob, lang)
    return Row(name, ob.due_at - start, max(end - start, timedelta(0)), met, late)


def timeline_rows(incident: Incident, plan: Plan, lang: str, now: datetime) -> list[Row]:
    """The tasks the incident owed (or owes), in the order it set them."""
    drawn = [ob for ob in incident.obligations if ob.status not in UNDRAWN and ob.due_at]
    return [_row(incident, plan, ob, lang, now) for ob in drawn]


def timeline_chart(incident: Incident, plan: Plan, t: Translator, now: datetime) -> bytes:
    """Each task as the share of its time limit used, with the limit and the time in words."""
    with cjk_text():
        return to_png(timeline_figure(incident, plan, t, now))


def timeline_figure(incident: Incident, plan: Plan, t: Translator, now: datetime) -> Figure:
    """The timeline as a matplotlib figure (tests read its texts)."""
    rows = timeline_rows(incident, plan, t.lang, now)
    labels = ["\n".join(wrap(row.name, LABEL_COLUMNS)) for row in rows]
    heights = [label.count("\n") + 1 for label in labels]
    figure = new_figure(11, 2.0 + 0.2 * max(sum(heights) + GAP * len(rows), 4))
    bars, notes = figure.subplots(1, 2, width_ratios=[3, 1], sharey=True)
    figure.suptitle(t("chart.title", number=incident.number))
    if not rows:
        empty_state(bars, t("chart.no_data"))
        notes.set_axis_off()
        return figure
    places, top = [], 0.0
    for height in heights:
        places.append(top + (height + GAP) / 2)
        top += height + GAP
    _bars(bars, rows, places, t)
    bars.set_yticks(places, labels)
    bars.set_ylim(top, 0)
    _notes(notes, rows, places, t)
    return figure


def _bars(axis: Axes, rows: list[Row], places: list[float], t: Translator) -> None:
    most = max(1.2, min(max(row.share for row in rows) * 1.05, MOST))
    axis.barh(places, [1.0] * len(rows), height=1.1, color=LIMIT_COLOUR)
    for place, row in zip(places, rows, strict=True):
        shown = min(row.share, most)
        axis.barh(place, shown, height=0.7, color=COLOURS[row.colour_key])
        if row.share > most:
            axis.plot([most], [place], marker=">", color=COLOURS[row.colour_key], clip_on=False)
    axis.axvline(1.0, color="#2c3e50", linestyle="--", linewidth=1)
    axis.text(1.0, 1.01, t("chart.deadline"), transform=axis.get_xaxis_transform(), ha="center")
    axis.set_xlim(0, most)
    axis.xaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    axis.set_xlabel(t("chart.share_axis"))
    axis.grid(axis="x", alpha=0.3)
    used = [key for key in COLOURS if any(row.colour_key == key for row in rows)]
    handles = [Patch(color=COLOURS[key], label=t(key)) for key in used]
    handles.insert(0, Patch(color=LIMIT_COLOUR, label=t("chart.legend.limit")))
    axis.figure.legend(handles=handles, loc="outside lower center", ncols=5)


def _notes(axis: Axes, rows: list[Row], places: list[float], t: Translator) -> None:
    axis.set_axis_off()
    for place, row in zip(places, rows, strict=True):
        key = N_("chart.row.met") if row.met else N_("chart.row.open")
        text = t(key, limit=duration(t, row.limit), used=duration(t, row.used))
        axis.text(0.02, place, text, va="center", fontsize=9)


def stats_chart(
    per_level: dict[str, int],
    on_time: dict[str, list[int]],
    plan: Plan,
    t: Translator,
    names: Names | None = None,
) -> bytes:
    """Incidents per level, and the on-time rate of each task, side by side."""
    with cjk_text():
        return to_png(stats_figure(per_level, on_time, plan, t, names))


def stats_figure(
    per_level: dict[str, int],
    on_time: dict[str, list[int]],
    plan: Plan,
    t: Translator,
    names: Names | None = None,
) -> Figure:
    """The figures as a matplotlib figure: an explicit "no data" where a side has none."""
    tasks = sorted(on_time)
    lines = sum(len(wrap(task_label(plan, task, t.lang), LABEL_COLUMNS)) for task in tasks)
    figure = new_figure(11, max(4.0, 1.6 + 0.28 * lines))
    levels, punctual = figure.subplots(1, 2, width_ratios=[1, 1.4])
    figure.suptitle(plan.title.get(t.lang))
    levels.set_title(t("chart.per_level"))
    punctual.set_title(t("chart.on_time"))
    _per_level(levels, per_level, plan, t, names or Names())
    _on_time(punctual, on_time, tasks, plan, t)
    return figure


def _per_level(axis: Axes, counts: dict[str, int], plan: Plan, t: Translator, names: Names) -> None:
    if not counts:
        empty_state(axis, t("chart.no_data"))
        return
    order = {level_id: index for index, level_id in enumerate(plan.level_ids)}
    shown = sorted(counts, key=lambda item: (order.get(item, len(order)), item))
    labels = ["\n".join(wrap(names.level(plan, item, t.lang), 12)) for item in shown]
    bars = axis.bar(labels, [counts[item] for item in shown], color="#4a7fb5")
    axis.bar_label(bars)
    axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_ylim(0, max(counts.values()) * 1.15 + 0.5)
    axis.set_ylabel(t("chart.incidents_axis"))


def _on_time(
    axis: Axes, tallies: dict[str, list[int]], tasks: list[str], plan: Plan, t: Translator
) -> None:
    if not tasks:
        empty_state(axis, t("chart.no_data"))
        return
    labels = ["\n".join(wrap(task_label(plan, task, t.lang), LABEL_COLUMNS)) for task in tasks]
    rates = [tallies[task][0] / tallies[task][1] if tallies[task][1] else 0.0 for task in tasks]
    bars = axis.barh(labels, rates, color="#27ae60")
    axis.bar_label(bars, [f"{tallies[task][0]}/{tallies[task][1]}" for task in tasks], padding=3)
    axis.invert_yaxis()
    axis.set_xlim(0, 1.15)
    axis.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    axis.xaxis.set_major_formatter(PercentFormatter(xmax=1.0))
