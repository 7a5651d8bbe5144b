"""The one rule for how a task stands — on time, late, breached, open … — wherever it is shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.incident import Incident
from bot.domain.lifecycle import FINAL_STATES, State
from bot.domain.obligations import (
    ACTIVE_STATUSES,
    REVIEW_ID,
    ObligationState,
    ObStatus,
    task_spec,
)
from bot.domain.plan import Plan
from bot.domain.progress import superseded
from bot.domain.series import parse_instance


class Verdict(StrEnum):
    """How one task of one incident stands."""

    ON_TIME = "on_time"  # met by its deadline
    LATE = "late"  # met after its deadline: 迟报 or 逾期完成, as late_kind says
    BREACHED = "breached"  # not met and past its deadline, counted up to now or to the close
    OPEN = "open"  # not met, its deadline still ahead
    NOT_STARTED = "not_started"  # its clock runs from stabilisation, which has not come
    DROPPED = "dropped"  # no longer required after a regrade
    UNMET = "unmet"  # the incident closed before the task was met, and before its deadline
    CANCELLED = "cancelled"  # the incident was cancelled as a false alarm before it was met
    STANDBY = "standby"  # owed only if another task is not met by its deadline
    SPARED = "spared"  # a standby task that was never needed


class Late(StrEnum):
    """What a task met after its deadline is called."""

    REPORT = "report"  # 迟报: a report upward, 快报事实, a 续报, the written review
    TASK = "task"  # 逾期完成: any other task — a release, a reply, a plan


def late_kind(plan: Plan | None, level_id: str | None, ob: ObligationState) -> Late:
    """迟报 for a report (a 续报, the review, a task the plan marks ``report``), else 逾期完成."""
    if ob.id == REVIEW_ID or parse_instance(ob.id):
        return Late.REPORT
    try:
        report = plan is not None and task_spec(plan, level_id, ob).report
    except KeyError:  # a task the plan no longer has
        report = False
    return Late.REPORT if report else Late.TASK


# The verdicts accountability counts: a task that fell due, met in time or not.
COUNTED = frozenset({Verdict.ON_TIME, Verdict.LATE, Verdict.BREACHED})


@dataclass(frozen=True)
class Standing:
    """A task's verdict and its margin: time to spare (on time, open) or lateness."""

    verdict: Verdict
    margin: timedelta | None = None


def end_of(incident: Incident, now: datetime) -> datetime:
    """Until when lateness runs: the close of an incident that is over, else ``now``."""
    if incident.state in FINAL_STATES and incident.closed_at is not None:
        return min(incident.closed_at, now)
    return now


def standing(incident: Incident, ob: ObligationState, now: datetime) -> Standing:
    """How ``ob`` stands at ``now``; lateness stops at the close, a false alarm owes nothing."""
    if ob.status is ObStatus.DROPPED:
        return Standing(Verdict.DROPPED)
    if ob.status is ObStatus.SPARED:
        return Standing(Verdict.SPARED)
    if ob.status is ObStatus.STANDBY:
        return Standing(Verdict.STANDBY)
    if ob.status is ObStatus.MET:
        if ob.due_at is None or ob.met_at is None:
            return Standing(Verdict.ON_TIME)
        late = ob.met_at - ob.due_at
        if late > timedelta(0):
            return Standing(Verdict.LATE, late)
        return Standing(Verdict.ON_TIME, -late)
    if incident.state is State.CANCELLED:
        return Standing(Verdict.CANCELLED)
    if ob.due_at is None:
        return Standing(Verdict.NOT_STARTED)
    end = end_of(incident, now)
    if end > ob.due_at:
        return Standing(Verdict.BREACHED, end - ob.due_at)
    if incident.state in FINAL_STATES:
        return Standing(Verdict.UNMET)
    return Standing(Verdict.OPEN, ob.due_at - end)


def missed_reports(incident: Incident, now: datetime) -> set[str]:
    """Progress reports missed (漏报): unmet when the next one fell due, or when it all ended."""
    silent = superseded(incident.obligations, now)
    over = incident.state in FINAL_STATES
    return {
        ob.id
        for ob in incident.obligations
        if parse_instance(ob.id)
        and (over or ob.id in silent)
        and standing(incident, ob, now).verdict is Verdict.BREACHED
    }


def owed(incident: Incident) -> list[ObligationState]:
    """Tasks that hold up closing: still owed (running, awaiting approval, waiting).

    Neither the review nor a progress report: reports run for as long as the incident does.
    """
    running = {*ACTIVE_STATUSES, ObStatus.WAITING}
    return [
        ob
        for ob in incident.obligations
        if ob.status in running and ob.id != REVIEW_ID and parse_instance(ob.id) is None
    ]


def reports_at_close(incident: Incident, now: datetime) -> tuple[list[str], list[str]]:
    """Progress reports still owed at the close: (overdue ones, missed; not yet due, dropped)."""
    owing = [
        ob for ob in incident.obligations if parse_instance(ob.id) and ob.status in ACTIVE_STATUSES
    ]
    late = [ob.id for ob in owing if ob.due_at is not None and ob.due_at <= now]
    return late, [ob.id for ob in owing if ob.id not in late]


def closing_pending(incident: Incident) -> bool:
    """The review is approved but other tasks are owed: closing waits for them or a leader."""
    if incident.state is not State.STABILISED:
        return False
    review = next((ob for ob in incident.obligations if ob.id == REVIEW_ID), None)
    return review is not None and review.status is ObStatus.MET and bool(owed(incident))
