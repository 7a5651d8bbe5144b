"""The health of a running bot: the database answers, the clock runs, each messenger is reached."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from bot.domain.errors import StoreError
from bot.service.running import Running

DB_TIMEOUT = 2.0  # seconds a health check waits for the database
CLOCK_LATE = timedelta(seconds=60)  # a booked tick this far in the past: the clock is stuck
PROBE = ("yuqing", "started_at")  # a small read every database holds once `run` started

Problem = Callable[[], str | None]  # None when fine, else why not, in a few words


@dataclass
class Probe:
    """What the health check looks at; ``messengers`` by transport name."""

    running: Running
    clock_alive: Callable[[], bool]
    messengers: Mapping[str, Problem] = field(default_factory=dict)
    leader_alive: Callable[[], Awaitable[bool]] | None = None  # None: this process always leads

    @property
    def leading(self) -> bool:
        """Whether this process leads (runs the clock and delivery)."""
        return self.running.leading


async def check(probe: Probe) -> dict[str, str | None]:
    """Each check's problem (None: healthy), by name: database, leader, clock, each messenger."""
    found: dict[str, str | None] = {"database": await _database(probe.running)}
    found["leader"] = await _leader(probe)
    found["clock"] = _clock(probe) if probe.leading else None  # the leader's clock, not ours
    for name, problem in probe.messengers.items():
        found[name] = problem()
    return found


async def _database(running: Running) -> str | None:
    try:
        async with asyncio.timeout(DB_TIMEOUT):
            await running.service.store.kv_get(*PROBE)
    except TimeoutError:
        return "no answer within 2 s"
    except StoreError as exc:
        return str(exc.params.get("detail", exc.key))
    return None


async def _leader(probe: Probe) -> str | None:
    if probe.leading or probe.leader_alive is None:
        return None
    try:
        async with asyncio.timeout(DB_TIMEOUT):
            alive = await probe.leader_alive()
    except TimeoutError:
        return "no answer within 2 s"
    except StoreError as exc:
        return str(exc.params.get("detail", exc.key))
    return None if alive else "no process leads the database"


def _clock(probe: Probe) -> str | None:
    if not probe.clock_alive():
        return "the clock task has ended"
    booked = probe.running.clockwork.next_at
    now = probe.running.service.clock.now()
    if booked is not None and now - booked > CLOCK_LATE:
        return f"the tick booked for {booked.isoformat()} has not run"
    return None
