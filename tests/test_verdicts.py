"""The one verdict rule: on time, late, breached, open, not started, dropped, unmet, cancelled."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from support import T0

from bot.domain.incident import Incident
from bot.domain.lifecycle import State
from bot.domain.obligations import ObligationState, ObStatus
from bot.domain.verdicts import Standing, Verdict, end_of, standing

M = timedelta(minutes=1)
H = timedelta(hours=1)
DUE = T0 + H


def incident(state: State, closed_after: timedelta | None = None) -> Incident:
    closed = T0 + closed_after if closed_after is not None else None
    return Incident(1, 1, "small", "telegram:-1", state, "telegram:3", "x", T0, closed_at=closed)


def task(status: ObStatus, met_after: timedelta | None = None, due: datetime | None = DUE):
    met = T0 + met_after if met_after is not None else None
    return ObligationState("report", "office", due, status, met_at=met)


CASES = [
    # (incident state, closed after, task status, met after, due, now after) -> standing
    (State.ACTIVE, None, ObStatus.MET, 50 * M, DUE, 200 * M, Standing(Verdict.ON_TIME, 10 * M)),
    (State.ACTIVE, None, ObStatus.MET, 75 * M, DUE, 200 * M, Standing(Verdict.LATE, 15 * M)),
    (State.ACTIVE, None, ObStatus.OPEN, None, DUE, 70 * M, Standing(Verdict.BREACHED, 10 * M)),
    (State.ACTIVE, None, ObStatus.SUBMITTED, None, DUE, 90 * M, Standing(Verdict.BREACHED, 30 * M)),
    (State.ACTIVE, None, ObStatus.OPEN, None, DUE, 30 * M, Standing(Verdict.OPEN, 30 * M)),
    (State.ACTIVE, None, ObStatus.DROPPED, None, DUE, 300 * M, Standing(Verdict.DROPPED)),
    (State.STABILISED, None, ObStatus.WAITING, None, None, 300 * M, Standing(Verdict.NOT_STARTED)),
    # closed with the task owed: lateness counted up to the close, not beyond
    (State.CLOSED, 2 * H, ObStatus.UNMET, None, DUE, 9000 * H, Standing(Verdict.BREACHED, H)),
    (State.CLOSED, 2 * H, ObStatus.OPEN, None, DUE, 9000 * H, Standing(Verdict.BREACHED, H)),
    (State.CLOSED, 30 * M, ObStatus.UNMET, None, DUE, 9000 * H, Standing(Verdict.UNMET)),
    (State.CLOSED, 2 * H, ObStatus.MET, 70 * M, DUE, 9000 * H, Standing(Verdict.LATE, 10 * M)),
    # a false alarm owes nothing: never breached, however long ago
    (State.CANCELLED, 2 * H, ObStatus.OPEN, None, DUE, 9000 * H, Standing(Verdict.CANCELLED)),
    (
        State.CANCELLED,
        2 * H,
        ObStatus.MET,
        20 * M,
        DUE,
        9000 * H,
        Standing(Verdict.ON_TIME, 40 * M),
    ),
]


@pytest.mark.parametrize(("state", "closed", "status", "met", "due", "now", "expected"), CASES)
def test_standing(
    state: State,
    closed: timedelta | None,
    status: ObStatus,
    met: timedelta | None,
    due: datetime | None,
    now: timedelta,
    expected: Standing,
) -> None:
    assert standing(incident(state, closed), task(status, met, due), T0 + now) == expected


def test_lateness_stops_at_the_close_and_runs_on_while_open() -> None:
    closed = incident(State.CLOSED, 2 * H)
    assert end_of(closed, T0 + 9000 * H) == T0 + 2 * H
    live = replace(closed, state=State.STABILISED, closed_at=None)
    assert end_of(live, T0 + 9000 * H) == T0 + 9000 * H
