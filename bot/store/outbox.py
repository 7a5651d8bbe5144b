"""The outbox's reads and writes: what is owed, who claimed it for sending, what is parked.

A row is owed while ``sent_at`` and ``parked_at`` are NULL. A sender claims owed rows (writes
its owner id into ``claimed_by``) before sending them; rows claimed by another owner are left
alone until the process leading the database (bot.leadership) finds its owner gone and
releases its claims.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.store import codec
from bot.store.codec import to_text
from bot.store.port import NotFound, OutboxItem
from bot.store.sql import Db

OWED = "sent_at IS NULL AND parked_at IS NULL AND substr(chat, 1, ?) = ?"


def _transport(transport: str | None) -> list[Any]:
    """The parameters of OWED for chats ``<transport>:…`` (every chat when None)."""
    prefix = "" if transport is None else f"{transport}:"
    return [len(prefix), prefix]


async def pending(db: Db, limit: int, transport: str | None) -> list[OutboxItem]:
    """Owed items, oldest first, whoever claimed them."""
    rows = await db.all(
        f"SELECT * FROM outbox WHERE {OWED} ORDER BY id LIMIT ?",
        [*_transport(transport), int(limit)],
    )
    return [codec.outbox_from_row(row) for row in rows]


async def owed_upto(db: Db, chat: str, upto: int, limit: int) -> list[OutboxItem]:
    """A chat's owed items with ids up to ``upto``, oldest first, whoever claimed them."""
    rows = await db.all(
        "SELECT * FROM outbox WHERE chat = ? AND id <= ? AND sent_at IS NULL"
        " AND parked_at IS NULL ORDER BY id LIMIT ?",
        (chat, int(upto), int(limit)),
    )
    return [codec.outbox_from_row(row) for row in rows]


async def backlog(db: Db, transport: str) -> tuple[int, datetime | None]:
    """The number of owed items and the oldest one's creation time (for the metrics)."""
    rows = await db.all(
        f"SELECT COUNT(*) AS depth, MIN(created_at) AS oldest FROM outbox WHERE {OWED}",
        _transport(transport),
    )
    return int(rows[0]["depth"]), codec.from_text_or_none(rows[0]["oldest"])


async def last_id(db: Db) -> int:
    """The id of the newest row, 0 when there is none."""
    return int(await db.scalar("SELECT COALESCE(MAX(id), 0) FROM outbox"))


async def parked(db: Db, limit: int, transport: str | None) -> list[OutboxItem]:
    """Unsent items set aside, oldest first."""
    rows = await db.all(
        "SELECT * FROM outbox WHERE sent_at IS NULL AND parked_at IS NOT NULL"
        " AND substr(chat, 1, ?) = ? ORDER BY id LIMIT ?",
        [*_transport(transport), int(limit)],
    )
    return [codec.outbox_from_row(row) for row in rows]


# Each chat's oldest owed rows, replies and reminders counted apart (bot/service/flood.py), so
# one claim sees every chat with something owed rather than the few that own the oldest rows.
WINDOWED = (
    "SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY chat, kind IN ('reminder',"
    " 'follow_up') ORDER BY id) AS place FROM outbox WHERE {where}) AS owed"
    " WHERE place <= ? ORDER BY id LIMIT ?"
)


async def claimable(
    db: Db, owner: str, limit: int, transport: str | None, per_chat: int | None = None
) -> list[OutboxItem]:
    """Owed items nobody or ``owner`` claimed, oldest first (each chat's oldest ``per_chat``)."""
    where = f"{OWED} AND (claimed_by IS NULL OR claimed_by = ?)"
    params = [*_transport(transport), owner]
    if per_chat is None:
        sql = f"SELECT * FROM outbox WHERE {where} ORDER BY id LIMIT ?"
    else:
        sql, params = WINDOWED.format(where=where), [*params, int(per_chat)]
    rows = await db.all(sql, [*params, int(limit)])
    return [codec.outbox_from_row(row) for row in rows]


async def claim(
    db: Db, owner: str, at: datetime, limit: int, transport: str | None, per_chat: int | None = None
) -> list[OutboxItem]:
    """Inside a write transaction: take the claimable items for ``owner`` and return them."""
    found = await claimable(db, owner, limit, transport, per_chat)
    fresh = [item.id for item in found if item.claimed_by != owner]
    await db.executemany(
        "UPDATE outbox SET claimed_by = ?, claimed_at = ? WHERE id = ? AND claimed_by IS NULL",
        [(owner, to_text(at), item_id) for item_id in fresh],
    )
    return [replace(item, claimed_by=owner) for item in found]


async def park(db: Db, item_id: int, at: datetime, reason: str) -> None:
    """Set an item aside with the reason; NotFound if there is no such item."""
    changed = await db.execute(
        "UPDATE outbox SET parked_at = ?, park_reason = ? WHERE id = ?",
        (to_text(at), reason, item_id),
    )
    if changed != 1:
        raise NotFound(item=f"outbox {item_id}")


RELEASE = "UPDATE outbox SET claimed_by = NULL, claimed_at = NULL WHERE sent_at IS NULL"


async def release(db: Db, owners: Collection[str] | None = None) -> int:
    """Forget the claims of ``owners`` (every claim when None) on unsent items; how many."""
    if owners is None:
        return await db.execute(f"{RELEASE} AND claimed_by IS NOT NULL")
    released = 0
    for owner in sorted(set(owners)):
        released += await db.execute(f"{RELEASE} AND claimed_by = ?", (owner,))
    return released


async def claimers(db: Db) -> set[str]:
    """The owners holding claims on unsent items."""
    rows = await db.all(
        "SELECT DISTINCT claimed_by FROM outbox WHERE sent_at IS NULL AND claimed_by IS NOT NULL"
    )
    return {str(row[0]) for row in rows}
