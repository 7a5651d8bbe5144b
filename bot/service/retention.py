"""Sent outbox messages are forgotten after a retention period, a page at a time."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.store import Store

log = logging.getLogger(__name__)

KEEP_SENT = timedelta(days=30)  # YUQING_OUTBOX_KEEP_DAYS
PRUNE_EVERY = timedelta(hours=1)
PAGE = 1000  # rows deleted per transaction: a large first prune never holds the lock for long


@dataclass
class SentPruning:
    """Deletes outbox messages sent more than ``keep`` ago, at most every ``every``."""

    keep: timedelta = KEEP_SENT
    every: timedelta = PRUNE_EVERY
    pruned_at: datetime | None = None

    def due(self, now: datetime) -> bool:
        """Whether a prune is due (a full page last time: at once)."""
        return self.pruned_at is None or now - self.pruned_at >= self.every

    async def prune(self, store: Store, now: datetime) -> bool:
        """Delete a page of old sent messages if a prune is due; True if more are left."""
        if not self.due(now):
            return False
        async with store.transaction() as tx:
            count = await tx.prune_sent(now - self.keep, PAGE)
        more = count >= PAGE
        self.pruned_at = None if more else now
        if count:
            log.info("forgot %d sent outbox message(s) older than %s", count, self.keep)
        return more
