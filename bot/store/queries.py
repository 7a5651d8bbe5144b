"""Read queries shared by the store (outside transactions) and its transactions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.incident import Attachment, Incident, TimelineEvent
from bot.domain.lifecycle import State
from bot.domain.obligations import ObligationState
from bot.store import codec
from bot.store.port import Approval, Person
from bot.store.sql import Db, Params, Row


async def incidents_where(db: Db, where: str = "1 = 1", params: Params = ()) -> list[Incident]:
    """Fully populated incidents matching a WHERE clause, by number (four queries in all)."""
    rows = await db.all(f"SELECT * FROM incidents WHERE {where} ORDER BY number", params)
    if not rows:
        return []
    scope = Scope(f"SELECT id FROM incidents WHERE {where}", params)
    answers = await _answers(db, scope)
    obligations = await _obligations(db, scope)
    attachments = await _attachments(db, scope)
    return [
        codec.incident_from_row(
            row, answers[row["id"]], obligations[row["id"]], attachments[row["id"]]
        )
        for row in rows
    ]


async def incidents_by_ids(db: Db, ids: Sequence[int]) -> list[Incident]:
    """Fully populated incidents by id, in the order of ``ids`` (absent ones left out)."""
    if not ids:
        return []
    found = await incidents_where(db, f"id IN {placeholders(len(ids))}", list(ids))
    by_id = {incident.id: incident for incident in found}
    return [by_id[key] for key in ids if key in by_id]


@dataclass(frozen=True)
class Scope:
    """A subquery selecting incident ids, with its parameters."""

    select: str
    params: Params


def placeholders(count: int) -> str:
    """A ``(?, ?, …)`` list of ``count`` placeholders."""
    return "(" + ", ".join("?" * count) + ")"


async def _children(db: Db, table: str, scope: Scope, order: str) -> list[Row]:
    """Rows of a child table for the incidents in ``scope``, in ``order``."""
    sql = f"SELECT * FROM {table} WHERE incident_id IN ({scope.select}) ORDER BY {order}"
    return list(await db.all(sql, scope.params))


async def _answers(db: Db, scope: Scope) -> dict[int, dict[str, str]]:
    """Answers per incident, in the order they were given."""
    found: dict[int, dict[str, str]] = defaultdict(dict)
    for row in await _children(db, "answers", scope, "answered_at, question"):
        found[row["incident_id"]][row["question"]] = row["option"]
    return found


async def _obligations(db: Db, scope: Scope) -> dict[int, list[ObligationState]]:
    """Obligation states per incident, in the order they were first saved."""
    found: dict[int, list[ObligationState]] = defaultdict(list)
    for row in await _children(db, "obligations", scope, "position, obligation_id"):
        found[row["incident_id"]].append(codec.obligation_from_row(row))
    return found


async def _attachments(db: Db, scope: Scope) -> dict[int, list[Attachment]]:
    """Attachments per incident, in the order they were given."""
    found: dict[int, list[Attachment]] = defaultdict(list)
    for row in await _children(db, "attachments", scope, "position"):
        found[row["incident_id"]].append(codec.attachment_from_row(row))
    return found


async def incident(db: Db, incident_id: int) -> Incident | None:
    """One incident by id, or None."""
    found = await incidents_where(db, "id = ?", (incident_id,))
    return found[0] if found else None


async def by_number(db: Db, number: int) -> Incident | None:
    """One incident by its #number, or None."""
    found = await incidents_where(db, "number = ?", (number,))
    return found[0] if found else None


async def listing(
    db: Db, states: Collection[State] | None, chat: str | None, include_drills: bool
) -> list[Incident]:
    """Incidents matching every given filter."""
    clauses: list[str] = []
    params: list[Any] = []
    if states is not None:
        wanted = sorted({State(state).value for state in states})
        if not wanted:
            return []
        clauses.append(f"state IN {placeholders(len(wanted))}")
        params.extend(wanted)
    if chat is not None:
        clauses.append("chat = ?")
        params.append(chat)
    if not include_drills:
        clauses.append("is_drill = 0")
    return await incidents_where(db, " AND ".join(clauses) or "1 = 1", params)


async def timeline(db: Db, incident_id: int) -> list[TimelineEvent]:
    """An incident's events, oldest first, ties in insertion order."""
    rows = await db.all(
        "SELECT * FROM timeline WHERE incident_id = ? ORDER BY at, id", (incident_id,)
    )
    return [codec.event_from_row(row) for row in rows]


async def approvals(db: Db, incident_id: int) -> list[Approval]:
    """An incident's approval decisions, oldest first."""
    rows = await db.all(
        "SELECT * FROM approvals WHERE incident_id = ? ORDER BY at, id", (incident_id,)
    )
    return [codec.approval_from_row(row) for row in rows]


async def person(db: Db, key: str) -> Person | None:
    """One person by key, or None."""
    row = await db.one("SELECT * FROM people WHERE key = ?", (key,))
    return None if row is None else codec.person_from_row(row)


async def person_by_username(db: Db, username: str) -> Person | None:
    """The most recently seen person with this username, ignoring case and a leading '@'."""
    name = codec.username_key(username)
    if name is None:
        return None
    row = await db.one(
        # lower() folds ASCII like SQLite's NOCASE did; usernames are ASCII
        "SELECT * FROM people WHERE lower(username) = lower(?) ORDER BY seen_at DESC LIMIT 1",
        (name,),
    )
    return None if row is None else codec.person_from_row(row)


async def update_seen(db: Db, key: str) -> bool:
    """Whether the update ``key`` is marked processed."""
    return await db.scalar("SELECT 1 FROM processed_updates WHERE key = ?", (key,)) is not None


async def kv_texts(db: Db, namespace: str) -> dict[str, str]:
    """Every key of a namespace with its value's stored JSON text, by key."""
    rows = await db.all("SELECT key, value FROM kv WHERE namespace = ? ORDER BY key", (namespace,))
    return {str(row[0]): str(row[1]) for row in rows}


async def kv_get(db: Db, namespace: str, key: str) -> Any:
    """One stored value, or None."""
    text = await db.scalar("SELECT value FROM kv WHERE namespace = ? AND key = ?", (namespace, key))
    return None if text is None else codec.from_json(text)


async def obligation_content(db: Db, incident_id: int, obligation_id: str) -> str | None:
    """The content submitted for an obligation, or None."""
    text = await db.scalar(
        "SELECT content FROM obligations WHERE incident_id = ? AND obligation_id = ?",
        (incident_id, obligation_id),
    )
    return None if text is None else str(text)


async def stored_plan(db: Db, digest: str) -> dict[str, Any] | None:
    """A kept plan's JSON form, or None."""
    text = await db.scalar("SELECT body FROM plan_snapshots WHERE digest = ?", (digest,))
    found = None if text is None else codec.from_json(text)
    return found if isinstance(found, dict) else None
