"""One incident that cannot be ticked, or a plan edited under open incidents, stops nothing."""

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from support import PLAN_TEXT, T0, small_plan
from test_service import BOSS, CLERK, H, M, report_high
from walk_support import drawn as pending_texts

import bot.service.ticking as ticking
from bot.domain.fitting import Fitted
from bot.domain.incident import Incident
from bot.domain.obligations import ObStatus
from bot.domain.plan import Plan
from bot.domain.timing import Due, Snapshot, what_is_due
from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.store import SqliteStore

OTHER = PLAN_TEXT.replace("id: small", "id: other", 1).replace("-100500", "-100501")
TASK_RENAMED = PLAN_TEXT.replace("{id: report, text: 上报", "{id: report_up, text: 上报")


async def confirmed(db: Path) -> int:
    """A 重大 incident of the small plan, confirmed and announced, in the database ``db``."""
    async with await SqliteStore.open(db) as store:
        first = IncidentService(store, PlanBook([small_plan(PLAN_TEXT)]), ManualClock(T0))
        incident_id = await report_high(first)
        await first.confirm(incident_id, BOSS)
        await pending_texts(first)
    return incident_id


PLANS = PlanBook([small_plan(PLAN_TEXT), small_plan(OTHER)])


async def two_groups(service: IncidentService) -> int:
    """A confirmed 重大 incident in each of two groups; the first one's id."""
    first = await report_high(service)
    await service.confirm(first, BOSS)
    other = await report_high(service, chat="telegram:-100501")
    await service.confirm(other, BOSS)
    return first


async def test_a_failing_incident_is_set_aside_once_and_the_others_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with await SqliteStore.open(tmp_path / "y.db") as store:
        clock = ManualClock(T0)
        service = IncidentService(store, PLANS, clock)
        broken = await two_groups(service)
        calls = []

        def failing(snapshot: Snapshot, plan: Plan, now: object) -> Due:
            calls.append(plan.id)
            if snapshot.reported_at == T0 and plan.id == "small":
                raise RuntimeError("injected")
            return what_is_due(snapshot, plan, now)  # type: ignore[arg-type]

        monkeypatch.setattr(ticking, "what_is_due", failing)
        await pending_texts(service)
        with caplog.at_level(logging.WARNING):
            for _ in range(12):  # two hours of ticks: the other incident is reminded all along
                clock.advance(10 * M)
                await service.tick()
        texts = await pending_texts(service)
        assert any("#2「上报」已逾期" in text for text in texts)
        assert not any(text.startswith("⏰ #1") or "#1「" in text for text in texts)
        failed = [r for r in caplog.records if "set aside" in r.getMessage()]
        assert len(failed) == 1 and "#1" in failed[0].getMessage()
        assert calls.count("small") < 5  # set aside, not retried on every tick
        await service.done(broken, CLERK, "report")  # a change wakes it again: tried once more
        clock.advance(M)
        await service.tick()
        assert len([r for r in caplog.records if "set aside" in r.getMessage()]) == 1


async def test_a_task_renamed_under_an_open_incident_across_restarts(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    incident_id = await confirmed(db)
    told = []
    for restart in range(2):  # the edited plan, started twice: the group is told once
        async with await SqliteStore.open(db) as store:
            clock = ManualClock(T0 + (70 + restart * 20) * M)
            edited = IncidentService(store, PlanBook([small_plan(TASK_RENAMED)]), clock)
            await edited.tick()
            texts = await pending_texts(edited)
            told += [text for text in texts if "预案已修改" in text]
            assert any(text.startswith(("⏰ #1「上报」", "❗ #1「上报」")) for text in texts)
    assert told == [
        "#1：预案已修改（现行预案：测试预案）。本事件涉及的任务“上报”在现行预案中已不存在，"
        "仍按原名称显示和提醒；如需按现行预案执行，请领导调整等级。\n@组长"
    ]
    async with await SqliteStore.open(db) as store:
        edited = IncidentService(
            store, PlanBook([small_plan(TASK_RENAMED)]), ManualClock(T0 + 2 * H)
        )
        done = await edited.done(incident_id, CLERK, "report")
        assert done.obligation("report").status is ObStatus.MET
        moved = await edited.regrade(incident_id, BOSS, "mid")
        assert moved.obligation("report").status is ObStatus.MET
        texts = await pending_texts(edited)
        card_text = next(text for text in texts if "待办事项" in text)
        assert "1. 上报（办公室） 已于" in card_text and "report" not in card_text
        assert "· 通稿：新等级不再要求" in texts[-1]


async def test_a_removed_plan_stops_its_reminders_without_spinning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "y.db"
    incident_id = await confirmed(db)
    async with await SqliteStore.open(db) as store:
        clock = ManualClock(T0 + 70 * M)
        alone = IncidentService(store, PlanBook([small_plan(OTHER)]), clock)
        with caplog.at_level(logging.WARNING):
            next_at = await alone.tick()
            for _ in range(5):
                assert await alone.tick() == next_at  # nothing falls due: no hot loop
        assert next_at is None
        texts = await pending_texts(alone)
        assert len(texts) == 1 and "不再发送提醒" in texts[0]
        gone = [r for r in caplog.records if "no more reminders" in r.getMessage()]
        assert len(gone) == 1
        incident = await store.get_incident(incident_id)
        assert incident is not None
        plan = await alone.plan_for(incident)  # /status and /export still have its words
        assert plan.id == "small" and plan.level("high").name.get("zh_CN") == "重大"
        clock.advance(timedelta(days=1))
        await alone.tick()
        assert await pending_texts(alone) == []


async def test_a_plan_that_cannot_be_fitted_to_one_incident_stops_only_that_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with await SqliteStore.open(tmp_path / "y.db") as store:
        clock = ManualClock(T0)
        service = IncidentService(store, PLANS, clock)
        broken = await two_groups(service)
        await pending_texts(service)
        real = service.resolver.fitted

        async def failing(incident: Incident) -> Fitted:
            if incident.id == broken:
                raise RuntimeError("injected into fitting")
            return await real(incident)

        monkeypatch.setattr(service.resolver, "fitted", failing)
        restarted = IncidentService(store, PLANS, clock)  # a first look at every incident
        monkeypatch.setattr(restarted.resolver, "fitted", failing)
        clock.advance(70 * M)
        with caplog.at_level(logging.WARNING):
            await restarted.tick()
            await restarted.tick()
        texts = await pending_texts(service)
        assert any(text.startswith(("⏰ #2「上报」", "❗ #2「上报」")) for text in texts)
        assert not any("#1「" in text for text in texts)
        aside = [r for r in caplog.records if "set aside" in r.getMessage()]
        assert len(aside) == 1 and "injected into fitting" in aside[0].getMessage()
