"""The incident flow through the service, on a real SQLite file with a manual clock."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from support import CHAT, PLAN_TEXT, T0, small_plan, tg_actor

from bot.domain.access import NotAllowed
from bot.domain.errors import IllegalTransition
from bot.domain.lifecycle import State
from bot.domain.obligations import ObStatus
from bot.service.buttons import StaleButton
from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.service.reporting import NotMonitor, NotReporter
from bot.service.work import NeedsApproval, NothingSubmitted, NotYetOwed
from bot.store import SqliteStore

BOSS, CLERK, EYE, STRANGER = (
    tg_actor(1, None, "组长"),
    tg_actor(2, "clerk"),
    tg_actor(3),
    tg_actor(99),
)
M, H = timedelta(minutes=1), timedelta(hours=1)


async def drain(service: IncidentService) -> list[tuple[str, dict[str, Any]]]:
    """Take the owed messages as a transport would, marking them sent."""
    items = await service.store.pending()
    async with service.store.transaction() as tx:
        for item in items:
            await tx.mark_sent(item.id, service.clock.now())
    return [(item.kind, item.payload) for item in items]


def advance(service: IncidentService, by: timedelta) -> None:
    clock = service.clock
    assert isinstance(clock, ManualClock)
    clock.advance(by)


async def report_high(service: IncidentService, chat: str = CHAT) -> int:
    incident = await service.open_report(chat, EYE, "  某网帖称……  ")
    for index, option in enumerate(["high", "yes", "no"]):
        await service.answer(incident.id, EYE, index, option)
    return incident.id


async def test_report_questions_and_card(service: IncidentService) -> None:
    with pytest.raises(NotMonitor):
        await service.open_report(CHAT, STRANGER, "帖子")
    incident = await service.open_report(CHAT, EYE, "  某网帖称……  ")
    assert (incident.number, incident.description, incident.state) == (
        1,
        "某网帖称……",
        State.REPORTED,
    )
    assert await drain(service) == [("question", {"index": 0, "reporter": "telegram:3"})]
    with pytest.raises(NotReporter):
        await service.answer(incident.id, BOSS, 0, "high")
    with pytest.raises(StaleButton):
        await service.answer(incident.id, EYE, 1, "yes")  # not the question being asked
    with pytest.raises(StaleButton):
        await service.answer(incident.id, EYE, 0, "huge")
    await service.answer(incident.id, EYE, 0, "high")
    assert [kind for kind, _ in await drain(service)] == ["answered", "question"]
    await service.answer(incident.id, EYE, 1, "yes")
    graded = await service.answer(incident.id, EYE, 2, "no")
    assert (graded.state, graded.level_id) == (State.GRADED, "high")
    assert {s.id: s.due_at for s in graded.obligations} == {
        "report": T0 + H,
        "release": T0 + 2 * H,
        "review": None,
    }
    sent = await drain(service)
    assert sent[-1] == ("card", {"announce": True, "mentions": ["boss", "clerk"]})
    events = [event.kind for event in await service.store.timeline(incident.id)]
    assert events == ["reported", "answered", "answered", "answered", "graded"]


async def test_only_approvers_decide_and_one_decision_wins(service: IncidentService) -> None:
    incident_id = await report_high(service)
    with pytest.raises(NotAllowed) as refused:
        await service.confirm(incident_id, CLERK)
    assert refused.value.params["role_ids"] == ["leader"]
    assert (await service.store.get_incident(incident_id)).state is State.GRADED  # type: ignore[union-attr]
    confirmed = await service.confirm(incident_id, BOSS)
    assert confirmed.state is State.ACTIVE and confirmed.confirmed_at == T0
    with pytest.raises(IllegalTransition):
        await service.confirm(incident_id, BOSS)  # the second press is told, nothing changes
    approvals = await service.store.approvals(incident_id)
    assert [(a.kind, a.actor) for a in approvals] == [("confirm", "telegram:1")]


async def test_reminders_escalate_and_are_sent_once(service: IncidentService) -> None:
    incident_id = await report_high(service)
    await service.confirm(incident_id, BOSS)
    await drain(service)
    advance(service, 40 * M)
    assert await service.tick() == T0 + 50 * M
    assert await service.tick() == T0 + 50 * M  # a second tick at the same time sends nothing
    sent = await drain(service)
    assert [(p["obligation"], p["reminder"], p["mentions"]) for _, p in sent] == [
        ("report", "warning", ["clerk"])
    ]
    advance(service, 50 * M)  # +90m: the bot "missed" +50 and +60 and +75
    await service.tick()
    sent = await drain(service)
    assert [(p["obligation"], p["reminder"], p["number"], p["mentions"]) for _, p in sent] == [
        ("report", "overdue", 3, ["clerk", "boss"]),  # escalated after 2 reminders
    ]


async def test_done_draft_approval_stabilise_follow_up_review_close(
    service: IncidentService,
) -> None:
    incident_id = await report_high(service)
    await service.confirm(incident_id, BOSS)
    with pytest.raises(NotAllowed):
        await service.done(incident_id, STRANGER, "report")
    met = await service.done(incident_id, CLERK, "report")
    assert met.obligation("report").status is ObStatus.MET
    with pytest.raises(NeedsApproval):
        await service.done(incident_id, CLERK, "release")
    with pytest.raises(NothingSubmitted):
        await service.decide_content(incident_id, BOSS, "release", approve=True)
    await service.submit(incident_id, CLERK, "release", "通稿第一稿")
    with pytest.raises(NotAllowed):
        await service.decide_content(incident_id, CLERK, "release", approve=True)
    rejected = await service.decide_content(incident_id, BOSS, "release", approve=False)
    assert rejected.obligation("release").status is ObStatus.OPEN
    await service.submit(incident_id, CLERK, "release", "通稿第二稿")
    assert await service.store.obligation_content(incident_id, "release") == "通稿第二稿"
    approved = await service.decide_content(incident_id, BOSS, "release", approve=True)
    assert approved.obligation("release").status is ObStatus.MET
    await drain(service)

    advance(service, H)
    stable = await service.stabilise(incident_id, BOSS)
    assert stable.obligation("review").due_at == T0 + H + timedelta(days=3)
    await service.tick()  # the first progress report's period starts with the calm
    assert stable.state is State.STABILISED
    advance(service, 4 * H)
    await service.tick()
    reminders = [p for k, p in await drain(service) if k == "reminder"]
    assert [(p["obligation"], p["reminder"], p["mentions"]) for p in reminders][-1] == (
        "followup-1",
        "due",
        ["clerk"],
    )
    filed = await service.update(incident_id, CLERK, "舆情已平稳")  # files report 1, on time
    assert filed.obligation("followup-1").met_at == T0 + 5 * H
    advance(service, 3 * H)
    await service.tick()
    filed = await service.update(incident_id, CLERK, "无新情况")  # report 2, an hour early
    assert filed.obligation("followup-2").status is ObStatus.MET
    advance(service, H)
    await service.tick()  # report 3's period starts; report 2 is met, so nothing reminds
    assert [k for k, _ in await drain(service) if k == "reminder"] == []

    await service.submit(incident_id, CLERK, "review", "总结评估报告全文")
    closed = await service.decide_content(incident_id, BOSS, "review", approve=True)
    assert closed.state is State.CLOSED and closed.closed_at == T0 + 9 * H
    advance(service, 10 * 24 * H)
    assert await service.tick() is None
    assert [k for k, _ in await drain(service) if k in ("reminder", "follow_up")] == []


async def test_regrade_keeps_met_obligations_and_tags_the_new_level(
    service: IncidentService,
) -> None:
    incident_id = await report_high(service)
    await service.confirm(incident_id, BOSS)
    await service.done(incident_id, CLERK, "report")
    await drain(service)
    regraded = await service.regrade(incident_id, BOSS, "mid")
    states = {s.id: s.status for s in regraded.obligations}
    assert states == {
        "report": ObStatus.MET,
        "release": ObStatus.DROPPED,
        "review": ObStatus.WAITING,
        "reply": ObStatus.OPEN,
        "verify": ObStatus.OPEN,
    }
    notices = [p for k, p in await drain(service) if k == "notice"]
    assert notices[0]["key"] == "notice.regraded"
    assert notices[0]["mentions"] == ["clerk"]
    assert notices[0]["params"]["added"] == ["reply", "verify"]


async def test_the_review_is_refused_until_the_incident_calms_down(
    service: IncidentService,
) -> None:
    incident_id = await report_high(service)
    await service.confirm(incident_id, BOSS)
    with pytest.raises(NotYetOwed) as refused:
        await service.submit(incident_id, CLERK, "review", "总结")
    assert refused.value.params == {"obligation": "review", "number": 1}
    await service.stabilise(incident_id, BOSS)
    submitted = await service.submit(incident_id, CLERK, "review", "总结")
    assert submitted.obligation("review").status is ObStatus.SUBMITTED


async def test_cancel_stops_everything(service: IncidentService) -> None:
    incident_id = await report_high(service)
    cancelled = await service.cancel(incident_id, BOSS)
    assert cancelled.state is State.CANCELLED
    advance(service, 5 * H)
    assert await service.tick() is None


async def test_an_unfinished_report_is_abandoned_once(service: IncidentService) -> None:
    incident = await service.open_report(CHAT, EYE, "帖子")
    await service.answer(incident.id, EYE, 0, "low")
    assert await service.tick() == T0 + 30 * M
    advance(service, 30 * M)
    await service.tick()
    await service.tick()
    loaded = await service.store.get_incident(incident.id)
    assert loaded is not None and loaded.state is State.ABANDONED
    notices = [p["key"] for k, p in await drain(service) if k == "notice"]
    assert notices == ["notice.abandoned"]


async def test_a_restarted_service_catches_up_once(tmp_path: Path) -> None:
    plans = PlanBook([small_plan(PLAN_TEXT)])
    async with await SqliteStore.open(tmp_path / "y.db") as store:
        first = IncidentService(store, plans, ManualClock(T0))
        incident_id = await report_high(first)
        await first.confirm(incident_id, BOSS)
    for _ in range(2):  # two restarts at +80m: the overdue reminder goes out once
        async with await SqliteStore.open(tmp_path / "y.db") as store:
            again = IncidentService(store, plans, ManualClock(T0 + 80 * M))
            await again.tick()
    async with await SqliteStore.open(tmp_path / "y.db") as store:
        reminders = [i.payload for i in await store.pending() if i.kind == "reminder"]
    assert [(p["obligation"], p["number"]) for p in reminders] == [("report", 2)]
