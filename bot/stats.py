"""Statistics over real incidents (drills never count): levels, speed, punctuality, breaches.

Punctuality is also tallied per level (the incident's) and per role (the task's owner as the
incident stored it, that is, as the plan it was handled with had it).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from bot.domain.fitting import PlanGone
from bot.domain.incident import Incident
from bot.domain.lifecycle import LIVE_STATES, State
from bot.domain.obligations import ACTIVE_STATUSES
from bot.domain.plan import Plan
from bot.domain.series import SERIES_IDS, series_key, series_text
from bot.domain.text import LText
from bot.domain.verdicts import COUNTED, Late, Standing, Verdict, late_kind, standing
from bot.i18n import Translator
from bot.render.words import duration, level_name, role_title, task_name, when
from bot.service.resolve import PlanResolver

# Missed (漏报): past its deadline unmet, or still owed when the incident was closed.
MISSED = frozenset({Verdict.BREACHED, Verdict.UNMET})


@dataclass
class Tally:
    """How the tasks of one level or one role stood: on time, late, missed, and by how much."""

    on_time: int = 0
    late: int = 0  # met late: reports (迟报) and other tasks (逾期完成) together
    late_reports: int = 0
    missed: int = 0
    lateness_s: list[float] = field(default_factory=list)  # of the tasks met late

    def add(self, found: Standing, kind: Late = Late.TASK) -> None:
        """Count one task's standing (one that fell due, or was owed at the close)."""
        if found.verdict is Verdict.ON_TIME:
            self.on_time += 1
        elif found.verdict is Verdict.LATE:
            self.late += 1
            if kind is Late.REPORT:
                self.late_reports += 1
            self.lateness_s.append(found.margin.total_seconds() if found.margin else 0.0)
        else:
            self.missed += 1

    @property
    def due(self) -> int:
        """How many tasks were counted."""
        return self.on_time + self.late + self.missed

    @property
    def median_lateness_s(self) -> float | None:
        """The median lateness of the tasks met late, in seconds (None if none was)."""
        return median(self.lateness_s) if self.lateness_s else None

    def as_json(self, item: str, name: str) -> dict[str, Any]:
        """A JSON-ready dict, with the id and the name of what it counts."""
        rate = round(self.on_time / self.due, 3) if self.due else None
        return {
            "id": item,
            "name": name,
            "due": self.due,
            "on_time": self.on_time,
            "late": self.late,
            "late_reports": self.late_reports,
            "missed": self.missed,
            "on_time_rate": rate,
            "median_lateness_s": self.median_lateness_s,
        }


@dataclass
class Names:
    """Level and role names from the plans the incidents were handled with, retired ones too."""

    levels: dict[str, LText] = field(default_factory=dict)
    roles: dict[str, LText] = field(default_factory=dict)

    def level(self, plan: Plan, level_id: str, lang: str) -> str:
        """The level as the plan names it, else as a stored plan did, else its id."""
        if level_id in plan.level_ids:
            return level_name(plan, level_id, lang)
        found = self.levels.get(level_id)
        return found.get(lang) if found is not None else level_id

    def role(self, plan: Plan, role_id: str, lang: str) -> str:
        """The role as the plan names it, else as a stored plan did, else its id."""
        if role_id in plan.roles:
            return role_title(plan, role_id, lang)
        found = self.roles.get(role_id)
        return found.get(lang) if found is not None else role_id


async def names_of(incidents: list[Incident], resolver: PlanResolver) -> Names:
    """The names of the incidents' levels and task owners, from the plans they were handled with."""
    names = Names()
    for incident in (i for i in incidents if i.level_id is not None):
        try:
            fitted: Plan | None = await resolver.plan(incident)
        except PlanGone:
            fitted = None
        plans = [p for p in (fitted, await resolver.stored(incident.plan_digest)) if p]
        for plan in plans:
            if incident.level_id in plan.level_ids:
                names.levels.setdefault(incident.level_id, plan.level(incident.level_id).name)
            for ob in incident.obligations:
                if ob.owner in plan.roles:
                    names.roles.setdefault(ob.owner, plan.roles[ob.owner].title)
    return names


@dataclass
class Stats:
    """The figures ``/stats`` and ``yuqing-bot stats`` show."""

    since: datetime | None
    incidents: int = 0
    false_alarms: int = 0  # cancelled as 误报: counted apart, never as breaches
    per_level: dict[str, int] = field(default_factory=dict)
    median_to_confirm_s: float | None = None
    on_time: dict[str, list[int]] = field(default_factory=dict)  # obligation -> [on time, due]
    breaches_per_role: dict[str, int] = field(default_factory=dict)
    open: list[dict[str, Any]] = field(default_factory=list)
    by_level: dict[str, Tally] = field(default_factory=dict)  # level id -> its tasks
    by_role: dict[str, Tally] = field(default_factory=dict)  # owner role id -> its tasks

    def as_json(
        self, plan: Plan | None = None, lang: str = "zh_CN", names: Names | None = None
    ) -> dict[str, Any]:
        """A JSON-ready dict (times as ISO text); levels and roles with their ids and names."""
        data = asdict(self)
        data["since"] = self.since.isoformat() if self.since else None
        data["on_time_rate"] = {k: round(a / b, 3) for k, (a, b) in self.on_time.items() if b}
        named = names or Names()
        data["by_level"] = [
            tally.as_json(item, named.level(plan, item, lang) if plan else item)
            for item, tally in self.by_level.items()
        ]
        data["by_role"] = [
            tally.as_json(item, named.role(plan, item, lang) if plan else item)
            for item, tally in self.by_role.items()
        ]
        return data


