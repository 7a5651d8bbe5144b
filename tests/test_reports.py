"""Progress reports (续报) as tasks: opened per period, reminded, met by an update, or missed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from support import SMALL_PLAN, T0, small_plan

from bot.domain.lifecycle import State
from bot.domain.obligations import Anchors, ObligationState, ObStatus, schedule, spec_for
from bot.domain.progress import open_reports, report_met_by_update, superseded
from bot.domain.series import parse_instance, series_of
from bot.domain.timing import Snapshot, what_is_due

H = timedelta(hours=1)
M = timedelta(minutes=1)
CONFIRMED = T0 + 10 * M
PLAN = small_plan(
    SMALL_PLAN.replace(
        "      - {id: release, text: 通稿, owner: office, within: 2h, approval: [leader]}\n",
        "      - {id: release, text: 通稿, owner: office, within: 2h, approval: [leader]}\n"
        "    progress: {every: 2h, owner: office}\n",
    )
)


def reports(states: tuple[ObligationState, ...] | list[ObligationState]) -> list[tuple[str, int]]:
    """(task id, hours from confirmation to its deadline) of each report."""
    return [(s.id, int((s.due_at - CONFIRMED) / H)) for s in states if s.due_at is not None]


@pytest.mark.parametrize(
    ("hours", "expected", "next_in"),
    [
        (0, [("progress-1", 2)], 2),  # at confirmation: the first report's period starts
        (1.9, [("progress-1", 2)], 2),
        (2, [("progress-1", 2), ("progress-2", 4)], 4),
        (7, [("progress-1", 2), ("progress-2", 4), ("progress-3", 6), ("progress-4", 8)], 8),
    ],
)
def test_each_report_opens_when_its_period_starts(
    hours: float, expected: list[tuple[str, int]], next_in: int
) -> None:
    anchors = Anchors(T0, None, CONFIRMED)
    opening = open_reports(PLAN, "high", anchors, (), CONFIRMED + hours * H)
    assert reports(opening.opened) == expected
    assert opening.next_at == CONFIRMED + next_in * H


def test_reports_already_open_are_not_opened_again() -> None:
    anchors = Anchors(T0, None, CONFIRMED)
    first = open_reports(PLAN, "high", anchors, (), CONFIRMED + H).opened
    again = open_reports(PLAN, "high", anchors, first, CONFIRMED + H)
    assert again.opened == () and again.next_at == CONFIRMED + 2 * H


def test_no_report_before_confirmation_or_at_a_level_without_progress() -> None:
    assert open_reports(PLAN, "high", Anchors(T0), (), T0 + 9 * H).opened == ()
    assert open_reports(PLAN, "mid", Anchors(T0, None, CONFIRMED), (), T0 + 9 * H).opened == ()


def test_reports_during_handling_stop_when_it_calms_and_follow_ups_start() -> None:
    calmed = CONFIRMED + 3 * H
    anchors = Anchors(T0, calmed, CONFIRMED)
    opened = open_reports(PLAN, "high", anchors, (), calmed + 9 * H).opened
    handling = [s.id for s in opened if s.id.startswith("progress")]
    after = [(s.id, s.due_at) for s in opened if s.id.startswith("followup")]
    assert handling == ["progress-1", "progress-2"]  # the period of a third starts after the calm
    # follow_up: every 4h for 12h after calming: three, the last due at calm + 12 h
    assert after == [
        ("followup-1", calmed + 4 * H),
        ("followup-2", calmed + 8 * H),
        ("followup-3", calmed + 12 * H),
    ]


def test_a_report_not_yet_due_when_it_calms_is_dropped_and_an_overdue_one_stays_owed() -> None:
    anchors = Anchors(T0, None, CONFIRMED)
    opened = open_reports(PLAN, "high", anchors, (), CONFIRMED + 3 * H).opened  # 1 overdue, 2 open
    tasks = schedule(PLAN, "high", anchors).states
    calmed = schedule(PLAN, "high", Anchors(T0, CONFIRMED + 3 * H, CONFIRMED), (*tasks, *opened))
    status = {s.id: s.status for s in calmed.states}
    assert status["progress-1"] is ObStatus.OPEN and status["progress-2"] is ObStatus.DROPPED
    assert "progress-2" in calmed.dropped


@pytest.mark.parametrize(
    ("level", "kept"),
    [("high", ObStatus.OPEN), ("mid", ObStatus.DROPPED), ("low", ObStatus.DROPPED)],
)
def test_a_regrade_keeps_reports_only_where_the_level_owes_them(level: str, kept: ObStatus) -> None:
    anchors = Anchors(T0, None, CONFIRMED)
    opened = open_reports(PLAN, "high", anchors, (), CONFIRMED + H).opened
    met = replace(opened[0], status=ObStatus.MET, met_at=CONFIRMED + H)
    tasks = schedule(PLAN, "high", anchors).states
    after = {s.id: s for s in schedule(PLAN, level, anchors, (*tasks, met)).states}
    assert after["progress-1"].status is ObStatus.MET  # met reports stay met at every level
    open_one = {s.id: s for s in schedule(PLAN, level, anchors, (*tasks, *opened)).states}
    assert open_one["progress-1"].status is kept


def test_a_report_is_a_task_with_its_number_owner_and_words() -> None:
    spec = spec_for(PLAN, "high", "progress-3")
    assert spec.owner == "office"
    assert spec.text.get("zh_CN") == "报送处置进展（续报）（第3次）"
    assert spec.text.get("en") == "Progress report #3"
    assert parse_instance("progress-3") == ("progress", 3)
    assert parse_instance("progress") is None and parse_instance("progress-0") is None
    assert [s.id for s in series_of(PLAN, "high")] == ["progress", "followup"]


def test_a_missed_report_falls_silent_when_the_next_one_falls_due() -> None:
    anchors = Anchors(T0, None, CONFIRMED)
    opened = open_reports(PLAN, "high", anchors, (), CONFIRMED + 2 * H).opened
    assert superseded(opened, CONFIRMED + 3 * H) == set()
    assert superseded(opened, CONFIRMED + 4 * H) == {"progress-1"}


def ticking(hours: float, opened: tuple[ObligationState, ...]) -> list[str]:
    tasks = tuple(
        replace(s, status=ObStatus.MET) for s in schedule(PLAN, "high", Anchors(T0)).states
    )
    snapshot = Snapshot(State.ACTIVE, "high", T0, None, (*tasks, *opened), confirmed_at=CONFIRMED)
    return [r.obligation for r in what_is_due(snapshot, PLAN, CONFIRMED + hours * H).reminders]


def test_reports_are_reminded_like_tasks_until_missed() -> None:
    anchors = Anchors(T0, None, CONFIRMED)
    opened = open_reports(PLAN, "high", anchors, (), CONFIRMED + 2 * H).opened
    assert ticking(2, opened) == ["progress-1"]  # at its deadline
    assert ticking(3.9, opened) == ["progress-1", "progress-2"]  # overdue; the next one's warning
    assert ticking(4, opened) == ["progress-2"]  # progress-1 is missed: only the current one


@pytest.mark.parametrize(
    ("hours", "met", "expected"),
    [
        (1, [], "progress-1"),  # within the first period
        (3, [], "progress-2"),  # the current period's report, even with the first one owed
        (3, ["progress-2"], "progress-1"),  # the current one filed: the overdue one, late
        (5, ["progress-2", "progress-3"], "progress-1"),
        (5, ["progress-1", "progress-2", "progress-3"], None),
    ],
)
def test_an_update_meets_the_current_report_else_the_latest_overdue(
    hours: float, met: list[str], expected: str | None
) -> None:
    anchors = Anchors(T0, None, CONFIRMED)
    opened = open_reports(PLAN, "high", anchors, (), CONFIRMED + hours * H).opened
    states = [replace(s, status=ObStatus.MET) if s.id in met else s for s in opened]
    assert report_met_by_update(states, CONFIRMED + hours * H) == expected


def test_follow_up_prompts_sent_before_reports_were_tasks_are_not_owed_again() -> None:
    calmed = T0 + H
    opened = open_reports(PLAN, "low", Anchors(T0, calmed, T0), (), calmed + 9 * H, prompted=2)
    assert [s.id for s in opened.opened] == ["followup-3"]
    assert opened.opened[0].due_at == calmed + 12 * H
