"""One leader per database: the process holding the lease runs the clock, delivery and archive.

On PostgreSQL the lease is an advisory lock (bot.store.pglease): N ``yuqing-bot run`` share one
database, every one of them takes updates (a webhook), and the one leading runs the loops and
the messengers' single connections (WeCom's long connection, Telegram's polling). Followers try
again every RETRY seconds; a leader that loses its lease stops leading at once. On SQLite the
file run lock (bot.runlock) already makes the process alone, so its lease is always held.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from contextlib import suppress
from typing import Protocol

from bot.domain.errors import StoreError
from bot.service.owners import TOKEN, token_of
from bot.service.running import Running
from bot.store import Store
from bot.store.opening import is_server_url

log = logging.getLogger(__name__)

RETRY = 1.0  # seconds between a follower's tries to take the lease
SWEEP = 5.0  # seconds between a leader's looks for claims of processes that are gone
SWEEP_TIMEOUT = 2.0  # a look that takes longer is dropped (tried again at the next sweep)

Hook = Callable[[], Awaitable[None]]


class Lease(Protocol):
    """The right to lead one database."""

    held: bool
    shared: bool  # other processes may lead the database (leadership changes are logged)

    async def take(self) -> bool:
        """Try to lead now; whether this process leads."""
        ...

    async def kept(self, seconds: float) -> bool:
        """Hold the lease for up to ``seconds``; False as soon as it is lost."""
        ...

    async def leader_alive(self) -> bool:
        """Whether some process leads the database."""
        ...

    async def gone(self, owners: Collection[str]) -> set[str]:
        """Those of ``owners`` (outbox claimers) whose process no longer runs."""
        ...

    def listen(self, heard: Callable[[], None]) -> None:
        """Call ``heard`` when another process says something changed."""
        ...

    async def notify(self) -> None:
        """Tell the leader something changed."""
        ...

    async def close(self) -> None:
        """Give the lease up."""
        ...


class SoloLease:
    """SQLite's lease: the run lock makes this process the only one, so it always leads."""

    held = True
    shared = False

    async def take(self) -> bool:
        """Always."""
        return True

    async def kept(self, seconds: float) -> bool:
        """Never lost: waits until cancelled."""
        await asyncio.Event().wait()
        return True

    async def leader_alive(self) -> bool:
        """This process leads."""
        return True

    async def gone(self, owners: Collection[str]) -> set[str]:
        """Every claimer but this process's senders (no other process runs on the file)."""
        return {owner for owner in owners if token_of(owner) != TOKEN}

    def listen(self, heard: Callable[[], None]) -> None:
        """Nobody else to hear from."""

    async def notify(self) -> None:
        """Nobody else to tell."""

    async def close(self) -> None:
        """Nothing held but the file lock, which ends with the process."""


def open_lease(database: str) -> Lease:
    """The lease for ``database``: an advisory lock on a server, always held on a file."""
    if is_server_url(database):
        from bot.store.pglease import PgLease

        return PgLease(database, TOKEN)
    return SoloLease()


