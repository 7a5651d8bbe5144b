"""When each incident next needs the clock, so a tick reads only the incidents that are due.

A row per incident: ``at`` is the next moment something falls due, NULL when nothing ever
will, and ``UNKNOWN`` ('' sorts before every time, so it counts as due) after any write that
may change it. The store forgets on every write; only the clock's tick works the time out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from bot.domain.incident import Incident
from bot.domain.lifecycle import FINAL_STATES, State
from bot.store import queries
from bot.store.codec import from_text, to_text, to_text_or_none
from bot.store.sql import Db

UNKNOWN = ""
# min(): both engines read it off the end of the wakeups_at index, however stale the planner's
# statistics (``WHERE at = '' LIMIT 1`` on a table they say is all unknown is planned as a
# sequential scan, and reads it all); '' sorts first, so it is the minimum when any is unknown
PROBE = "SELECT min(at) FROM wakeups"
UPSERT = (
    "INSERT INTO wakeups (incident_id, at) VALUES (?, ?)"
    " ON CONFLICT (incident_id) DO UPDATE SET at = excluded.at"
)


async def record(db: Db, times: Mapping[int, datetime | None]) -> None:
    """Keep incidents' next wake-up times, by incident id (None: nothing will fall due)."""
    await db.executemany(UPSERT, [(key, to_text_or_none(at)) for key, at in times.items()])


async def forget(db: Db, incident_id: int, state: State | None = None) -> None:
    """The incident changed: its wake-up must be worked out again (never, once it is over)."""
    final = state is not None and State(state) in FINAL_STATES
    await _put(db, incident_id, None if final else UNKNOWN)


async def _put(db: Db, incident_id: int, at: str | None) -> None:
    await db.execute(UPSERT, (incident_id, at))


def _filters(
    states: Collection[State], transport: str | None, column: str = "state"
) -> tuple[str, list[Any]]:
    """The WHERE clause for incidents in ``states`` of ``transport``'s chats."""
    wanted = sorted({State(state).value for state in states})
    prefix = "" if transport is None else f"{transport}:"
    where = f"{column} IN {queries.placeholders(len(wanted))} AND substr(chat, 1, ?) = ?"
    return where, [*wanted, len(prefix), prefix]


async def due(
    db: Db, now: datetime, states: Collection[State], transport: str | None, limit: int | None
) -> list[Incident]:
    """Incidents due by ``now`` (earliest first), then those with an unknown wake-up."""
    if not states:
        return []
    timed = await _due_ids(
        db, "wakeups.at > ? AND wakeups.at <= ?", [UNKNOWN, to_text(now)], states, transport, limit
    )
    left = None if limit is None else limit - len(timed)
    unknown = []
    # probe first: the join's plan can read every live incident when the planner's statistics
    # still say most wake-ups are unknown (a bulk import); a probe stops at the first entry
    if left != 0 and await db.scalar(PROBE) == UNKNOWN:
        unknown = await _due_ids(db, "wakeups.at = ?", [UNKNOWN], states, transport, left)
    return await queries.incidents_by_ids(db, timed + unknown)


async def _due_ids(
    db: Db,
    when: str,
    bounds: list[Any],
    states: Collection[State],
    transport: str | None,
    limit: int | None,
) -> list[int]:
    """Ids of incidents in ``states`` whose wake-up matches ``when``, by time then id."""
    where, params = _filters(states, transport)
    rows = await db.all(
        # CROSS JOIN: walk wake-ups in time order and stop after ``limit`` matches. A reminder
        # that is due goes before wake-ups still to work out (after a bulk import or an
        # upgrade there can be many), and the range starts past the unknown ones' index entries
        "SELECT wakeups.incident_id FROM wakeups CROSS JOIN incidents"
        f" WHERE incidents.id = wakeups.incident_id AND {when} AND {where}"
        " ORDER BY wakeups.at, wakeups.incident_id" + ("" if limit is None else " LIMIT ?"),
        [*bounds, *params, *([] if limit is None else [int(limit)])],
    )
    return [int(row[0]) for row in rows]


async def after(
    db: Db, incident_id: int, states: Collection[State], transport: str | None, limit: int
) -> list[Incident]:
    """Up to ``limit`` incidents with an id above ``incident_id``, by id (a page of a walk)."""
    if not states:
        return []
    # an expression, not the column: the state index would collect and sort every live
    # incident after ``incident_id``; walking the primary key stops at ``limit``
    where, params = _filters(states, transport, column="(state || '')")
    rows = await db.all(
        f"SELECT id FROM incidents WHERE id > ? AND {where} ORDER BY id LIMIT ?",
        [int(incident_id), *params, int(limit)],
    )
    return await queries.incidents_by_ids(db, [row[0] for row in rows])


async def earliest(db: Db, states: Collection[State], transport: str | None) -> datetime | None:
    """The first known wake-up among those incidents, or None."""
    if not states:
        return None
    where, params = _filters(states, transport)
    text = await db.scalar(
        # CROSS JOIN: walk wake-ups in time order and stop at the first match, rather than
        # read every live incident and sort
        "SELECT wakeups.at FROM wakeups CROSS JOIN incidents"
        f" WHERE incidents.id = wakeups.incident_id AND wakeups.at > ? AND {where}"
        " ORDER BY wakeups.at LIMIT 1",
        [UNKNOWN, *params],
    )
    return None if text is None else from_text(str(text))
