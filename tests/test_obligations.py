from dataclasses import replace
from datetime import timedelta

import pytest
from support import T0, small_plan

from bot.domain.lifecycle import State
from bot.domain.obligations import (
    Anchors,
    ObligationState,
    ObStatus,
    ReminderKind,
    reminder_at,
    schedule,
)
from bot.domain.timing import Due, Snapshot, what_is_due

PLAN = small_plan()
M = timedelta(minutes=1)
H = timedelta(hours=1)


def states_by_id(states: tuple[ObligationState, ...]) -> dict[str, ObligationState]:
    return {state.id: state for state in states}


def test_schedule_computes_due_times_from_the_report() -> None:
    result = schedule(PLAN, "high", Anchors(T0))
    states = states_by_id(result.states)
    assert states["report"].due_at == T0 + H
    assert states["release"].due_at == T0 + 2 * H
    assert states["review"].status is ObStatus.WAITING and states["review"].due_at is None
    assert result.added == ("report", "release", "review")


@pytest.mark.parametrize(
    ("index", "kind", "offset", "number", "escalate"),
    [
        (0, ReminderKind.WARNING, -20 * M, 0, False),  # before: [20m, 10m]
        (1, ReminderKind.WARNING, -10 * M, 0, False),
        (2, ReminderKind.DUE, 0 * M, 1, False),
        (3, ReminderKind.OVERDUE, 15 * M, 2, False),  # overdue_every: 15m
        (4, ReminderKind.OVERDUE, 30 * M, 3, True),  # escalate_after: 2
        (10, ReminderKind.OVERDUE, 120 * M, 9, True),
    ],
)
def test_reminder_points(
    index: int, kind: ReminderKind, offset: timedelta, number: int, escalate: bool
) -> None:
    point = reminder_at(PLAN.reminders, T0, index)
    assert (point.kind, point.at - T0, point.number, point.escalate) == (
        kind,
        offset,
        number,
        escalate,
    )


def run_clock(
    snapshot: Snapshot, until: timedelta, step: timedelta = M
) -> list[tuple[timedelta, str, str, int, bool]]:
    """Tick like the service does: send what is due, record it, repeat."""
    sent: list[tuple[timedelta, str, str, int, bool]] = []
    now = snapshot.reported_at
    while now <= snapshot.reported_at + until:
        due = what_is_due(snapshot, PLAN, now)
        counts = {r.obligation: r.index + 1 for r in due.reminders}
        for r in due.reminders:
            sent.append((now - T0, r.obligation, r.kind.value, r.number, r.escalate))
        snapshot = replace(
            snapshot,
            obligations=tuple(
                replace(s, sent=counts.get(s.id, s.sent)) for s in snapshot.obligations
            ),
        )
        now += step
    return sent


def active(level: str, **changes: object) -> Snapshot:
    states = schedule(PLAN, level, Anchors(T0)).states
    snapshot = Snapshot(State.ACTIVE, level, T0, None, states)
    return replace(snapshot, **changes)  # type: ignore[arg-type]


def test_reminder_sequence_with_warnings_overdue_and_escalation() -> None:
    sent = run_clock(active("high"), until=2 * H + 20 * M)
    report = [entry for entry in sent if entry[1] == "report"]
    assert report == [
        (40 * M, "report", "warning", 0, False),
        (50 * M, "report", "warning", 0, False),
        (60 * M, "report", "due", 1, False),
        (75 * M, "report", "overdue", 2, False),
        (90 * M, "report", "overdue", 3, True),
        (105 * M, "report", "overdue", 4, True),
        (120 * M, "report", "overdue", 5, True),
        (135 * M, "report", "overdue", 6, True),
    ]
    release = [entry[0] for entry in sent if entry[1] == "release"]
    assert release == [100 * M, 110 * M, 120 * M, 135 * M]


def test_catch_up_sends_only_the_latest_missed_reminder_once() -> None:
    snapshot = active("high")
    due = what_is_due(snapshot, PLAN, T0 + 80 * M)  # bot was down from T0 to +80m
    report = [r for r in due.reminders if r.obligation == "report"]
    assert [(r.kind, r.number, r.index) for r in report] == [(ReminderKind.OVERDUE, 2, 3)]
    assert due.next_at == T0 + 90 * M