class Leadership:
    """Leads while the lease is held, follows otherwise; ``start``/``stop`` run the loops."""

    def __init__(
        self,
        lease: Lease,
        running: Running,
        start: Callable[[], None],
        stop: Hook,
        faces: Sequence[Face] = (),
    ) -> None:
        self.lease, self.running, self.faces = lease, running, faces
        self._start, self._stop = start, stop
        self.on_lead: list[Hook] = []  # after the loops and faces started
        self.on_follow: list[Hook] = []
        self.leading = asyncio.Event()
        self._wanted = asyncio.Event()  # a follower asked the leader to look
        running.leading = False
        running.tell_leader = lease.notify
        lease.listen(self._wanted.set)

    async def begin(self) -> None:
        """The first try, inline: a face that cannot start (wrong credentials) raises here."""
        if await self.lease.take():
            await self._lead(first=True)
        else:
            log.info("another process leads this database: this one follows")

    async def run(self) -> None:
        """Lead or follow until cancelled."""
        stale = False  # this process's senders may still hold claims from when it led
        while True:
            if self.lease.held and self.leading.is_set():
                await self._hold()
                await self._follow()
                stale = True
            elif stale and not await self._release_own():
                await asyncio.sleep(RETRY)
            elif await self.lease.take():
                stale = False
                await self._lead()
            else:
                stale = False
                await asyncio.sleep(RETRY)

    async def _hold(self) -> None:
        """While the lease is held: free gone claimers' messages, look when told to."""
        watcher = asyncio.create_task(self._answer(), name="yuqing-listen")
        try:
            while await self.lease.kept(SWEEP):
                # bounded: the lease must be checked again before the server could give it away
                with suppress(TimeoutError):
                    async with asyncio.timeout(SWEEP_TIMEOUT):
                        await self._free_gone()
        finally:
            watcher.cancel()
            with suppress(asyncio.CancelledError):
                await watcher

    async def _answer(self) -> None:
        """Tick and deliver when a follower says it changed something."""
        while True:
            await self._wanted.wait()
            self._wanted.clear()
            await self._look()

    async def _look(self) -> None:
        """Tick and deliver now; a failure is logged (the clock retries by itself)."""
        try:
            await self.running.changed()
        except Exception:
            log.exception("could not look at what another process changed")

    async def _lead(self, first: bool = False) -> None:
        """Free gone claimers' messages, start the loops and the faces; tick unless ``first``.

        The first time (``begin``, at start) a face that cannot start raises, and the caller
        ticks once everything is up; later a face that fails is logged and the rest leads.
        """
        loudness = logging.INFO if self.lease.shared else logging.DEBUG
        log.log(loudness, "this process leads the database: it runs the clock and delivers")
        self.running.leading = True
        await self._free_gone()
        self._start()
        for face in self.faces:
            try:
                await face.start(self.running)
            except Exception:
                if first:
                    raise
                log.exception("a messenger could not start on taking the lead")
        for hook in self.on_lead:
            await hook()
        self.leading.set()
        if not first:
            await self._look()

    async def _follow(self) -> None:
        """Stop leading at once: the loops first, then the messengers' single connections."""
        self.running.leading = False
        self.leading.clear()
        log.warning("this process lost the lead: it stops the clock and delivery and follows")
        await self._stop()
        for face in reversed(self.faces):
            try:
                await face.stop()
            except Exception:
                log.exception("a messenger could not stop cleanly on losing the lead")
        for hook in self.on_follow:
            await hook()

    async def resign(self) -> None:
        """At the end: stop the faces if this process led (the caller stopped the loops)."""
        if not self.running.leading:
            return
        self.running.leading = False
        self.leading.clear()
        for face in reversed(self.faces):
            try:
                await face.stop()
            except Exception:  # stopping anyway: the store must still be closed
                log.exception("could not stop a messenger cleanly")

    async def _release_own(self) -> bool:
        """After leading: owe again what this process's stopped senders claimed; whether done.

        Its lease connection says it still runs, so no leader would release them."""
        owners = [delivery.owner for delivery in self.running.deliveries.values()]
        try:
            async with self.running.service.store.transaction() as tx:
                released = await tx.release_claims(owners)
        except StoreError:
            return False
        if released:
            log.info("%d message(s) this process claimed while leading are owed again", released)
        return True

    async def _free_gone(self) -> None:
        """Owe again the messages claimed by senders whose process is gone."""
        store: Store = self.running.service.store
        try:
            async with store.transaction() as tx:
                gone = await self.lease.gone(await tx.claimers())
                released = await tx.release_claims(gone) if gone else 0
        except StoreError as exc:
            log.warning("could not look for claims of stopped processes: %s", exc)
            return
        if released:
            log.info("%d message(s) claimed by a stopped process are owed again", released)


class Face(Protocol):
    """A messenger's connection that only the leader keeps (bot.serve.Face)."""

    async def start(self, running: Running) -> None:
        """Connect."""
        ...

    async def stop(self) -> None:
        """Disconnect (it may be started again)."""
        ...
