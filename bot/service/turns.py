"""A turn per key: one chat's work at a time, in the order it asked; chats side by side."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass
class _Turn:
    """One key's lock, and how many hold or wait for it (forgotten when none do)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class Turns(Generic[K]):
    """A lock per key, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._turns: dict[K, _Turn] = {}

    def __len__(self) -> int:
        """How many keys someone holds or waits for."""
        return len(self._turns)

    def busy(self, key: K) -> bool:
        """Whether someone holds or waits for ``key``'s turn."""
        return key in self._turns

    @asynccontextmanager
    async def turn(self, key: K) -> AsyncIterator[None]:
        """Within: ``key``'s turn. Queued before the first await, so callers keep their order."""
        turn = self._turns.setdefault(key, _Turn())
        turn.users += 1
        try:
            async with turn.lock:
                yield
        finally:
            turn.users -= 1
            if not turn.users:
                del self._turns[key]
