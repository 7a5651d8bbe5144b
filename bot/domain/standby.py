"""Tasks owed only if another is late (the 表态性回复): when they fall due or are spared."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.obligations import ACTIVE_STATUSES, ObligationState, ObStatus, spec_for
from bot.domain.plan import Plan

_WATCHED = ACTIVE_STATUSES | {ObStatus.STANDBY}


@dataclass(frozen=True)
class StandbyMoves:
    """Standby tasks now owed (their condition went overdue), those spared, and the next look."""

    owed: tuple[str, ...] = ()
    spared: tuple[str, ...] = ()
    next_at: datetime | None = None


def standby_moves(
    plan: Plan, level_id: str, obligations: Sequence[ObligationState], now: datetime
) -> StandbyMoves:
    """Which conditional tasks become owed or are no longer needed at ``now``.

    A task ``if_overdue: X`` is owed from X's deadline if X is not met by then; once X is met
    (in time, or late) it is spared, unless it was already met itself.
    """
    by_id = {state.id: state for state in obligations}
    owed: list[str] = []
    spared: list[str] = []
    upcoming: list[datetime] = []
    for state in obligations:
        if state.status not in _WATCHED:
            continue
        condition = _condition(plan, level_id, state)
        if condition is None:
            continue
        other = by_id.get(condition)
        if other is None or other.status in (ObStatus.MET, ObStatus.DROPPED, ObStatus.SPARED):
            spared.append(state.id)
        elif state.status is ObStatus.STANDBY and other.due_at is not None:
            if now >= other.due_at:
                owed.append(state.id)
            else:
                upcoming.append(other.due_at)
    return StandbyMoves(tuple(owed), tuple(spared), min(upcoming, default=None))


def _condition(plan: Plan, level_id: str, state: ObligationState) -> str | None:
    """The task a conditional task waits on (None: it is not conditional)."""
    try:
        return spec_for(plan, state.level or level_id, state.id).if_overdue
    except KeyError:
        return None
