"""The running bot's shared life: one store, one service, the loops, every configured messenger.

Telegram's application runs this from its start-up hook (the messenger with its own main loop);
without Telegram, ``serve`` is the main loop. Either way each other messenger is a ``Face``
started on the same ``Running``, so one process serves several messengers and one clock.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Protocol

from bot.ops.health import Probe, Problem
from bot.ops.http import OpsServer
from bot.ops.metrics import PromMeter
from bot.service.clock import Clock
from bot.service.delivery import release_claims
from bot.service.metered import Metered, metered
from bot.service.plans import PlanBook
from bot.service.retention import KEEP_SENT
from bot.service.running import Running
from bot.service.shelf import Shelf
from bot.service.transport import Transport
from bot.store import Store
from bot.store.opening import open_store, redact

log = logging.getLogger(__name__)

STARTED = ("yuqing", "started_at")  # kv: written at start, to know the database is writable
# What the bot stops doing when each of its background tasks dies, for the CRITICAL line.
WHAT_STOPS = {
    "clock": "no reminder would be sent any more",
    "archive": "no attached file would be kept any more",
}
SENDS = "no message would be delivered any more"


class Face(Protocol):
    """A messenger as ``run`` starts it: its client, and its connection to keep up."""

    @property
    def transport(self) -> Transport:
        """The messenger's client behind the Transport port."""
        ...

    async def start(self, running: Running) -> None:
        """Connect and start handing updates to ``running`` (errors: it cannot start)."""
        ...

    async def stop(self) -> None:
        """Disconnect."""
        ...


@dataclass(frozen=True)
class Ops:
    """Where /healthz and /metrics listen (``run`` with YUQING_HTTP_PORT set)."""

    listen: str
    port: int


async def prove_writable(store: Store, clock: Clock) -> None:
    """One small write: opening succeeds on a read-only file, and a lock only blocks writers."""
    now = clock.now()
    async with store.transaction() as tx:
        await tx.kv_set(*STARTED, now.isoformat(), now)


@dataclass
class Life:
    """The store, the running service and its loops, from start to stop."""

    running: Running
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    ops: Ops | None = None
    meter: PromMeter | None = None
    server: OpsServer | None = None

    @classmethod
    async def open(
        cls,
        database: str,
        plans: PlanBook,
        clock: Clock,
        transports: Sequence[Transport],
        shelf: Shelf | None = None,
        keep_sent: timedelta = KEEP_SENT,
        ops: Ops | None = None,
    ) -> Life:
        """Open the store (proved writable, earlier runs' claims freed) and the service on it.

        With ``ops``, each transport is metered (bot.service.metered) for /metrics and /healthz.
        """
        store = await open_store(database)
        try:
            await prove_writable(store, clock)
            await release_claims(store)  # `run` holds the database's run lock by now
        except BaseException:
            await store.close()
            raise
        meter = PromMeter([t.name for t in transports]) if ops else None
        if meter is not None:
            transports = [metered(transport, meter, clock) for transport in transports]
        running = Running.of(store, plans, clock, transports, shelf, keep_sent, meter)
        return cls(running, ops=ops, meter=meter)

    def start(self, died: Callable[[str], None]) -> None:
        """Start the loops; ``died(role)`` after one ends other than cancelled (logged first)."""
        for role, loop in self.running.loops().items():
            task = asyncio.create_task(loop, name=f"yuqing-{role}")
            task.add_done_callback(partial(_ended, role=role, died=died))
            self.tasks.append(task)

    async def serve_ops(self, problems: Mapping[str, Problem] = {}) -> None:
        """Start /healthz and /metrics if asked (OSError: cannot listen); ``problems`` by messenger.

        Each messenger is also unhealthy while its last call failed for the network.
        """
        if self.ops is None or self.meter is None:
            return
        messengers = {
            name: self._problem(name, problems.get(name)) for name in self.running.deliveries
        }
        probe = Probe(self.running, self._clock_alive, messengers)
        self.server = OpsServer(self.ops.listen, self.ops.port, probe, self.meter)
        await self.server.start()

    def _problem(self, name: str, own: Problem | None) -> Problem:
        transport = self.running.deliveries[name].transport

        def problem() -> str | None:
            found = own() if own is not None else None
            if found is None and isinstance(transport, Metered) and transport.unreachable:
                return "unreachable"
            return found

        return problem

    def _clock_alive(self) -> bool:
        return any(task.get_name() == "yuqing-clock" and not task.done() for task in self.tasks)

    async def close(self) -> None:
        """Stop the health server, the loops, and close the store."""
        if self.server is not None:
            await self.server.stop()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.running.service.store.close()


def _ended(task: asyncio.Task[None], role: str, died: Callable[[str], None]) -> None:
    if task.cancelled():
        return  # stopped on purpose (shutdown)
    error = task.exception() or RuntimeError(f"the {role} task returned")
    log.critical(
        "the %s task died: %s; stopping the bot so that it is restarted",
        role,
        WHAT_STOPS.get(role, SENDS),
        exc_info=error,
    )
    died(role)


def face_problems(faces: Sequence[Face]) -> dict[str, Problem]:
    """Each face's own health check (its ``problem()``), where it has one."""
    found: dict[str, Problem] = {}
    for face in faces:
        problem = getattr(face, "problem", None)
        if callable(problem):
            found[face.transport.name] = problem
    return found


async def serve(
    database: str,
    plans: PlanBook,
    clock: Clock,
    faces: Sequence[Face],
    shelf: Shelf | None = None,
    keep_sent: timedelta = KEEP_SENT,
    ops: Ops | None = None,
) -> int:
    """Run the messengers until SIGINT or SIGTERM (0), or until a loop dies (1)."""
    transports = [face.transport for face in faces]
    life = await Life.open(database, plans, clock, transports, shelf, keep_sent, ops)
    stop, failed = asyncio.Event(), []

    def died(role: str) -> None:
        failed.append(role)
        stop.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    started: list[Face] = []
    try:
        life.start(died)
        for face in faces:
            await face.start(life.running)
            started.append(face)
        await life.serve_ops(face_problems(faces))
        await life.running.changed()
        shown = redact(database)
        log.info("yuqing-bot started: %d plan(s), database %s", len(list(plans)), shown)
        await stop.wait()
    finally:
        for face in reversed(started):
            with suppress(Exception):
                await face.stop()
        await life.close()
    return 1 if failed else 0
