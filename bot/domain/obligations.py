"""Obligation timing: due times, warnings, overdue reminders and escalation, all pure."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from bot.domain.ladder import step_of
from bot.domain.plan import Obligation, Plan, ReminderRules
from bot.domain.series import find_series, instance_spec, parse_instance, series_of

REVIEW_ID = "review"


class ObStatus(StrEnum):
    """Where an obligation stands."""

    WAITING = "waiting"  # its clock has not started (it runs from stabilisation)
    OPEN = "open"
    SUBMITTED = "submitted"  # content handed in, awaiting an approver
    MET = "met"
    DROPPED = "dropped"  # no longer required after a regrade
    UNMET = "unmet"  # still owed when the incident was closed: frozen, counted up to the close
    STANDBY = "standby"  # owed only if another task goes overdue (a holding reply)
    SPARED = "spared"  # a standby task that was never needed: the other task was met


ACTIVE_STATUSES = frozenset({ObStatus.OPEN, ObStatus.SUBMITTED})


def content_digest(content: str) -> str:
    """A short fingerprint of submitted content, carried by the buttons that decide on it."""
    return hashlib.sha256(content.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Anchors:
    """The moments obligation clocks run from."""

    reported_at: datetime
    stabilised_at: datetime | None = None
    confirmed_at: datetime | None = None


@dataclass(frozen=True)
class ObligationState:
    """One obligation of one incident as stored: due time, status, reminders already sent."""

    id: str
    owner: str
    due_at: datetime | None
    status: ObStatus = ObStatus.OPEN
    sent: int = 0
    met_at: datetime | None = None
    level: str | None = None  # the level that set it (one task id may read differently per level)


@dataclass(frozen=True)
class Change:
    """An obligation whose due time moved in a regrade."""

    id: str
    old_due: datetime | None
    new_due: datetime | None


@dataclass(frozen=True)
class Reschedule:
    """Obligations after a (re)grade or stabilisation, and what changed."""

    states: tuple[ObligationState, ...]
    added: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    changed: tuple[Change, ...] = ()


class ReminderKind(StrEnum):
    """What a reminder says."""

    WARNING = "warning"  # deadline approaching
    DUE = "due"  # deadline reached
    OVERDUE = "overdue"  # deadline passed, repeated


@dataclass(frozen=True)
class Reminder:
    """A reminder to send for an obligation; ``index`` + 1 is its new ``sent`` count."""

    obligation: str
    kind: ReminderKind
    at: datetime
    index: int
    due_at: datetime
    number: int = 0  # 1 for the reminder at the due time, 2 for the next overdue one …
    step: int = 0  # the escalation ladder's step reached (0: not escalated)
    climbed: bool = False  # the first reminder on this step: announced as an escalation
    awaiting_approval: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def escalate(self) -> bool:
        """Whether the reminder tags more than the task's owner."""
        return self.step > 0


def review_spec(plan: Plan) -> Obligation:
    """The written review as an obligation: every incident owes it, whatever its level."""
    return Obligation(
        id=REVIEW_ID,
        text=plan.review.text or plan.title,
        owner=plan.review.owner,
        within=plan.review.within,
        after="stabilised",
        approval=list(plan.review.approve),
        report=True,  # handed upward (报送)
    )


def obligation_specs(plan: Plan, level_id: str) -> list[Obligation]:
    """The level's obligations plus the written review, which every incident owes."""
    return [*plan.level(level_id).obligations, review_spec(plan)]


def spec_for(plan: Plan, level_id: str, obligation_id: str) -> Obligation:
    """An obligation's spec: the level's, the review, else another level's (KeyError if none).

    A task met or dropped before a regrade belongs to an earlier level; it keeps its words.
    """
    for spec in obligation_specs(plan, level_id) if level_id in plan.level_ids else ():
        if spec.id == obligation_id:
            return spec
    if obligation_id == REVIEW_ID:
        return review_spec(plan)
    instance = parse_instance(obligation_id)
    series = find_series(plan, level_id, instance[0]) if instance else None
    if instance is not None and series is not None:
        return instance_spec(series, instance[1])
    for level in plan.levels:
        for spec in level.obligations:
            if spec.id == obligation_id:
                return spec
    raise KeyError(obligation_id)


def task_spec(plan: Plan, level_id: str | None, state: ObligationState) -> Obligation:
    """A task's spec in the words of the level that set it (KeyError if the plan has none)."""
    return spec_for(plan, state.level or level_id or "", state.id)


def due_time(spec: Obligation, anchors: Anchors) -> datetime | None:
    """When the obligation falls due, or None while its anchor has not happened."""
    start = anchors.reported_at if spec.after == "reported" else anchors.stabilised_at
    return None if start is None else start + spec.within


