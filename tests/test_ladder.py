"""The escalation ladder: the step each reminder reaches, whom it tags, the old one-step form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import SMALL_PLAN, T0, small_plan

from bot.domain.ladder import climbed_roles, step_number, step_of, step_roles
from bot.domain.obligations import ObligationState, ObStatus, latest_passed, reminder_at
from bot.domain.plan import ReminderRules
from bot.planfile import PlanError, parse_plan_text

M = timedelta(minutes=1)
LADDER = ReminderRules.model_validate(
    {
        "before": ["20m"],
        "overdue_every": "30m",
        "escalate": [
            {"reminders": 1, "to": ["office"]},
            {"overdue": "1h30m", "to": ["leader"]},
            {"reminders": 6, "to": ["upper", "leader"]},
        ],
    }
)


@pytest.mark.parametrize(
    ("number", "step"),
    [
        (0, 0),  # a warning before the deadline never escalates
        (1, 0),  # the reminder at the deadline: only the owner
        (2, 1),  # after one unanswered reminder: the first rung
        (3, 1),  # +1 h
        (4, 2),  # +1 h 30 m: the second rung
        (6, 2),
        (7, 3),  # after six unanswered reminders
        (40, 3),
    ],
)
def test_each_reminder_reaches_its_step(number: int, step: int) -> None:
    assert step_of(LADDER, number) == step


@pytest.mark.parametrize(
    ("step", "adds", "tags", "from_number"),
    [
        (0, [], [], None),
        (1, ["office"], ["office"], 2),
        (2, ["leader"], ["office", "leader"], 4),
        (3, ["upper", "leader"], ["office", "leader", "upper"], 7),
    ],
)
def test_a_climb_keeps_the_lower_rungs_tagged(
    step: int, adds: list[str], tags: list[str], from_number: int | None
) -> None:
    assert step_roles(LADDER, step) == adds
    assert climbed_roles(LADDER, step) == tags
    assert step_number(LADDER, step) == from_number


def test_a_time_step_between_reminders_takes_effect_at_the_next_one() -> None:
    rules = ReminderRules.model_validate(
        {"overdue_every": "30m", "escalate": [{"overdue": "45m", "to": ["leader"]}]}
    )
    assert [step_of(rules, n) for n in (1, 2, 3)] == [0, 0, 1]
    assert step_number(rules, 1) == 3


def test_only_the_first_reminder_on_a_step_is_a_climb() -> None:
    due = T0
    climbs: list[tuple[int, bool]] = []
    state = ObligationState("task", "office", due)
    for minutes in range(-20, 241, 30):
        found = latest_passed(LADDER, state, due + minutes * M)
        if found is None:
            continue
        climbs.append((found.step, found.climbed))
        state = ObligationState("task", "office", due, ObStatus.OPEN, found.index + 1)
    assert [step for step, climbed in climbs if climbed] == [1, 2, 3]
    assert climbs[0] == (0, False)


def test_a_reminder_that_skips_rungs_after_downtime_climbs_to_the_highest() -> None:
    state = ObligationState("task", "office", T0, ObStatus.OPEN, sent=2)  # warning + due sent
    found = latest_passed(LADDER, state, T0 + 5 * timedelta(hours=1))
    assert found is not None and found.step == 3 and found.climbed


def test_the_old_pair_loads_as_a_one_step_ladder() -> None:
    plan = small_plan()  # escalate_after: 2, escalate_to: [leader]
    assert [(s.reminders, s.overdue, s.to) for s in plan.reminders.ladder()] == [
        (2, None, ["leader"])
    ]
    assert [reminder_at(plan.reminders, T0, i).escalate for i in range(2, 6)] == [
        False,
        False,
        True,
        True,
    ]


def test_the_old_pair_without_roles_escalates_to_nobody() -> None:
    text = SMALL_PLAN.replace("  escalate_to: [leader]\n", "")
    assert small_plan(text).reminders.ladder() == []


@pytest.mark.parametrize(
    ("ladder", "key"),
    [
        ("escalate: [{to: [leader]}]", "plan.bad_step"),
        ("escalate: [{reminders: 1, overdue: 1h, to: [leader]}]", "plan.bad_step"),
        ("escalate: [{reminders: 1, to: []}]", "plan.too_short"),
        ("escalate: [{reminders: 1, to: [nobody]}]", "plan.unknown_role"),
        (
            "escalate: [{reminders: 2, to: [leader]}, {overdue: 30m, to: [office]}]",
            "plan.ladder_order",
        ),
        ("escalate: [{reminders: 1, to: [leader]}]\n  escalate_to: [office]", "plan.two_ladders"),
    ],
)
def test_a_bad_ladder_is_refused_with_a_reason(ladder: str, key: str) -> None:
    text = SMALL_PLAN.replace("  escalate_after: 2\n  escalate_to: [leader]\n", f"  {ladder}\n")
    with pytest.raises(PlanError) as caught:
        parse_plan_text(text, "bad.yaml")
    assert key in {problem.key for problem in caught.value.problems}