def compute(
    incidents: list[Incident],
    now: datetime,
    since: datetime | None = None,
    plan: Plan | None = None,
) -> Stats:
    """Figures for incidents reported since ``since`` (drills and abandoned reports excluded).

    ``plan`` says which tasks are reports, so lateness is told apart: 迟报 or 逾期完成.

    False alarms (cancelled incidents) are counted apart and owe nothing: no breach, no rate.
    """
    chosen = [
        i
        for i in incidents
        if not i.is_drill and i.level_id is not None and (since is None or i.reported_at >= since)
    ]
    real = [i for i in chosen if i.state is not State.CANCELLED]
    stats = Stats(since, len(real), false_alarms=len(chosen) - len(real))
    stats.per_level = dict(Counter(i.level_id for i in real if i.level_id))
    waits = [(i.confirmed_at - i.reported_at).total_seconds() for i in real if i.confirmed_at]
    stats.median_to_confirm_s = median(waits) if waits else None
    punctual: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    breaches: Counter[str] = Counter()
    by_level: dict[str, Tally] = defaultdict(Tally)
    by_role: dict[str, Tally] = defaultdict(Tally)
    for incident in real:
        for ob in incident.obligations:
            found = standing(incident, ob, now)
            verdict = found.verdict
            if verdict not in COUNTED and verdict not in MISSED:
                continue  # not yet due, dropped, standby or spared: nobody is held to it
            kind = late_kind(plan, incident.level_id, ob)
            by_level[incident.level_id or ""].add(found, kind)
            by_role[ob.owner].add(found, kind)
            task = series_key(ob.id)  # the 续报 of a series are one row, however many
            punctual[task][1] += 1
            if verdict is Verdict.ON_TIME:
                punctual[task][0] += 1
            else:
                breaches[ob.owner] += 1
    stats.on_time = dict(punctual)
    stats.breaches_per_role = dict(breaches)
    stats.by_level, stats.by_role = dict(by_level), dict(by_role)
    stats.open = [_open(i) for i in real if i.state in LIVE_STATES]
    return stats


def task_label(plan: Plan, task: str, lang: str) -> str:
    """A task's name; a progress series by its text."""
    if task in SERIES_IDS:
        return series_text(plan, task).get(lang)
    return task_name(plan, None, task, lang)


def _open(incident: Incident) -> dict[str, Any]:
    pending = [o.due_at for o in incident.obligations if o.status in ACTIVE_STATUSES and o.due_at]
    return {
        "number": incident.number,
        "level": incident.level_id,
        "chat": incident.chat,
        "next_due": min(pending).isoformat() if pending else None,
    }


def render(stats: Stats, plan: Plan, t: Translator, names: Names | None = None) -> list[str]:
    """The figures of one plan's incidents as lines of text."""
    lines = [t("stats.title", plan=plan.title.get(t.lang), count=stats.incidents)]
    if stats.false_alarms:
        lines.append(t("stats.false_alarms", count=stats.false_alarms))
    for level_id, count in sorted(stats.per_level.items()):
        lines.append(t("stats.level", level=level_name(plan, level_id, t.lang), count=count))
    if stats.median_to_confirm_s is not None:
        wait = duration(t, timedelta(seconds=stats.median_to_confirm_s))
        lines.append(t("stats.median_confirm", wait=wait))
    for obligation, (good, total) in sorted(stats.on_time.items()):
        lines.append(
            t(
                "stats.on_time",
                obligation=task_label(plan, obligation, t.lang),
                good=good,
                total=total,
                rate=round(100 * good / total),
            )
        )
    for role, count in sorted(stats.breaches_per_role.items(), key=lambda item: -item[1]):
        lines.append(t("stats.breaches", role=role_title(plan, role, t.lang), count=count))
    lines.extend(_tallies(stats, plan, t, names or Names()))
    for item in stats.open:
        due = when(datetime.fromisoformat(item["next_due"]), plan) if item["next_due"] else "—"
        lines.append(
            t(
                "stats.open",
                number=item["number"],
                level=level_name(plan, item["level"], t.lang),
                due=due,
            )
        )
    return lines


def _tallies(stats: Stats, plan: Plan, t: Translator, names: Names) -> list[str]:
    """Punctuality per level (in the plan's order) and per role (most late or missed first)."""
    order = {level_id: index for index, level_id in enumerate(plan.level_ids)}
    levels = sorted(stats.by_level, key=lambda item: (order.get(item, len(order)), item))
    roles = sorted(stats.by_role, key=lambda item: (-_faults(stats.by_role[item]), item))
    lines = []
    if levels:
        lines.append(t("stats.by_level"))
        lines += [_tally(t, names.level(plan, i, t.lang), stats.by_level[i]) for i in levels]
    if roles:
        lines.append(t("stats.by_role"))
        lines += [_tally(t, names.role(plan, i, t.lang), stats.by_role[i]) for i in roles]
    return lines


def _faults(tally: Tally) -> int:
    return tally.late + tally.missed


def _tally(t: Translator, name: str, tally: Tally) -> str:
    """One level's or role's line: due, on time (rate), late (median lateness), missed."""
    figures = {
        "name": name,
        "total": tally.due,
        "good": tally.on_time,
        "rate": round(100 * tally.on_time / tally.due),
        "late": tally.late,
        "late_reports": tally.late_reports,
        "late_tasks": tally.late - tally.late_reports,
        "missed": tally.missed,
    }
    if tally.median_lateness_s is None:
        return t("stats.tally", **figures)
    wait = duration(t, timedelta(seconds=tally.median_lateness_s))
    return t("stats.tally_late", wait=wait, **figures)
