"""The drill report: each obligation met on time, met late, or breached, and by how much."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.incident import Incident
from bot.domain.messages import N_
from bot.domain.obligations import ObStatus, spec_for
from bot.domain.plan import Plan
from bot.i18n import Translator
from bot.render.words import duration, level_name, state_name


@dataclass(frozen=True)
class Outcome:
    """How one obligation ended in the drill."""

    obligation: str
    verdict: str  # "on_time" | "late" | "breached" | "open" | "not_started" | "dropped"
    due_after: timedelta | None  # due, counted from the report
    margin: timedelta | None  # spare time (on time), lateness (late, breached)


def outcomes(incident: Incident, end: datetime) -> list[Outcome]:
    """Each obligation's verdict at ``end``."""
    found = []
    for ob in incident.obligations:
        due = ob.due_at - incident.reported_at if ob.due_at else None
        if ob.status is ObStatus.DROPPED:
            found.append(Outcome(ob.id, "dropped", due, None))
        elif ob.due_at is None:
            found.append(Outcome(ob.id, "not_started", None, None))
        elif ob.status is ObStatus.MET and ob.met_at is not None:
            late = ob.met_at - ob.due_at
            verdict = "late" if late > timedelta(0) else "on_time"
            found.append(Outcome(ob.id, verdict, due, abs(late)))
        elif end > ob.due_at:
            found.append(Outcome(ob.id, "breached", due, end - ob.due_at))
        else:
            found.append(Outcome(ob.id, "open", due, ob.due_at - end))
    return found


VERDICT_KEYS = {
    "on_time": N_("drill.report.on_time"),
    "late": N_("drill.report.late"),
    "breached": N_("drill.report.breached"),
    "open": N_("drill.report.open"),
    "not_started": N_("drill.report.not_started"),
    "dropped": N_("drill.report.dropped"),
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
    for result in results:
        assert incident.level_id is not None
        spec = spec_for(plan, incident.level_id, result.obligation)
        owner = plan.roles[spec.owner].title.get(t.lang)
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
    counts = {key: sum(1 for r in results if r.verdict == key) for key in VERDICT_KEYS}
    lines.append(
        t(
            "drill.report.summary",
            on_time=counts["on_time"],
            late=counts["late"],
            breached=counts["breached"],
            open=counts["open"],
        )
    )
    return lines
