"""Forgetting what is no longer needed: outbox messages sent long ago.

A sent row is only history once it is sent: the refs that later edits need are kept in the
key-value table, and the incident's timeline records what happened. Rows are deleted a page at
a time so that a first prune of a large outbox does not hold the write lock for long.
"""

from __future__ import annotations

from datetime import datetime

from bot.store.codec import to_text
from bot.store.sql import Db


async def prune_sent(db: Db, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` outbox rows sent before ``before``, oldest first; how many."""
    return await db.execute(
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox"
        " WHERE sent_at IS NOT NULL AND sent_at < ? ORDER BY id LIMIT ?)",
        (to_text(before), int(limit)),
    )
