"""Each update once: a bounded window of the update ids already processed, kept in the store."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.store import riders
from bot.store.port import Store, Tx

log = logging.getLogger(__name__)

# A messenger keeps an update it could not deliver for at most a day (24 hours, the longest):
# twice that is enough to recognise any redelivery, and the table stays two days of traffic.
KEEP = timedelta(hours=48)
PRUNE_EVERY = timedelta(hours=1)


class AlreadyProcessed(Exception):
    """The update turned out processed while its mark was written: its work is rolled back."""


@dataclass
class Window:
    """The update ids already processed, forgotten after ``keep``, pruned every ``every``."""

    keep: timedelta = KEEP
    every: timedelta = PRUNE_EVERY
    pruned_at: datetime | None = None

    async def claim(self, store: Store, key: str, now: datetime) -> bool:
        """Mark ``key`` processed (False if it already was), pruning old ids when that is due."""
        async with store.transaction() as tx:
            return await self._mark(tx, key, now)

    async def expect(self, store: Store, key: str, now: datetime) -> bool:
        """Whether ``key`` is new; its mark then rides with the work's first transaction.

        For work under way in a ``riders.scope()``: the mark and the change it stands for are
        committed together. Should another process have marked it meanwhile, that transaction
        raises AlreadyProcessed (and rolls back).
        """
        if await store.update_seen(key):
            return False

        async def mark(tx: Tx) -> None:
            if not await self._mark(tx, key, now):
                raise AlreadyProcessed(key)

        riders.aboard(mark)
        return True

    async def _mark(self, tx: Tx, key: str, now: datetime) -> bool:
        """In ``tx``: mark ``key`` processed (False if it was), pruning old ids when due."""
        prune = self.pruned_at is None or now - self.pruned_at >= self.every
        forgotten = await tx.forget_updates(now - self.keep) if prune else 0
        fresh = await tx.claim_update(key, now)
        if prune:  # a rollback only delays the next prune by an hour
            self.pruned_at = now
            if forgotten:
                log.info("forgot %d processed update id(s) older than %s", forgotten, self.keep)
        return fresh
