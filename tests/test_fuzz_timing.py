"""Any plan, any course of events: the clock's decisions stay sound.

Generated plans (ladders, 续报, holding replies included) meet random courses of events —
time passing, regrades, the calm, updates, tasks met — applied as the tick applies them. After
every step: a second look at the same moment has nothing to do, nothing is reminded that is not
owed, each ladder step is announced once, reports are numbered without gaps and fall due in
order, and a standby task is owed only once the task it waits on is late.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from plan_strategies import fuzz, plans
from support import T0

from bot.domain.lifecycle import State
from bot.domain.obligations import (
    ACTIVE_STATUSES,
    Anchors,
    ObligationState,
    ObStatus,
    schedule,
    spec_for,
)
from bot.domain.plan import Plan
from bot.domain.progress import report_met_by_update
from bot.domain.series import parse_instance
from bot.domain.timing import Snapshot, what_is_due

STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("wait"), st.integers(1, 3 * 86400)),
        st.tuples(st.just("regrade"), st.integers(0, 2)),
        st.tuples(st.just("calm"), st.just(0)),
        st.tuples(st.just("update"), st.just(0)),
        st.tuples(st.just("meet"), st.integers(0, 9)),
    ),
    max_size=14,
)


@dataclass
class Course:
    """One incident as the tick would keep it, with what was announced."""

    plan: Plan
    level: str
    now: Any = T0
    confirmed: Any = T0
    calmed: Any = None
    states: dict[str, ObligationState] = field(default_factory=dict)
    climbs: list[tuple[str, Any, int]] = field(default_factory=list)

    def anchors(self) -> Anchors:
        return Anchors(T0, self.calmed, self.confirmed)

    def snapshot(self) -> Snapshot:
        state = State.STABILISED if self.calmed else State.ACTIVE
        return Snapshot(
            state, self.level, T0, self.calmed, tuple(self.states.values()), 0, None, self.confirmed
        )

    def reschedule(self) -> None:
        result = schedule(self.plan, self.level, self.anchors(), tuple(self.states.values()))
        ids = [s.id for s in result.states]
        assert len(ids) == len(set(ids)), ids
        self.states = {s.id: s for s in result.states}

    def tick(self) -> None:
        due = what_is_due(self.snapshot(), self.plan, self.now)
        for state in due.opened:
            assert state.id not in self.states
            self.states[state.id] = state
        for reminder in due.reminders:
            state = self.states[reminder.obligation]
            assert state.status in ACTIVE_STATUSES and reminder.index >= state.sent
            if reminder.climbed:
                self.climbs.append((state.id, state.due_at, reminder.step))
            self.states[state.id] = replace(state, sent=reminder.index + 1)
        for task in due.owed:
            self._owe(task)
        for task in due.spared:
            self.states[task] = replace(self.states[task], status=ObStatus.SPARED)
        again = what_is_due(self.snapshot(), self.plan, self.now)
        assert not again.anything, again
        assert again.next_at is None or again.next_at > self.now

    def _owe(self, task: str) -> None:
        state = self.states[task]
        condition = spec_for(self.plan, state.level or self.level, task).if_overdue
        assert state.status is ObStatus.STANDBY and condition is not None
        other = self.states[condition]
        assert other.status is not ObStatus.MET and other.due_at is not None
        assert other.due_at <= self.now
        self.states[task] = replace(state, status=ObStatus.OPEN)

    def meet(self, task: str) -> None:
        self.states[task] = replace(self.states[task], status=ObStatus.MET, met_at=self.now)


def step(course: Course, kind: str, value: int) -> None:
    """Apply one event, as the service would."""
    if kind == "wait":
        course.now += timedelta(seconds=value)
    elif kind == "regrade":
        course.level = course.plan.level_ids[value % len(course.plan.levels)]
        course.reschedule()
    elif kind == "calm" and course.calmed is None:
        course.calmed = course.now
        course.reschedule()
    elif kind == "update":
        report = report_met_by_update(tuple(course.states.values()), course.now)
        if report is not None:
            course.meet(report)
    elif kind == "meet":
        owed = [s.id for s in course.states.values() if s.status in ACTIVE_STATUSES]
        if owed:
            course.meet(owed[value % len(owed)])


def check_reports(course: Course) -> None:
    """Each series' reports are numbered 1..n and fall due in order."""
    series: dict[str, list[tuple[int, Any]]] = {}
    for state in course.states.values():
        parsed = parse_instance(state.id)
        if parsed:
            series.setdefault(parsed[0], []).append((parsed[1], state.due_at))
    for found in series.values():
        found.sort()
        assert [number for number, _ in found] == list(range(1, len(found) + 1))
        dues = [due for _, due in found]
        assert dues == sorted(dues) and len(set(dues)) == len(dues)


@fuzz(60)
@given(plans(), STEPS)
def test_any_course_of_events_keeps_the_clock_sound(
    plan_data: dict[str, Any], steps: list[tuple[str, int]]
) -> None:
    plan = Plan.model_validate(plan_data)
    course = Course(plan, plan.level_ids[0])
    course.reschedule()
    course.tick()
    for kind, value in steps:
        step(course, kind, value)
        course.tick()
        check_reports(course)
    assert len(course.climbs) == len(set(course.climbs))  # each step of each deadline once
