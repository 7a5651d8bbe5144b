"""What an incident needs at ``now``: reminders, reports, standby tasks, abandonment, wake-up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.lifecycle import FINAL_STATES, State
from bot.domain.obligations import (
    ACTIVE_STATUSES,
    Anchors,
    ObligationState,
    Reminder,
    latest_passed,
    next_reminder_time,
    spec_for,
)
from bot.domain.plan import Plan, ReminderRules
from bot.domain.progress import open_reports, superseded
from bot.domain.standby import standby_moves


@dataclass(frozen=True)
class Snapshot:
    """The parts of an incident that timing depends on."""

    state: State
    level_id: str | None
    reported_at: datetime
    stabilised_at: datetime | None
    obligations: tuple[ObligationState, ...] = ()
    followups_sent: int = 0  # follow-up prompts sent before reports were tasks
    last_update_at: datetime | None = None
    confirmed_at: datetime | None = None


@dataclass(frozen=True)
class Due:
    """Everything due at ``now`` for one incident and when to look again."""

    reminders: tuple[Reminder, ...] = ()
    opened: tuple[ObligationState, ...] = ()  # progress reports whose period began
    owed: tuple[str, ...] = ()  # standby tasks now owed: the task they wait on is overdue
    spared: tuple[str, ...] = ()  # standby tasks no longer needed
    abandon: bool = False
    next_at: datetime | None = None

    @property
    def anything(self) -> bool:
        """Whether the incident must be written to now."""
        return bool(self.reminders or self.opened or self.owed or self.spared or self.abandon)


def what_is_due(snapshot: Snapshot, plan: Plan, now: datetime) -> Due:
    """Reminders, reports and standby moves due at ``now``, and the next time anything is due."""
    if snapshot.state in FINAL_STATES:
        return Due()
    if snapshot.state is State.REPORTED:
        expires = snapshot.reported_at + plan.report_timeout
        return Due(abandon=True) if now >= expires else Due(next_at=expires)
    assert snapshot.level_id is not None
    level_id = snapshot.level_id
    anchors = Anchors(snapshot.reported_at, snapshot.stabilised_at, snapshot.confirmed_at)
    opening = open_reports(
        plan, level_id, anchors, snapshot.obligations, now, snapshot.followups_sent
    )
    # a report opened now may already owe a reminder (a short period, or a bot that was down)
    owed = (*snapshot.obligations, *opening.opened)
    reminders, upcoming = _reminders(owed, plan, level_id, now)
    moves = standby_moves(plan, level_id, snapshot.obligations, now)
    upcoming.extend(_compact([opening.next_at, moves.next_at]))
    return Due(
        tuple(reminders),
        opening.opened,
        moves.owed,
        moves.spared,
        False,
        min(upcoming, default=None),
    )


def _reminders(
    obligations: Sequence[ObligationState], plan: Plan, level_id: str, now: datetime
) -> tuple[list[Reminder], list[datetime]]:
    """The reminders due now and each owed task's next one; missed reports fall silent."""
    silent = superseded(obligations, now)
    reminders: list[Reminder] = []
    upcoming: list[datetime] = []
    for state in obligations:
        if state.status not in ACTIVE_STATUSES or state.id in silent:
            continue  # met, dropped, standby or not started: nothing to remind
        rules = _rules(plan, level_id, state)
        reminder = latest_passed(rules, state, now)
        if reminder is not None:
            reminders.append(reminder)
            state = replace(state, sent=reminder.index + 1)
        upcoming.extend(_compact([next_reminder_time(rules, state)]))
    return reminders, upcoming


def _rules(plan: Plan, level_id: str, state: ObligationState) -> ReminderRules:
    return reminder_rules(plan, state.level or level_id, state.id)


def reminder_rules(plan: Plan, level_id: str, obligation_id: str) -> ReminderRules:
    """The task's reminder rules; the plan's general ones for a task the plan no longer has."""
    try:
        return plan.reminder_rules(spec_for(plan, level_id, obligation_id))
    except KeyError:
        return plan.reminders


def _compact(values: Sequence[datetime | None]) -> list[datetime]:
    return [value for value in values if value is not None]
