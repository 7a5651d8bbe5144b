"""The running bot's shared life: one store, one service, the loops, every configured messenger.

Telegram's application runs this from its start-up hook (the messenger with its own main loop);
without Telegram, ``serve`` is the main loop. Either way each other messenger is a ``Face``
started on the same ``Running``, so one process serves several messengers and one clock. The
loops and the faces run in the process leading the database (bot.leadership).
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

from bot.leadership import Leadership, Lease, SoloLease, open_lease
from bot.ops.health import Probe, Problem
from bot.ops.http import OpsServer
from bot.ops.metrics import PromMeter
from bot.service import membership
from bot.service.clock import Clock
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
    "leadership": "no process would take the lead of the database",
}
SENDS = "no message would be delivered any more"


class Face(Protocol):
    """A messenger as ``run`` starts it: its client, and its connection to keep up.

    Its connection is the leader's alone (WeCom's one long connection): started when this
    process takes the lead, stopped when it loses it (bot.leadership), closed at the end.
    """

    @property
    def transport(self) -> Transport:
        """The messenger's client behind the Transport port."""
        ...

    async def start(self, running: Running) -> None:
        """Connect and start handing updates to ``running`` (errors: it cannot start)."""
        ...

    async def stop(self) -> None:
        """Disconnect (it may be started again)."""
        ...

    async def close(self) -> None:
        """Disconnect for good and free what it holds."""
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
    """The store, the running service, its lease and the leader's loops, from start to stop."""

    running: Running
    lease: Lease = field(default_factory=SoloLease)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)  # the leader's loops
    ops: Ops | None = None
    meter: PromMeter | None = None
    server: OpsServer | None = None
    leadership: Leadership | None = None
    guard: asyncio.Task[None] | None = None  # the leadership's own task (bot.leadership)

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
        """Open the store (proved writable), its lease and the service on it.

        With ``ops``, each transport is metered (bot.service.metered) for /metrics and /healthz.
        """
        store = await open_store(database)
        try:
            await prove_writable(store, clock)
            await store.keep(membership.read_on_every_update(t.name for t in transports))
        except BaseException:
            await store.close()
            raise
        meter = PromMeter([t.name for t in transports]) if ops else None
        if meter is not None:
            transports = [metered(transport, meter, clock) for transport in transports]
        running = Running.of(store, plans, clock, transports, shelf, keep_sent, meter)
        return cls(running, open_lease(database), ops=ops, meter=meter)

    async def lead(self, faces: Sequence[Face], died: Callable[[str], None]) -> Leadership:
        """Lead now if the lease is free (``faces`` started here: their errors raise), and keep
        trying or holding in the background; ``died(role)`` after a loop died (logged first)."""
        leadership = Leadership(
            self.lease, self.running, partial(self.start, died), self.stop_loops, faces
        )
        self.leadership = leadership
        await leadership.begin()
        self.guard = asyncio.create_task(leadership.run(), name="yuqing-leadership")
        self.guard.add_done_callback(partial(_ended, role="leadership", died=died))
        return leadership

    def start(self, died: Callable[[str], None]) -> None:
        """Start the loops; ``died(role)`` after one ends other than cancelled (logged first)."""
        for role, loop in self.running.loops().items():
            task = asyncio.create_task(loop, name=f"yuqing-{role}")
            task.add_done_callback(partial(_ended, role=role, died=died))
            self.tasks.append(task)

    async def stop_loops(self) -> None:
        """Cancel the loops and wait for them to end."""
        tasks, self.tasks = self.tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def serve_ops(self, problems: Mapping[str, Problem] = {}) -> None:
        """Start /healthz and /metrics if asked (OSError: cannot listen); ``problems`` by messenger.

        Each messenger is also unhealthy while its last call failed for the network.
        """
        if self.ops is None or self.meter is None:
            return
        messengers = {
            name: self._problem(name, problems.get(name)) for name in self.running.deliveries
        }
        probe = Probe(self.running, self._clock_alive, messengers, self.lease.leader_alive)
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
        """Stop the health server, leading (the loops, then the faces), close lease and store."""
        if self.server is not None:
            await self.server.stop()
        if self.guard is not None:
            self.guard.cancel()
            await asyncio.gather(self.guard, return_exceptions=True)
        await self.stop_loops()
        if self.leadership is not None:
            await self.leadership.resign()
        await self.lease.close()
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


def face_problems(faces: Sequence[Face], running: Running) -> dict[str, Problem]:
    """Each face's own health check (its ``problem()``), where it has one: while leading only,
    since a follower holds no messenger connection."""
    found: dict[str, Problem] = {}
    for face in faces:
        problem = getattr(face, "problem", None)
        if callable(problem):
            found[face.transport.name] = partial(_if_leading, running, problem)
    return found


def _if_leading(running: Running, problem: Problem) -> str | None:
    return problem() if running.leading else None


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
    try:
        await life.lead(faces, died)
        await life.serve_ops(face_problems(faces, life.running))
        await life.running.changed()
        shown = redact(database)
        log.info("yuqing-bot started: %d plan(s), database %s", len(list(plans)), shown)
        await stop.wait()
    finally:
        await life.close()
        for face in reversed(faces):
            with suppress(Exception):
                await face.close()
    return 1 if failed else 0