def schedule(
    plan: Plan, level_id: str, anchors: Anchors, existing: Sequence[ObligationState] = ()
) -> Reschedule:
    """Obligations for ``level_id``; met ones stay met, moved ones restart their reminders."""
    reports = [state for state in existing if parse_instance(state.id)]
    tasks = [state for state in existing if not parse_instance(state.id)]
    old = {state.id: state for state in tasks if state.status is not ObStatus.DROPPED}
    # a report kept only because an edited plan dropped its series is carried as a report
    specs = [spec for spec in obligation_specs(plan, level_id) if not parse_instance(spec.id)]
    states: list[ObligationState] = []
    added: list[str] = []
    changed: list[Change] = []
    for spec in specs:
        before = old.pop(spec.id, None)
        state, change = _carry(spec, before, due_time(spec, anchors), level_id)
        states.append(state)
        if before is None:
            added.append(spec.id)
        elif change is not None:
            changed.append(change)
    dropped = [state.id for state in old.values() if state.status not in _SETTLED]
    states.extend(
        state if state.status in _SETTLED else replace(state, status=ObStatus.DROPPED)
        for state in old.values()
    )
    wanted = {spec.id for spec in specs}
    states.extend(s for s in tasks if s.status is ObStatus.DROPPED and s.id not in wanted)
    carried = [_carry_report(plan, level_id, anchors, state) for state in reports]
    states.extend(carried)
    dropped.extend(
        new.id
        for new, was in zip(carried, reports, strict=True)
        if new.status is ObStatus.DROPPED and was.status is not ObStatus.DROPPED
    )
    return Reschedule(tuple(states), tuple(added), tuple(dropped), tuple(changed))


_SETTLED = frozenset({ObStatus.MET, ObStatus.SPARED})


def _carry(
    spec: Obligation, before: ObligationState | None, due: datetime | None, level_id: str
) -> tuple[ObligationState, Change | None]:
    """One task's state at ``level_id``: new, kept as met, or moved to its new deadline."""
    fresh = ObStatus.WAITING if due is None else ObStatus.OPEN
    if spec.if_overdue is not None and due is not None:
        fresh = ObStatus.STANDBY
    if before is None:
        return ObligationState(spec.id, spec.owner, due, fresh, level=level_id), None
    if before.status in _SETTLED:
        return before, None  # met as its level required: owner and words stay
    status = before.status
    if status is ObStatus.WAITING or (status is ObStatus.STANDBY and spec.if_overdue is None):
        status = fresh
    if before.due_at == due:
        return replace(before, owner=spec.owner, status=status, level=level_id), None
    if status is not ObStatus.SUBMITTED and status is not ObStatus.STANDBY:
        status = fresh
    moved = replace(before, owner=spec.owner, due_at=due, status=status, sent=0, level=level_id)
    return moved, Change(spec.id, before.due_at, due)


def _carry_report(
    plan: Plan, level_id: str, anchors: Anchors, state: ObligationState
) -> ObligationState:
    """A progress report at ``level_id``: kept while the level owes its series, else dropped.

    A report during handling that was not yet due when the incident calmed is no longer owed.
    """
    if state.status not in ACTIVE_STATUSES:
        return state
    series_id = state.id.rsplit("-", 1)[0]
    series = next((s for s in series_of(plan, level_id) if s.id == series_id), None)
    if series is None or _calmed_before_due(series.after, anchors, state):
        return replace(state, status=ObStatus.DROPPED)
    return replace(state, owner=series.owner, level=level_id)


def _calmed_before_due(after: str, anchors: Anchors, state: ObligationState) -> bool:
    """A report owed during handling whose deadline had not come when the incident calmed."""
    calmed, due = anchors.stabilised_at, state.due_at
    return after == "confirmed" and calmed is not None and due is not None and due > calmed


def reminder_at(rules: ReminderRules, due_at: datetime, index: int) -> Reminder:
    """The ``index``-th point of an obligation's reminder schedule (0-based)."""
    warnings = sorted(rules.before, reverse=True)
    if index < len(warnings):
        before = warnings[index]
        return Reminder("", ReminderKind.WARNING, due_at - before, index, due_at)
    number = index - len(warnings) + 1
    kind = ReminderKind.DUE if number == 1 else ReminderKind.OVERDUE
    at = due_at + rules.overdue_every * (number - 1)
    return Reminder("", kind, at, index, due_at, number, step_of(rules, number))


def current_step(rules: ReminderRules, state: ObligationState) -> int:
    """The ladder step the task's last reminder reached (0: not escalated)."""
    if state.sent == 0 or state.due_at is None or state.status not in ACTIVE_STATUSES:
        return 0
    return reminder_at(rules, state.due_at, state.sent - 1).step


def latest_passed(rules: ReminderRules, state: ObligationState, now: datetime) -> Reminder | None:
    """The latest unsent reminder whose time has come; earlier missed ones are skipped."""
    if state.status not in ACTIVE_STATUSES or state.due_at is None:
        return None
    due_at = state.due_at
    first = reminder_at(rules, due_at, state.sent)
    if first.at > now:
        return None
    warnings = len(rules.before)
    if now < due_at:
        passed = range(state.sent, warnings)
        index = max(i for i in passed if reminder_at(rules, due_at, i).at <= now)
    else:
        overdue = int((now - due_at) / rules.overdue_every)
        index = max(state.sent, warnings + overdue)
    found = reminder_at(rules, due_at, index)
    pending = state.status is ObStatus.SUBMITTED
    climbed = found.step > current_step(rules, state)
    return replace(found, obligation=state.id, awaiting_approval=pending, climbed=climbed)


def next_reminder_time(rules: ReminderRules, state: ObligationState) -> datetime | None:
    """When the obligation's next unsent reminder falls due (None when it needs none)."""
    if state.status not in ACTIVE_STATUSES or state.due_at is None:
        return None
    return reminder_at(rules, state.due_at, state.sent).at
