"""The drill report: each obligation met on time, met late, or breached, and by how much."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.incident import Incident
from bot.domain.messages import N_
from bot.domain.obligations import task_spec
from bot.domain.plan import Plan
from bot.domain.verdicts import Verdict, standing
from bot.i18n import Translator
from bot.render.words import duration, level_name, role_title, state_name


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
}


def report_lines(incident: Incident, plan: Plan, t: Translator, end: datetime) -> list[str]:
    """The drill report as lines of text."""
    level = level_name(plan, incident.level_id, t.lang)
    lines = [
        t(
            "drill.report.title",
            number=incident.number,
            level=level,
            state=state_name(t, incident.state),
        )
    ]
    results = outcomes(incident, end)
    for ob, result in zip(incident.obligations, results, strict=True):
        spec = task_spec(plan, incident.level_id, ob)
        owner = role_title(plan, spec.owner, t.lang)
        due = duration(t, spec.within)
        margin = duration(t, result.margin) if result.margin is not None else ""
        verdict = t(VERDICT_KEYS[result.verdict], margin=margin)
        lines.append(
            t(
                "drill.report.line",
                task=spec.text.get(t.lang),
                owner=owner,
                due=due,
                verdict=verdict,
            )
        )
    counts = {key: sum(1 for r in results if r.verdict is key) for key in VERDICT_KEYS}
    lines.append(
        t(
            "drill.report.summary",
            on_time=counts[Verdict.ON_TIME],
            late=counts[Verdict.LATE],
            breached=counts[Verdict.BREACHED],
            open=counts[Verdict.OPEN],
        )
    )
    return lines
