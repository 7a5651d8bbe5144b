"""Each update once: a bounded window of the update ids already processed, kept in the store."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.store.port import Store

log = logging.getLogger(__name__)

# A messenger keeps an update it could not deliver for at most a day (24 hours, the longest):
# twice that is enough to recognise any redelivery, and the table stays two days of traffic.
KEEP = timedelta(hours=48)
PRUNE_EVERY = timedelta(hours=1)


@dataclass
class Window:
    """The update ids already processed, forgotten after ``keep``, pruned every ``every``."""

    keep: timedelta = KEEP
    every: timedelta = PRUNE_EVERY
    pruned_at: datetime | None = None

    async def claim(self, store: Store, key: str, now: datetime) -> bool:
        """Mark ``key`` processed (False if it already was), pruning old ids when that is due."""
        prune = self.pruned_at is None or now - self.pruned_at >= self.every
        async with store.transaction() as tx:
            forgotten = await tx.forget_updates(now - self.keep) if prune else 0
            fresh = await tx.claim_update(key, now)
        if prune:  # only once the transaction is committed
            self.pruned_at = now
            if forgotten:
                log.info("forgot %d processed update id(s) older than %s", forgotten, self.keep)
        return fresh
