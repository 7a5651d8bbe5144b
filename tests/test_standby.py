"""Standby tasks (表态性回复): owed only if another task misses its deadline, else spared."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from support import SMALL_PLAN, T0, small_plan

from bot.domain.incident import Incident
from bot.domain.lifecycle import State
from bot.domain.obligations import Anchors, ObligationState, ObStatus, schedule
from bot.domain.standby import standby_moves
from bot.domain.timing import Snapshot, what_is_due
from bot.domain.verdicts import Verdict, standing
from bot.planfile import PlanError, parse_plan_text

H = timedelta(hours=1)
HOLDING = "      - {id: holding, text: 表态性回复, owner: office, within: 3d, if_overdue: reply}\n"
PLAN = small_plan(
    SMALL_PLAN.replace(
        "      - {id: verify, text: 核实, owner: office, within: 30m}\n",
        "      - {id: verify, text: 核实, owner: office, within: 30m}\n" + HOLDING,
    )
)


def tasks(**changes: ObStatus) -> tuple[ObligationState, ...]:
    """The mid level's tasks, with some statuses changed."""
    states = schedule(PLAN, "mid", Anchors(T0)).states
    return tuple(
        replace(s, status=changes[s.id], met_at=T0) if s.id in changes else s for s in states
    )


def test_a_conditional_task_starts_on_standby() -> None:
    by_id = {s.id: s for s in tasks()}
    assert by_id["holding"].status is ObStatus.STANDBY
    assert by_id["holding"].due_at == T0 + timedelta(days=3)


@pytest.mark.parametrize(
    ("hours", "reply", "owed", "spared", "next_in"),
    [
        (0.5, ObStatus.OPEN, (), (), 1),  # the reply's deadline (1 h) has not come
        (1, ObStatus.OPEN, ("holding",), (), None),  # the reply is late: the holding reply is owed
        (0.5, ObStatus.MET, (), ("holding",), None),  # replied in time: never needed
        (5, ObStatus.SUBMITTED, ("holding",), (), None),  # a draft awaiting approval is not met
        (5, ObStatus.DROPPED, (), ("holding",), None),
    ],
)
def test_the_condition_decides(
    hours: float,
    reply: ObStatus,
    owed: tuple[str, ...],
    spared: tuple[str, ...],
    next_in: int | None,
) -> None:
    moves = standby_moves(PLAN, "mid", tasks(reply=reply), T0 + hours * H)
    assert (moves.owed, moves.spared) == (owed, spared)
    assert moves.next_at == (None if next_in is None else T0 + next_in * H)


def test_a_holding_reply_already_owed_is_spared_once_the_reply_is_made_late() -> None:
    states = tasks(reply=ObStatus.MET, holding=ObStatus.OPEN)
    assert standby_moves(PLAN, "mid", states, T0 + 5 * H).spared == ("holding",)
    made = tasks(reply=ObStatus.MET, holding=ObStatus.MET)
    assert standby_moves(PLAN, "mid", made, T0 + 5 * H).spared == ()


def test_a_standby_task_is_never_reminded_and_counts_as_standby() -> None:
    snapshot = Snapshot(
        State.ACTIVE, "mid", T0, None, tasks(reply=ObStatus.MET, verify=ObStatus.MET)
    )
    due = what_is_due(snapshot, PLAN, T0 + 4 * timedelta(days=1))
    assert [r.obligation for r in due.reminders] == []  # review waits for the calm
    assert due.spared == ("holding",)


def test_the_tick_wakes_at_the_condition_deadline() -> None:
    snapshot = Snapshot(State.ACTIVE, "mid", T0, None, tasks(verify=ObStatus.MET))
    due = what_is_due(snapshot, PLAN, T0 + 59 * timedelta(minutes=1))
    assert due.next_at is not None and due.next_at <= T0 + H
    assert what_is_due(snapshot, PLAN, T0 + H).owed == ("holding",)


@pytest.mark.parametrize(
    ("status", "verdict"), [(ObStatus.STANDBY, Verdict.STANDBY), (ObStatus.SPARED, Verdict.SPARED)]
)
def test_standby_and_spared_tasks_are_not_counted(status: ObStatus, verdict: Verdict) -> None:
    holding = ObligationState("holding", "office", T0 + H, status)
    incident = Incident(1, 1, "small", "telegram:1", State.ACTIVE, "telegram:3", "x", T0)
    assert standing(incident, holding, T0 + 5 * H).verdict is verdict


def test_a_regrade_keeps_a_standby_task_on_standby() -> None:
    before = tasks()
    low = schedule(PLAN, "low", Anchors(T0), before).states
    back = {s.id: s for s in schedule(PLAN, "mid", Anchors(T0), low).states}
    assert back["holding"].status is ObStatus.STANDBY


@pytest.mark.parametrize(
    ("line", "key"),
    [
        (HOLDING.replace("if_overdue: reply", "if_overdue: nothing"), "plan.unknown_condition"),
        (HOLDING.replace("if_overdue: reply", "if_overdue: holding"), "plan.unknown_condition"),
        (HOLDING.replace("within: 3d", "within: 1h"), "plan.condition_too_soon"),
        (
            HOLDING + HOLDING.replace("id: holding", "id: h2").replace("reply}", "holding}"),
            "plan.condition_chain",
        ),
    ],
)
def test_check_plan_refuses_a_condition_that_cannot_work(line: str, key: str) -> None:
    text = SMALL_PLAN.replace(
        "      - {id: verify, text: 核实, owner: office, within: 30m}\n",
        "      - {id: verify, text: 核实, owner: office, within: 30m}\n" + line,
    )
    with pytest.raises(PlanError) as caught:
        parse_plan_text(text, "bad.yaml")
    assert key in {problem.key for problem in caught.value.problems}
