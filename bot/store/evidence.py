"""The evidence table: files attached to incidents, owed a download until kept or given up."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.evidence import Evidence, Kept
from bot.domain.incident import Attachment
from bot.store.codec import from_text, from_text_or_none, to_text, to_text_or_none
from bot.store.port import NotFound
from bot.store.sql import Db, Row

_SELECT = "SELECT e.*, i.chat FROM evidence e JOIN incidents i ON i.id = e.incident_id"
# The columns set_evidence may change, each with its encoder.
_FIELDS: dict[str, Any] = {
    "status": lambda status: Kept(status).value,
    "digest": lambda value: value,
    "size": lambda value: None if value is None else int(value),
    "attempts": int,
    "next_try_at": to_text_or_none,
    "reason": lambda value: value,
}


def _row(row: Row) -> Evidence:
    return Evidence(
        id=row["id"],
        incident_id=row["incident_id"],
        chat=row["chat"],
        kind=row["kind"],
        ref=row["ref"],
        name=row["name"],
        source=row["source"],
        actor=row["actor"],
        at=from_text(row["at"]),
        status=Kept(row["status"]),
        digest=row["digest"],
        size=row["size"],
        attempts=row["attempts"],
        next_try_at=from_text_or_none(row["next_try_at"]),
        reason=row["reason"],
    )


def _prefix(transport: str) -> tuple[int, str]:
    """The parameters of ``substr(chat, 1, ?) = ?`` for ``transport``'s chats."""
    prefix = f"{transport}:"
    return len(prefix), prefix


async def add(
    db: Db,
    incident_id: int,
    files: Sequence[Attachment],
    source: str,
    actor: str | None,
    at: datetime,
) -> list[int]:
    """Owe a download of each file; their ids."""
    found = []
    for file in files:
        found.append(
            await db.insert(
                "INSERT INTO evidence (incident_id, kind, ref, name, source, actor, at,"
                " next_try_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (incident_id, file.kind, file.value, file.name, source, actor, *[to_text(at)] * 2),
            )
        )
    return found


async def update(db: Db, evidence_id: int, fields: dict[str, Any]) -> None:
    """Change the given columns of one row; NotFound if it is absent."""
    unknown = sorted(set(fields) - set(_FIELDS))
    if unknown:
        raise TypeError(f"set_evidence() cannot change {', '.join(unknown)}")
    names = list(fields)
    assignments = ", ".join(f"{name} = ?" for name in names)
    values = [_FIELDS[name](fields[name]) for name in names]
    changed = await db.execute(
        f"UPDATE evidence SET {assignments} WHERE id = ?", (*values, evidence_id)
    )
    if changed != 1:
        raise NotFound(item=f"evidence {evidence_id}")


async def of_incident(db: Db, incident_id: int) -> list[Evidence]:
    """An incident's files in the order they arrived."""
    rows = await db.all(f"{_SELECT} WHERE e.incident_id = ? ORDER BY e.id", (incident_id,))
    return [_row(row) for row in rows]


async def owed(db: Db, now: datetime, transport: str, limit: int) -> list[Evidence]:
    """Files of ``transport``'s chats owed a download by ``now``, oldest first."""
    rows = await db.all(
        f"{_SELECT} WHERE e.status = 'pending' AND e.next_try_at <= ?"
        " AND substr(i.chat, 1, ?) = ? ORDER BY e.next_try_at, e.id LIMIT ?",
        (to_text(now), *_prefix(transport), limit),
    )
    return [_row(row) for row in rows]


async def next_try(db: Db, transport: str) -> datetime | None:
    """When ``transport``'s next owed download is due, if any is owed."""
    value = await db.scalar(
        "SELECT MIN(e.next_try_at) FROM evidence e JOIN incidents i ON i.id = e.incident_id"
        " WHERE e.status = 'pending' AND substr(i.chat, 1, ?) = ?",
        _prefix(transport),
    )
    return from_text_or_none(value)


async def kept_bytes(db: Db, incident_id: int) -> int:
    """The bytes of an incident's kept files (each digest once)."""
    value = await db.scalar(
        "SELECT COALESCE(SUM(size), 0) FROM (SELECT DISTINCT digest, size FROM evidence"
        " WHERE incident_id = ? AND status = 'kept') AS kept",
        (incident_id,),
    )
    return int(value)
