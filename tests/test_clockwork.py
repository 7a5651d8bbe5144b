"""The clock of a running bot, on a real SQLite file and a manual clock.

It books the next tick at the next wake-up (at most SAFETY away), pokes the deliveries after
each tick, and when the database is locked retries after 1 s, 2 s, 4 s … 30 s, logging the
outage once and the recovery once.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support import small_plan, tg_actor

from bot.domain.lifecycle import LIVE_STATES
from bot.service.clock import ManualClock
from bot.service.clockwork import MAX_RETRY, SAFETY, Clockwork
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.store import SqliteStore

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
CHAT = "telegram:-100500"


async def test_the_next_tick_is_the_next_wake_up_or_the_safety_interval(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    plans = bound()
    pokes: list[datetime] = []
    async with await SqliteStore.open(tmp_path / "y.db") as store:
        service = IncidentService(store, plans, clock)
        work = Clockwork(service, ["telegram"], lambda: pokes.append(clock.now()))
        await work.tick()
        assert work.next_at == T0 + SAFETY  # nothing open: look again after SAFETY
        await service.open_report(CHAT, tg_actor(3), "网帖")
        await work.tick()
        wake = await store.next_wakeup(states=LIVE_STATES, transport="telegram")
        assert wake is not None and work.next_at == min(wake, T0 + SAFETY)
        assert pokes == [T0, T0]  # the deliveries are poked after every tick


def bound() -> PlanBook:
    """The small plan, run by CHAT."""
    plans = PlanBook([small_plan()])
    plans.bind(CHAT, small_plan().id)
    return plans


async def test_a_locked_database_backs_off_and_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(T0)
    db = tmp_path / "y.db"
    async with await SqliteStore.open(db, busy_timeout=0.05) as store:
        service = IncidentService(store, bound(), clock)
        work = Clockwork(service, ["telegram"], lambda: None)
        await service.open_report(CHAT, tg_actor(3), "网帖")  # its wake-up: a write to come
        clock.advance(timedelta(hours=1))
        lock = sqlite3.connect(db, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        delays = []
        with caplog.at_level(logging.INFO, logger="bot.service.clockwork"):
            for _ in range(7):
                await work.tick()
                assert work.next_at is not None
                delays.append(work.next_at - clock.now())
            lock.execute("ROLLBACK")
            lock.close()
            await work.tick()
        seconds = [1, 2, 4, 8, 16, 30, 30]
        assert delays == [min(timedelta(seconds=s), MAX_RETRY) for s in seconds]
        warned = [r for r in caplog.records if "reminders wait" in r.getMessage()]
        back = [r for r in caplog.records if "reminders resume" in r.getMessage()]
        assert len(warned) == 1 and len(back) == 1


class Paused(IncidentService):
    """The service, its ticks counted and made to wait at their start until let go."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.began = 0
        self.waiting = asyncio.Event()
        self.go = asyncio.Event()

    async def tick(self, transport: str) -> datetime | None:
        self.began += 1
        self.waiting.set()
        await self.go.wait()
        return await super().tick(transport)


async def test_changes_made_while_a_tick_runs_are_looked_at_by_one_more_tick(
    tmp_path: Path,
) -> None:
    clock = ManualClock(T0)
    async with await SqliteStore.open(tmp_path / "y.db") as store:
        service = Paused(store, bound(), clock)
        work = Clockwork(service, ["telegram"], lambda: None)
        running = asyncio.create_task(work.tick_after_change())
        await service.waiting.wait()  # a tick has begun
        await service.open_report(CHAT, tg_actor(3), "网帖")  # changes while it runs
        after = [asyncio.create_task(work.tick_after_change()) for _ in range(5)]
        await asyncio.sleep(0)
        assert not any(task.done() for task in after)
        service.go.set()
        await asyncio.gather(running, *after)
        assert service.began == 2  # the one running, and one for every change made meanwhile
        wake = await store.next_wakeup(states=LIVE_STATES, transport="telegram")
        assert wake is not None and work.next_at == min(wake, T0 + SAFETY)
        await work.tick_after_change()
        assert service.began == 3  # a change after those ticks gets one of its own


async def test_a_batch_of_due_incidents_lets_other_work_run_between_incidents(
    tmp_path: Path,
) -> None:
    clock = ManualClock(T0)
    async with await SqliteStore.open(tmp_path / "y.db") as store:
        service = IncidentService(store, bound(), clock)
        for n in range(3):
            await service.open_report(CHAT, tg_actor(3), f"网帖 {n}")
        await service.tick("telegram")  # their wake-ups worked out
        queued = len(await store.pending())
        clock.advance(timedelta(days=2))  # something falls due on each of them
        seen: list[int] = []

        async def sender() -> None:  # stands for the sender or a reply, waiting for the loop
            seen.append(len(await store.pending()) - queued)

        probe = asyncio.create_task(sender())
        await service.tick("telegram")
        await probe
        assert len(await store.pending()) - queued >= 3  # each incident wrote its messages
        assert seen and seen[0] < 3  # the probe ran before the batch was done
