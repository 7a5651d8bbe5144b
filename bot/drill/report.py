"""The drill report: each obligation met on time, met late, or breached, and by how much."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.incident import Incident, TimelineEvent
from bot.domain.messages import N_
from bot.domain.obligations import ObligationState, task_spec
from bot.domain.plan import Plan
from bot.domain.series import parse_instance
from bot.domain.text import listed
from bot.domain.verdicts import Late, Verdict, late_kind, missed_reports, standing
from bot.i18n import Translator
from bot.render.words import duration, level_name, role_title, state_name, task_name


@dataclass(frozen=True)
class Outcome:
    """How one obligation ended in the drill."""

    obligation: str
    verdict: Verdict
    due_after: timedelta | None  # due, counted from the report
    margin: timedelta | None  # spare time (on time, open), lateness (late, breached)


def outcomes(incident: Incident, end: datetime) -> list[Outcome]:
    """Each obligation's verdict at ``end``."""
    found = []
    for ob in incident.obligations:
        due = ob.due_at - incident.reported_at if ob.due_at else None
        result = standing(incident, ob, end)
        found.append(Outcome(ob.id, result.verdict, due, result.margin))
    return found


VERDICT_KEYS = {
    Verdict.ON_TIME: N_("drill.report.on_time"),
    Verdict.LATE: N_("drill.report.late"),
    Verdict.BREACHED: N_("drill.report.breached"),
    Verdict.OPEN: N_("drill.report.open"),
    Verdict.NOT_STARTED: N_("drill.report.not_started"),
    Verdict.DROPPED: N_("drill.report.dropped"),
    Verdict.UNMET: N_("drill.report.unmet"),
    Verdict.CANCELLED: N_("drill.report.cancelled"),
    Verdict.STANDBY: N_("drill.report.standby"),
    Verdict.SPARED: N_("drill.report.spared"),
}
# A progress report (续报) missed: its next one fell due, or the incident ended (漏报).
REPORT_KEYS = {**VERDICT_KEYS, Verdict.BREACHED: N_("drill.report.report_missed")}
# met late, any task but a report is 逾期完成 (a report: 迟报)
LATE_TASK = N_("drill.report.late_task")
# a report is dropped not only by a regrade: the calm or the close came before it fell due
REPORT_DROPPED = N_("drill.report.report_dropped")

STANDBY_KEYS = {
    "standby_owed": N_("drill.report.standby_owed"),
    "standby_spared": N_("drill.report.standby_spared"),
}


def report_lines(
    incident: Incident,
    plan: Plan,
    t: Translator,
    end: datetime,
    events: Sequence[TimelineEvent] = (),
) -> list[str]:
    """The drill report as lines of text: each task's verdict, then escalations and standby."""
    level = level_name(plan, incident.level_id, t.lang)
    state = state_name(t, incident.state)
    lines = [t("drill.report.title", number=incident.number, level=level, state=state)]
    results = outcomes(incident, end)
    missed = missed_reports(incident, end)
    late = {Late.REPORT: 0, Late.TASK: 0}
    for ob, result in zip(incident.obligations, results, strict=True):
        kind = late_kind(plan, incident.level_id, ob)
        if result.verdict is Verdict.LATE:
            late[kind] += 1
        lines.append(_task_line(incident, ob, plan, t, result, kind, ob.id in missed))
    lines.extend(event_lines(incident, plan, t, events))
    counts = {key: sum(1 for r in results if r.verdict is key) for key in VERDICT_KEYS}
    summary = t(
        "drill.report.summary",
        on_time=counts[Verdict.ON_TIME],
        late=counts[Verdict.LATE],
        late_reports=late[Late.REPORT],
        late_tasks=late[Late.TASK],
        breached=counts[Verdict.BREACHED],
        open=counts[Verdict.OPEN],
    )
    return [*lines, summary]


def _task_line(
    incident: Incident,
    ob: ObligationState,
    plan: Plan,
    t: Translator,
    result: Outcome,
    kind: Late,
    missed: bool,
) -> str:
    """One task: its owner, its time allowed, and how it ended (迟报 or 逾期完成 when late)."""
    spec = task_spec(plan, incident.level_id, ob)
    key = (REPORT_KEYS if missed else VERDICT_KEYS)[result.verdict]
    if parse_instance(ob.id) and result.verdict is Verdict.DROPPED:
        key = REPORT_DROPPED
    if result.verdict is Verdict.LATE and kind is Late.TASK:
        key = LATE_TASK
    margin = duration(t, result.margin) if result.margin is not None else ""
    return t(
        "drill.report.line",
        task=spec.text.get(t.lang),
        owner=role_title(plan, spec.owner, t.lang),
        due=duration(t, spec.within),
        verdict=t(key, margin=margin),
    )


def event_lines(
    incident: Incident, plan: Plan, t: Translator, events: Sequence[TimelineEvent]
) -> list[str]:
    """Escalations, and standby tasks that became owed or were spared, as they happened."""
    lines = []
    for event in events:
        task = task_name(plan, incident.level_id, str(event.data.get("obligation", "")), t.lang)
        at = offset(event.at - incident.reported_at)
        condition = str(event.data.get("condition") or "")
        if event.kind == "escalation":
            roles = (role_title(plan, role, t.lang) for role in event.data.get("roles", []))
            step = event.data.get("step", 0)
            roles_text = listed(roles, t.lang)
            lines.append(
                t("drill.report.escalation", task=task, step=step, roles=roles_text, at=at)
            )
        elif event.kind in ("standby_owed", "standby_spared"):
            other = task_name(plan, incident.level_id, condition, t.lang)
            key = STANDBY_KEYS[event.kind]
            if event.data.get("reason") == "dropped":
                key = N_("drill.report.standby_spared_dropped")
            lines.append(t(key, task=task, condition=other, at=at))
    return lines


def offset(delta: timedelta) -> str:
    """Time since the report, as ``+2h30m`` or ``+1d2h``."""
    minutes = max(int(delta.total_seconds()) // 60, 0)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{mins}m" if mins else ""]
    return "+" + ("".join(parts) or "0m")
