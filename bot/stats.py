"""Statistics over real incidents (drills never count): levels, speed, punctuality, breaches."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from bot.domain.incident import Incident
from bot.domain.lifecycle import LIVE_STATES, State
from bot.domain.obligations import ACTIVE_STATUSES
from bot.domain.plan import Plan
from bot.domain.verdicts import COUNTED, Verdict, standing
from bot.i18n import Translator
from bot.render.words import duration, level_name, role_title, task_name, when


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

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict (times as ISO text)."""
        data = asdict(self)
        data["since"] = self.since.isoformat() if self.since else None
        data["on_time_rate"] = {k: round(a / b, 3) for k, (a, b) in self.on_time.items() if b}
        return data


def compute(incidents: list[Incident], now: datetime, since: datetime | None = None) -> Stats:
    """Figures for incidents reported since ``since`` (drills and abandoned reports excluded).

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
    for incident in real:
        for ob in incident.obligations:
            verdict = standing(incident, ob, now).verdict
            if verdict not in COUNTED:
                continue  # not yet due, dropped, or closed before it fell due
            punctual[ob.id][1] += 1
            if verdict is Verdict.ON_TIME:
                punctual[ob.id][0] += 1
            else:
                breaches[ob.owner] += 1
    stats.on_time = dict(punctual)
    stats.breaches_per_role = dict(breaches)
    stats.open = [_open(i) for i in real if i.state in LIVE_STATES]
    return stats


def _open(incident: Incident) -> dict[str, Any]:
    pending = [o.due_at for o in incident.obligations if o.status in ACTIVE_STATUSES and o.due_at]
    return {
        "number": incident.number,
        "level": incident.level_id,
        "chat": incident.chat,
        "next_due": min(pending).isoformat() if pending else None,
    }


def render(stats: Stats, plan: Plan, t: Translator) -> list[str]:
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
                obligation=task_name(plan, None, obligation, t.lang),
                good=good,
                total=total,
                rate=round(100 * good / total),
            )
        )
    for role, count in sorted(stats.breaches_per_role.items(), key=lambda item: -item[1]):
        lines.append(t("stats.breaches", role=role_title(plan, role, t.lang), count=count))
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
