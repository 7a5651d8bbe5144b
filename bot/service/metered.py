"""A Transport that tells a Meter what it delivered and what must wait, and is otherwise its inner.

It also remembers whether the messenger answered the last call, for the health check: a
messenger that cannot be reached is not "connected", whatever its face says.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from bot.service.clock import Clock
from bot.service.files import FileSource
from bot.service.flood import Gate
from bot.service.meter import Meter
from bot.service.outbox import Kind
from bot.service.transport import Capabilities, Outgoing, RetryLater, Transport


class Metered:
    """``inner`` behind the same port, each delivery and each wait told to ``meter``."""

    def __init__(self, inner: Transport, meter: Meter, clock: Clock) -> None:
        self.inner, self.meter, self.clock = inner, meter, clock
        self.unreachable: str | None = None  # why the last call failed for the network, if so

    @property
    def name(self) -> str:
        """The inner transport's name."""
        return self.inner.name

    @property
    def capabilities(self) -> Capabilities:
        """The inner transport's capabilities."""
        return self.inner.capabilities

    @property
    def gate(self) -> Gate | None:
        """The flood gate the inner transport shares with its client's own limiter, if any."""
        found = getattr(self.inner, "gate", None)
        return found if isinstance(found, Gate) else None

    async def send(self, out: Outgoing) -> str | None:
        """Send through the inner transport."""
        with self._watched():
            ref = await self.inner.send(out)
        self.meter.sent(self.name, out.item.kind, self._lateness(out))
        return ref

    async def edit(self, ref: str, out: Outgoing) -> str:
        """Edit through the inner transport."""
        with self._watched():
            found = await self.inner.edit(ref, out)
        self.meter.sent(self.name, out.item.kind, self._lateness(out))
        return found

    async def answer(self, press: str, text: str | None = None) -> None:
        """Answer a press through the inner transport."""
        with self._watched():
            await self.inner.answer(press, text)

    @contextmanager
    def _watched(self) -> Iterator[None]:
        try:
            yield
        except RetryLater as exc:
            reason = "flood" if exc.seconds is not None else "unreachable"
            self.meter.retry(self.name, "timeout" if exc.timed_out else reason)
            if exc.seconds is None:
                self.unreachable = str(exc) or type(exc).__name__
            raise
        self.unreachable = None

    def _lateness(self, out: Outgoing) -> float | None:
        """Seconds between a reminder's own time (or its enqueueing) and now; None otherwise."""
        if out.item.kind != Kind.REMINDER.value:
            return None
        due: Any = out.item.payload.get("remind_at")
        try:
            at = datetime.fromisoformat(due) if isinstance(due, str) else out.item.created_at
        except ValueError:
            at = out.item.created_at
        return max((self.clock.now() - at).total_seconds(), 0.0)


class MeteredSource(Metered):
    """A Metered transport whose inner one is also a FileSource."""

    def __init__(self, inner: Transport, meter: Meter, clock: Clock) -> None:
        super().__init__(inner, meter, clock)
        assert isinstance(inner, FileSource)
        self.source: FileSource = inner

    async def fetch(self, ref: str, limit: int) -> bytes:
        """A file through the inner transport."""
        with self._watched():
            return await self.source.fetch(ref, limit)


def metered(inner: Transport, meter: Meter, clock: Clock) -> Metered:
    """``inner`` wrapped, keeping it a FileSource where it is one."""
    if isinstance(inner, FileSource):
        return MeteredSource(inner, meter, clock)
    return Metered(inner, meter, clock)
