"""The clock's work per tick is bounded, however many incidents are open: counted in incidents
read from the real store, not timed."""

import logging
from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from support import PLAN_TEXT, T0, small_plan
from test_service import BOSS, M, report_high
from test_tick_isolation import TASK_RENAMED
from walk_support import drawn

from bot.domain.incident import Incident
from bot.domain.lifecycle import State
from bot.service import ticking
from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.store import SqliteStore

PAGE, BATCH, COUNT = 4, 3, 14


class CountingStore(SqliteStore):
    """The SQLite store, counting the incidents each clock read returns."""

    reads: dict[str, int]

    def count(self, name: str, found: list[Incident]) -> list[Incident]:
        """Add ``found`` to the count of ``name``."""
        self.reads[name] = self.reads.get(name, 0) + len(found)
        return found

    async def wakeups_due(self, now: datetime, **kw: Any) -> list[Incident]:
        return self.count("due", await super().wakeups_due(now, **kw))

    async def incidents_after(self, incident_id: int, **kw: Any) -> list[Incident]:
        return self.count("walk", await super().incidents_after(incident_id, **kw))

    async def list_incidents(
        self, *, states: Collection[State] | None = None, **kw: Any
    ) -> list[Incident]:
        return self.count("listed", await super().list_incidents(states=states, **kw))


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ticking, "PAGE", PAGE)
    monkeypatch.setattr(ticking, "BATCH", BATCH)


async def counted(path: Path) -> CountingStore:
    store = await CountingStore.open(path)
    assert isinstance(store, CountingStore)
    store.reads = {}
    return store


async def settle(service: IncidentService, store: CountingStore) -> list[dict[str, int]]:
    """Tick until a tick books a later time; the incidents each tick read."""
    per_tick = []
    while True:
        store.reads = {}
        next_at = await service.tick("telegram")
        per_tick.append(dict(store.reads))
        if next_at != service.clock.now():
            return per_tick
        assert len(per_tick) < 100, per_tick


async def drain(service: IncidentService) -> list[str]:
    """Every owed message drawn and marked sent (``drawn`` takes a hundred at a time)."""
    texts: list[str] = []
    while batch := await drawn(service):
        texts += batch
    return texts


async def opened(path: Path, plan: str = PLAN_TEXT) -> None:
    """``COUNT`` confirmed 重大 incidents, their wake-ups worked out and messages sent."""
    store = await counted(path)
    service = IncidentService(store, PlanBook([small_plan(plan)]), ManualClock(T0))
    for _ in range(COUNT):
        await service.confirm(await report_high(service), BOSS)
    await settle(service, store)
    await drain(service)
    await store.close()


async def test_a_start_looks_at_a_page_per_tick_and_each_incident_once(tmp_path: Path) -> None:
    await opened(tmp_path / "y.db")
    store = await counted(tmp_path / "y.db")
    restarted = IncidentService(store, PlanBook([small_plan(PLAN_TEXT)]), ManualClock(T0 + M))
    per_tick = await settle(restarted, store)
    assert all(t.get("walk", 0) <= PAGE and t.get("due", 0) <= BATCH for t in per_tick)
    assert sum(t.get("walk", 0) for t in per_tick) == COUNT  # every live incident, once
    assert not any(t.get("listed") for t in per_tick)  # never all at once
    assert len(per_tick) == COUNT // PAGE + 1
    store.reads = {}
    await restarted.tick("telegram")  # the look is done: nothing read but what is due
    assert store.reads == {"due": 0}
    await store.close()


async def test_a_burst_is_read_once_not_again_per_batch(tmp_path: Path) -> None:
    await opened(tmp_path / "y.db")
    store = await counted(tmp_path / "y.db")
    clock = ManualClock(T0)
    service = IncidentService(store, PlanBook([small_plan(PLAN_TEXT)]), clock)
    await settle(service, store)
    clock.advance(70 * M)  # every incident's report falls overdue at once
    per_tick = await settle(service, store)
    assert all(t.get("due", 0) <= BATCH for t in per_tick)
    assert sum(t.get("due", 0) for t in per_tick) == COUNT  # each once, not once per batch
    texts = await drain(service)
    reminded = {text.split("「")[0] for text in texts if text.startswith(("⏰ #", "❗ #"))}
    assert len(reminded) == COUNT  # every incident reminded
    await store.close()


async def test_an_edited_plan_is_told_once_per_incident_while_the_look_pages(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await opened(tmp_path / "y.db")
    told: list[str] = []
    for restart in range(2):  # due ones are looked at ahead of the walk, the rest by it
        store = await counted(tmp_path / "y.db")
        clock = ManualClock(T0 + (70 + restart * 20) * M)
        edited = IncidentService(store, PlanBook([small_plan(TASK_RENAMED)]), clock)
        with caplog.at_level(logging.WARNING):
            per_tick = await settle(edited, store)
        assert all(t.get("walk", 0) <= PAGE and t.get("due", 0) <= BATCH for t in per_tick)
        told += [text for text in await drain(edited) if "预案已修改" in text]
        await store.close()
    assert sorted(text.split("：")[0] for text in told) == sorted(f"#{n}" for n in range(1, 15))
    warned = [r for r in caplog.records if "the plan no longer has" in r.getMessage()]
    assert len(warned) == 2 * COUNT  # logged at every start, once per incident
