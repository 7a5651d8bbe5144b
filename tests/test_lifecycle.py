import itertools

import pytest

from bot.domain.errors import IllegalTransition
from bot.domain.lifecycle import FINAL_STATES, Event, State, allowed_events, transition

S, E = State, Event

# The whole table, written out: every pair not listed here must be refused.
EXPECTED = {
    (S.REPORTED, E.GRADE): S.GRADED,
    (S.REPORTED, E.ABANDON): S.ABANDONED,
    (S.REPORTED, E.CANCEL): S.CANCELLED,
    (S.GRADED, E.CONFIRM): S.ACTIVE,
    (S.GRADED, E.REGRADE): S.GRADED,
    (S.GRADED, E.CANCEL): S.CANCELLED,
    (S.ACTIVE, E.REGRADE): S.ACTIVE,
    (S.ACTIVE, E.STABILISE): S.STABILISED,
    (S.ACTIVE, E.CANCEL): S.CANCELLED,
    (S.STABILISED, E.REGRADE): S.STABILISED,
    (S.STABILISED, E.CLOSE): S.CLOSED,
    (S.STABILISED, E.CANCEL): S.CANCELLED,
}


@pytest.mark.parametrize(("state", "event"), list(itertools.product(State, Event)))
def test_every_pair(state: State, event: Event) -> None:
    if (state, event) in EXPECTED:
        assert transition(state, event) is EXPECTED[(state, event)]
    else:
        with pytest.raises(IllegalTransition) as caught:
            transition(state, event)
        assert caught.value.key == "error.illegal_transition"
        assert caught.value.params == {"state": state.value, "event": event.value}


@pytest.mark.parametrize("state", sorted(FINAL_STATES))
def test_final_states_accept_nothing(state: State) -> None:
    assert allowed_events(state) == []


def test_happy_path_reaches_closed() -> None:
    state = S.REPORTED
    for event in (E.GRADE, E.REGRADE, E.CONFIRM, E.REGRADE, E.STABILISE, E.CLOSE):
        state = transition(state, event)
    assert state is S.CLOSED
