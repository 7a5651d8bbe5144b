"""What an incident needs at ``now``: reminders, follow-up prompts, abandonment, next wake-up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.lifecycle import FINAL_STATES, State
from bot.domain.obligations import (
    ACTIVE_STATUSES,
    ObligationState,
    Reminder,
    latest_passed,
    next_reminder_time,
    spec_for,
)
from bot.domain.plan import Plan, ReminderRules


@dataclass(frozen=True)
class Snapshot:
    """The parts of an incident that timing depends on."""

    state: State
    level_id: str | None
    reported_at: datetime
    stabilised_at: datetime | None
    obligations: tuple[ObligationState, ...] = ()
    followups_sent: int = 0
    last_update_at: datetime | None = None


@dataclass(frozen=True)
class FollowUpPrompt:
    """A progress-report (续报) prompt; ``number`` is 1-based, ``of`` the total."""

    number: int
    of: int
    at: datetime
    skipped: bool  # an update came in during this window, so no prompt is sent


@dataclass(frozen=True)
class Due:
    """Everything due at ``now`` for one incident and when to look again."""

    reminders: tuple[Reminder, ...] = ()
    follow_up: FollowUpPrompt | None = None
    abandon: bool = False
    next_at: datetime | None = None


def follow_up_times(plan: Plan, stabilised_at: datetime) -> list[datetime]:
    """When the progress prompts fall after stabilisation."""
    if plan.follow_up is None:
        return []
    count = int(plan.follow_up.for_ / plan.follow_up.every)
    return [stabilised_at + plan.follow_up.every * k for k in range(1, count + 1)]


def _follow_up(snapshot: Snapshot, plan: Plan, now: datetime) -> FollowUpPrompt | None:
    if snapshot.state is not State.STABILISED or snapshot.stabilised_at is None:
        return None
    times = follow_up_times(plan, snapshot.stabilised_at)
    passed = [i for i, at in enumerate(times) if at <= now and i >= snapshot.followups_sent]
    if not passed:
        return None
    index = passed[-1]
    window_start = times[index - 1] if index else snapshot.stabilised_at
    # An update counts for this unit only in its second half: one filed soon after the
    # previous prompt answers that prompt (late) and must not silence this one.
    counts_from = window_start + (times[index] - window_start) / 2
    last = snapshot.last_update_at
    skipped = last is not None and last >= counts_from
    return FollowUpPrompt(index + 1, len(times), times[index], skipped)


def _next_follow_up(snapshot: Snapshot, plan: Plan, sent: int) -> datetime | None:
    if snapshot.state is not State.STABILISED or snapshot.stabilised_at is None:
        return None
    times = follow_up_times(plan, snapshot.stabilised_at)
    return times[sent] if sent < len(times) else None


def what_is_due(snapshot: Snapshot, plan: Plan, now: datetime) -> Due:
    """Reminders and prompts due at ``now``, and the next time anything falls due after them."""
    if snapshot.state in FINAL_STATES:
        return Due()
    if snapshot.state is State.REPORTED:
        expires = snapshot.reported_at + plan.report_timeout
        return Due(abandon=True) if now >= expires else Due(next_at=expires)
    assert snapshot.level_id is not None
    reminders: list[Reminder] = []
    upcoming: list[datetime] = []
    for state in snapshot.obligations:
        if state.status not in ACTIVE_STATUSES:
            continue  # met, dropped or not started: nothing to remind, whatever the plan says
        rules = reminder_rules(plan, snapshot.level_id, state.id)
        reminder = latest_passed(rules, state, now)
        if reminder is not None:
            reminders.append(reminder)
            state = ObligationState(
                state.id, state.owner, state.due_at, state.status, reminder.index + 1
            )
        upcoming.extend(_compact([next_reminder_time(rules, state)]))
    prompt = _follow_up(snapshot, plan, now)
    sent = prompt.number if prompt else snapshot.followups_sent
    upcoming.extend(_compact([_next_follow_up(snapshot, plan, sent)]))
    return Due(tuple(reminders), prompt, False, min(upcoming) if upcoming else None)


def reminder_rules(plan: Plan, level_id: str, obligation_id: str) -> ReminderRules:
    """The task's reminder rules; the plan's general ones for a task the plan no longer has."""
    try:
        return plan.reminder_rules(spec_for(plan, level_id, obligation_id))
    except KeyError:
        return plan.reminders


def _compact(values: Sequence[datetime | None]) -> list[datetime]:
    return [value for value in values if value is not None]
