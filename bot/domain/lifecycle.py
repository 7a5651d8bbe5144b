"""The incident lifecycle as data: a table of (state, event) -> state."""

from __future__ import annotations

from enum import StrEnum

from bot.domain.errors import IllegalTransition


class State(StrEnum):
    """Where an incident stands."""

    REPORTED = "reported"  # grading questions being answered
    GRADED = "graded"  # level set, awaiting a leader's confirmation
    ACTIVE = "active"  # confirmed; response obligations running
    STABILISED = "stabilised"  # calmed down; follow-up and review running
    CLOSED = "closed"  # review approved
    CANCELLED = "cancelled"  # false alarm, by an approver
    ABANDONED = "abandoned"  # the reporter never finished the questions


class Event(StrEnum):
    """What can happen to an incident."""

    GRADE = "grade"
    CONFIRM = "confirm"
    REGRADE = "regrade"
    STABILISE = "stabilise"
    CLOSE = "close"
    CANCEL = "cancel"
    ABANDON = "abandon"


TRANSITIONS: dict[tuple[State, Event], State] = {
    (State.REPORTED, Event.GRADE): State.GRADED,
    (State.REPORTED, Event.ABANDON): State.ABANDONED,
    (State.REPORTED, Event.CANCEL): State.CANCELLED,
    (State.GRADED, Event.CONFIRM): State.ACTIVE,
    (State.GRADED, Event.REGRADE): State.GRADED,
    (State.GRADED, Event.CANCEL): State.CANCELLED,
    (State.ACTIVE, Event.REGRADE): State.ACTIVE,
    (State.ACTIVE, Event.STABILISE): State.STABILISED,
    (State.ACTIVE, Event.CANCEL): State.CANCELLED,
    (State.STABILISED, Event.REGRADE): State.STABILISED,
    (State.STABILISED, Event.CLOSE): State.CLOSED,
    (State.STABILISED, Event.CANCEL): State.CANCELLED,
}

FINAL_STATES = frozenset({State.CLOSED, State.CANCELLED, State.ABANDONED})
LIVE_STATES = frozenset(State) - FINAL_STATES


def transition(state: State, event: Event) -> State:
    """Return the state after ``event``; raise IllegalTransition if the table has no entry."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(state=state.value, event=event.value) from None


def allowed_events(state: State) -> list[Event]:
    """Events the table accepts in ``state``, in declaration order."""
    return [event for (source, event) in TRANSITIONS if source is state]