def test_met_obligations_are_silent() -> None:
    snapshot = active("high")
    met = tuple(
        replace(s, status=ObStatus.MET, met_at=T0 + M) if s.id == "report" else s
        for s in snapshot.obligations
    )
    sent = run_clock(replace(snapshot, obligations=met), until=3 * H)
    assert {entry[1] for entry in sent} == {"release"}


def test_submitted_content_reminds_as_awaiting_approval() -> None:
    snapshot = active("high")
    submitted = tuple(
        replace(s, status=ObStatus.SUBMITTED) if s.id == "release" else s
        for s in snapshot.obligations
    )
    due = what_is_due(replace(snapshot, obligations=submitted), PLAN, T0 + 2 * H)
    release = next(r for r in due.reminders if r.obligation == "release")
    assert release.awaiting_approval and release.kind is ReminderKind.DUE


@pytest.mark.parametrize("state", [State.CLOSED, State.CANCELLED, State.ABANDONED])
def test_final_incidents_send_nothing(state: State) -> None:
    snapshot = active("high", state=state)
    due = what_is_due(snapshot, PLAN, T0 + 10 * H)
    assert due == Due()


@pytest.mark.parametrize(
    ("minutes", "abandon", "next_at"),
    [(0, False, 30), (29, False, 30), (30, True, None), (500, True, None)],
)
def test_unfinished_report_is_abandoned_after_the_timeout(
    minutes: int, abandon: bool, next_at: int | None
) -> None:
    snapshot = Snapshot(State.REPORTED, None, T0, None)
    due = what_is_due(snapshot, PLAN, T0 + minutes * M)
    assert due.abandon is abandon
    assert due.next_at == (None if next_at is None else T0 + next_at * M)


def test_graded_incident_already_runs_its_clock() -> None:
    due = what_is_due(active("high", state=State.GRADED), PLAN, T0 + 45 * M)
    assert [r.obligation for r in due.reminders] == ["report"]


def test_regrade_down_drops_open_obligations_and_adds_new_ones() -> None:
    before = schedule(PLAN, "high", Anchors(T0)).states
    result = schedule(PLAN, "mid", Anchors(T0), before)
    states = states_by_id(result.states)
    assert result.added == ("reply", "verify")
    assert result.dropped == ("report", "release")
    assert states["report"].status is ObStatus.DROPPED
    assert states["reply"].due_at == T0 + H and states["verify"].due_at == T0 + 30 * M


def test_regrade_keeps_met_obligations_met_and_moves_open_ones() -> None:
    low = schedule(PLAN, "low", Anchors(T0)).states
    # reply (2h at low) was answered; regrade to mid where reply is due in 1h
    met_reply = tuple(
        replace(s, status=ObStatus.MET, met_at=T0 + 90 * M, sent=3) if s.id == "reply" else s
        for s in low
    )
    result = schedule(PLAN, "mid", Anchors(T0), met_reply)
    states = states_by_id(result.states)
    assert states["reply"].status is ObStatus.MET and states["reply"].due_at == T0 + 2 * H
    assert result.changed == ()
    # the same regrade with reply still open: its deadline moves, its reminders restart
    open_reply = tuple(replace(s, sent=2) if s.id == "reply" else s for s in low)
    result = schedule(PLAN, "mid", Anchors(T0), open_reply)
    moved = states_by_id(result.states)["reply"]
    assert (moved.due_at, moved.sent) == (T0 + H, 0)
    assert [(c.id, c.old_due, c.new_due) for c in result.changed] == [("reply", T0 + 2 * H, T0 + H)]


def test_regrade_back_up_revives_a_dropped_obligation_once() -> None:
    high = schedule(PLAN, "high", Anchors(T0)).states
    mid = schedule(PLAN, "mid", Anchors(T0), high).states
    again = schedule(PLAN, "high", Anchors(T0), mid)
    ids = [s.id for s in again.states]
    assert sorted(ids) == sorted(set(ids))
    assert states_by_id(again.states)["report"].status is ObStatus.OPEN
    assert "report" in again.added


def test_stabilising_starts_the_review_clock() -> None:
    stabilised_at = T0 + 5 * H
    high = schedule(PLAN, "high", Anchors(T0)).states
    result = schedule(PLAN, "high", Anchors(T0, stabilised_at), high)
    review = states_by_id(result.states)["review"]
    assert review.status is ObStatus.OPEN
    assert review.due_at == stabilised_at + timedelta(days=3)
    assert [c.id for c in result.changed] == ["review"]
