"""The clock port: the service reads time only through it, so tests and drills can drive it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """The current instant, in UTC."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """The current instant, in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to: for tests and offline drills."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The current (virtual) instant, in UTC."""
        return self._now

    def advance(self, by: timedelta) -> datetime:
        """Move forward by ``by`` and return the new time."""
        if by < timedelta(0):
            raise ValueError("time does not go backwards")
        self._now += by
        return self._now

    def set(self, to: datetime) -> None:
        """Jump to ``to`` (not before the current time)."""
        self.advance(to.astimezone(UTC) - self._now)
