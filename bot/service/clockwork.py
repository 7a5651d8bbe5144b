"""The clock of a running bot: tick the service at the next due time, whatever happens."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.domain.errors import StoreError
from bot.service.retention import SentPruning
from bot.service.ticking import Ticking

log = logging.getLogger(__name__)

SAFETY = timedelta(minutes=5)  # look again at least this often, whatever the plans say
MAX_RETRY = timedelta(seconds=30)


class Clockwork:
    """Ticks the service for the running transports: one tick at a time, at the next due time.

    A database that cannot be written is logged once; the tick is retried with backoff (1 s,
    2 s, 4 s … up to 30 s) and, once it works, records and sends what fell due meanwhile (the
    latest reminder, once). A tick that fails for any other reason is logged and retried the
    same way: a bug must not stop the clock.
    """

    def __init__(
        self, service: Ticking, transports: Sequence[str], ticked: Callable[[], None]
    ) -> None:
        self.service, self.transports = service, list(transports)
        self.ticked = ticked  # after each tick: messages may be owed (poke the deliveries)
        self._lock = asyncio.Lock()
        self._waiting: asyncio.Future[None] | None = None  # a tick after changes, not begun
        self._wake = asyncio.Event()
        self._failures = 0
        self.next_at: datetime | None = None  # when the next tick is booked
        self.pruning = SentPruning()

    async def tick(self) -> None:
        """Send what is due now (catch-up included) and book the next tick, even after a failure."""
        await self._tick(lambda: None)

    async def tick_after_change(self) -> None:
        """A tick that begins after this call: one that waits to begin is joined, so changes
        made while a tick runs are looked at by one more tick, not one each."""
        if self._waiting is None:
            self._waiting = asyncio.ensure_future(self._tick(self._begun))
        await asyncio.shield(self._waiting)

    def _begun(self) -> None:
        """The waiting tick began: a change from now on needs another."""
        self._waiting = None

    async def _tick(self, begun: Callable[[], None]) -> None:
        """A tick, with ``begun()`` called as it begins (once it has the lock)."""
        try:
            async with self._lock:
                begun()
                next_at = await self._tick_all()
        except StoreError as exc:
            next_at = self._retry_at(exc)
        except Exception:
            self._book(self._retry_at(None))
            raise
        else:
            self._recovered()
        self.ticked()
        self._book(next_at)

    async def _tick_all(self) -> datetime | None:
        """Tick every transport's incidents, prune old sent messages; the next time to tick."""
        found = [await self.service.tick(name) for name in self.transports]
        now = self.service.clock.now()
        if await self.pruning.prune(self.service.store, now):
            found.append(now)  # more to prune: again at once, a page at a time
        return min((at for at in found if at is not None), default=None)

    def _retry_at(self, exc: StoreError | None) -> datetime:
        """When to try again after a failed tick; log the first failure of a database outage."""
        self._failures += 1
        if self._failures == 1 and exc is not None:
            detail = exc.params.get("detail", exc.key)
            log.warning("database unavailable, reminders wait until it is back: %s", detail)
        delay = min(timedelta(seconds=2 ** (self._failures - 1)), MAX_RETRY)
        return self.service.clock.now() + delay

    def _recovered(self) -> None:
        """Say once that reminders run again."""
        if self._failures:
            self._failures = 0
            log.info("database available again: reminders resume")

    def _book(self, at: datetime | None) -> None:
        """Book the next tick at ``at`` (or after SAFETY, if sooner)."""
        now = self.service.clock.now()
        self.next_at = min(at, now + SAFETY) if at else now + SAFETY
        self._wake.set()

    async def run(self) -> None:
        """Tick at each booked time until cancelled."""
        while True:
            self._wake.clear()
            if self.next_at is None:
                self._book(None)
                self._wake.clear()
            assert self.next_at is not None
            delay = max((self.next_at - self.service.clock.now()).total_seconds(), 0.0)
            try:  # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation
                async with asyncio.timeout(delay):
                    await self._wake.wait()
                continue  # booked again meanwhile: wait for the new time
            except TimeoutError:
                pass
            try:
                await self.tick()
            except Exception:
                log.exception("the clock's tick failed; it is tried again shortly")
