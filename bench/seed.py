"""Filling a benchmark database through the store's own API (no hand-written SQL)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bench.plan import OBLIGATION, WITHIN_HOURS
from bot.domain.lifecycle import State
from bot.domain.obligations import Anchors, schedule
from bot.domain.plan import Plan
from bot.store.opening import open_store

BATCH = 2000  # incidents per transaction: few transactions, each statement through the API
REPORTER = "telegram:500000"


async def seed(db: str, plan: Plan, chats: Sequence[int], dues: Sequence[datetime]) -> None:
    """Open one confirmed incident per due time, in chat ``chats[i]`` of ``db`` (file or URL)."""
    level = plan.levels[0].id
    within = timedelta(hours=WITHIN_HOURS)
    async with await open_store(db) as store:
        for start in range(0, len(dues), BATCH):
            async with store.transaction() as tx:
                for i in range(start, min(start + BATCH, len(dues))):
                    reported = dues[i] - within
                    incident = await tx.create_incident(
                        plan_id=plan.id,
                        chat=f"telegram:{chats[i]}",
                        reporter=REPORTER,
                        description=f"基准测试事件 {i}",
                        reported_at=reported,
                        lang=plan.language,
                    )
                    await tx.set_answer(incident.id, "reach", "low", REPORTER, reported)
                    await tx.set_answer(incident.id, "media", "no", REPORTER, reported)
                    states = schedule(plan, level, Anchors(reported)).states
                    await tx.save_obligations(incident.id, states)
                    await tx.update_incident(
                        incident.id,
                        incident.version,
                        state=State.ACTIVE,
                        level_id=level,
                        graded_at=reported,
                        confirmed_at=reported,
                    )


async def retime(db: str, dues: dict[int, datetime]) -> None:
    """Move the obligation of incident #number to a new due time (its reminders start over)."""
    async with await open_store(db) as store, store.transaction() as tx:
        for number, due in dues.items():
            incident = await store.get_by_number(number)
            assert incident is not None, number
            states = [
                replace(s, due_at=due, sent=0) if s.id == OBLIGATION else s
                for s in incident.obligations
            ]
            await tx.save_obligations(incident.id, states)
