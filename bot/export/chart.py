"""Charts as PNG (matplotlib, a bundled CJK font): obligations against their deadlines."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib import resources
from io import BytesIO

import matplotlib

matplotlib.use("Agg")  # no display: render to files only

from matplotlib import font_manager
from matplotlib import pyplot as plt

from bot.domain.incident import Incident
from bot.domain.obligations import ObStatus, task_spec
from bot.domain.plan import Plan
from bot.domain.verdicts import Verdict, end_of, standing
from bot.i18n import Translator

FONT_FILE = "NotoSansCJKsc-Regular.otf"
# Never owed: dropped in a regrade, a standby task not (yet) needed, or one spared.
UNDRAWN = frozenset({ObStatus.DROPPED, ObStatus.STANDBY, ObStatus.SPARED})


@cache
def cjk_font() -> str:
    """Register the CJK font shipped with the mplfonts package; return its family name."""
    path = resources.files("mplfonts") / "fonts" / FONT_FILE
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _hours(start: datetime, moment: datetime) -> float:
    return (moment - start).total_seconds() / 3600


def timeline_chart(incident: Incident, plan: Plan, t: Translator, now: datetime) -> bytes:
    """Each obligation as a bar from the report to its deadline, with when it was met."""
    family = cjk_font()
    rows = [ob for ob in incident.obligations if ob.status not in UNDRAWN and ob.due_at is not None]
    assert incident.level_id is not None
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.6 * max(len(rows), 1)), dpi=120)
    try:
        for y, ob in enumerate(rows):
            assert ob.due_at is not None
            due = _hours(incident.reported_at, ob.due_at)
            ax.barh(y, due, color="#cfe3f6", edgecolor="#4a7fb5")
            done = ob.met_at if ob.status is ObStatus.MET else None
            end = _hours(incident.reported_at, done or end_of(incident, now))
            late = standing(incident, ob, now).verdict in (Verdict.LATE, Verdict.BREACHED)
            marker = "o" if done else "X"
            ax.plot([end], [y], marker=marker, color="#c0392b" if late else "#27ae60", markersize=9)
        labels = [task_spec(plan, incident.level_id, ob).text.get(t.lang)[:24] for ob in rows]
        ax.set_yticks(range(len(rows)), labels, fontfamily=family)
        ax.invert_yaxis()
        ax.set_xlabel(t("chart.hours_after_report"), fontfamily=family)
        ax.set_title(t("chart.title", number=incident.number), fontfamily=family)
        ax.grid(axis="x", alpha=0.3)
        fig.tight_layout()
        buffer = BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(fig)


def stats_chart(
    per_level: dict[str, int], on_time: dict[str, list[int]], plan: Plan, t: Translator
) -> bytes:
    """Incidents per level, and the on-time rate of each obligation, side by side."""
    family = cjk_font()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), dpi=120)
    try:
        levels = [level for level in plan.levels if level.id in per_level]
        left.bar(
            [level.name.get(t.lang) for level in levels],
            [per_level[level.id] for level in levels],
            color="#4a7fb5",
        )
        left.set_title(t("chart.per_level"), fontfamily=family)
        names = sorted(on_time)
        rates = [100 * on_time[n][0] / on_time[n][1] if on_time[n][1] else 0 for n in names]
        right.barh(names, rates, color="#27ae60")
        right.set_xlim(0, 100)
        right.set_title(t("chart.on_time"), fontfamily=family)
        for axis in (left, right):
            for label in [*axis.get_xticklabels(), *axis.get_yticklabels()]:
                label.set_fontfamily(family)
        fig.tight_layout()
        buffer = BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(fig)
