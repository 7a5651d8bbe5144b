"""Opening each progress report (续报) as its period starts, and which one an update meets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.obligations import ACTIVE_STATUSES, Anchors, ObligationState, ObStatus
from bot.domain.plan import Plan
from bot.domain.series import FOLLOWUP_ID, Series, instance_id, parse_instance, series_of

MAX_OPENED = 500  # reports opened in one look: a bot down for weeks catches up in bounded work


@dataclass(frozen=True)
class Opening:
    """Reports whose period has started by ``now``, and when the next one starts."""

    opened: tuple[ObligationState, ...] = ()
    next_at: datetime | None = None


def open_reports(
    plan: Plan,
    level_id: str,
    anchors: Anchors,
    existing: Sequence[ObligationState],
    now: datetime,
    prompted: int = 0,
) -> Opening:
    """Each report of the level's series whose period has begun and that is not yet owed.

    ``prompted`` counts follow-up prompts sent before reports were tasks: those are not owed again.
    """
    opened: list[ObligationState] = []
    upcoming: list[datetime] = []
    for series in series_of(plan, level_id):
        skip = prompted if series.id == FOLLOWUP_ID else 0
        found, next_at = _open_series(series, level_id, anchors, existing, now, skip)
        opened.extend(found)
        if next_at is not None:
            upcoming.append(next_at)
    return Opening(tuple(opened), min(upcoming, default=None))


def _open_series(
    series: Series,
    level_id: str,
    anchors: Anchors,
    existing: Sequence[ObligationState],
    now: datetime,
    skip: int,
) -> tuple[list[ObligationState], datetime | None]:
    anchor = anchors.confirmed_at if series.after == "confirmed" else anchors.stabilised_at
    if anchor is None:
        return [], None
    mine = sorted(
        (parsed[1], state.due_at)
        for state in existing
        if (parsed := parse_instance(state.id)) and parsed[0] == series.id and state.due_at
    )
    number, start = mine[-1] if mine else (skip, anchor + series.every * skip)
    end = anchor + series.for_ if series.for_ is not None else None
    opened: list[ObligationState] = []
    while True:
        due = start + series.every
        if end is not None and due > end:
            return opened, None
        calmed = anchors.stabilised_at
        if series.after == "confirmed" and calmed is not None and start >= calmed:
            return opened, None
        if start > now or len(opened) >= MAX_OPENED:
            return opened, start
        number += 1
        state = ObligationState(instance_id(series.id, number), series.owner, due, level=level_id)
        opened.append(state)
        start = due


def superseded(obligations: Sequence[ObligationState], now: datetime) -> set[str]:
    """Reports whose next report of the same series has fallen due: missed, no more reminders."""
    latest_due: dict[str, list[tuple[int, datetime]]] = {}
    for state in obligations:
        parsed = parse_instance(state.id)
        if parsed and state.due_at is not None and state.status is not ObStatus.DROPPED:
            latest_due.setdefault(parsed[0], []).append((parsed[1], state.due_at))
    gone: set[str] = set()
    for state in obligations:
        parsed = parse_instance(state.id)
        if parsed is None:
            continue
        later = latest_due.get(parsed[0], [])
        if any(number > parsed[1] and due <= now for number, due in later):
            gone.add(state.id)
    return gone


def report_met_by_update(obligations: Sequence[ObligationState], now: datetime) -> str | None:
    """The report an update at ``now`` meets: the current one, else the latest one overdue."""
    owed = [
        state
        for state in obligations
        if parse_instance(state.id) and state.status in ACTIVE_STATUSES and state.due_at
    ]
    current = [state for state in owed if state.due_at and state.due_at >= now]
    if current:
        return min(current, key=lambda state: (state.due_at, state.id)).id
    if owed:
        return max(owed, key=lambda state: (state.due_at, state.id)).id
    return None
