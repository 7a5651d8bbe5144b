"""The Meter port: what the running bot tells an observer (metrics), without knowing which.

The service and the faces call these hooks; ``bot.ops.metrics`` implements them with
Prometheus. The default does nothing, so the service runs the same with no observer.
"""

from __future__ import annotations

from typing import Protocol


class Meter(Protocol):
    """Receives the running bot's events as they happen; each call is cheap and never fails."""

    def update(self, transport: str) -> None:
        """A fresh update from ``transport`` was taken in (a redelivery is not counted)."""
        ...

    def sent(self, transport: str, kind: str, lateness: float | None) -> None:
        """An outbox message was delivered; ``lateness``: seconds past its due time (reminders)."""
        ...

    def retry(self, transport: str, reason: str) -> None:
        """A delivery waits to be tried again: ``flood`` (429), ``timeout`` or ``unreachable``."""
        ...

    def rate_limited(self, transport: str) -> None:
        """The messenger answered 429 Too Many Requests (counted on the wire, retries included)."""
        ...


class NoMeter:
    """A Meter that records nothing."""

    def update(self, transport: str) -> None:
        """Nothing."""

    def sent(self, transport: str, kind: str, lateness: float | None) -> None:
        """Nothing."""

    def retry(self, transport: str, reason: str) -> None:
        """Nothing."""

    def rate_limited(self, transport: str) -> None:
        """Nothing."""
