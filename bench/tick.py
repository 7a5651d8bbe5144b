"""The clock's steady cost: one tick with nothing due, timed in this process on a seeded database.

A new ``IncidentService`` first looks at every live incident once (a page per tick, as after a
start); then ticks that find nothing due are timed. Their cost should not grow with the number
of open incidents: the same measure on a database with 1% of them is the baseline.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from bot.service.clock import SystemClock
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.store.opening import open_store

TIMED = 50  # ticks timed after the first look


@dataclass(frozen=True)
class TickCost:
    """How long the first look took, and one steady tick (median)."""

    first_look: float
    tick: float


async def tick_cost(database: str, plans: Path) -> TickCost:
    """Tick ``database``'s incidents until the first look is done, then time steady ticks."""
    async with await open_store(database) as store:
        service = IncidentService(store, PlanBook.load(plans), SystemClock())
        started = time.perf_counter()
        while await _more(service):
            pass  # a tick returns "now" while the first look has pages left
        first_look = time.perf_counter() - started
        times = []
        for _ in range(TIMED):
            begun = time.perf_counter()
            await service.tick("telegram")
            times.append(time.perf_counter() - begun)
    return TickCost(first_look, statistics.median(times))


async def _more(service: IncidentService) -> bool:
    """One tick; whether it asked to be called again at once."""
    next_at = await service.tick("telegram")
    return next_at is not None and next_at <= service.clock.now()
