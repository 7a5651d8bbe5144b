"""The schema as numbered forward migrations, and the one mechanism that applies them.

``MIGRATIONS[i]`` takes a SQLite database from version ``i`` to ``i + 1``; ``PG_MIGRATIONS[i]``
(bot/store/pgschema.py) does the same for PostgreSQL, so a version means one schema on both.
Never edit a released script: append a new one to both. Each runs in its own transaction
together with the version bump; SQLite counts versions in ``PRAGMA user_version``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from bot.domain.errors import StoreError
from bot.domain.messages import N_
from bot.store.db import SqliteDb

V1 = """
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number INTEGER NOT NULL UNIQUE,
    plan_id TEXT NOT NULL,
    chat TEXT NOT NULL,
    state TEXT NOT NULL,
    reporter TEXT NOT NULL,
    description TEXT NOT NULL,
    level_id TEXT,
    reported_at TEXT NOT NULL,
    graded_at TEXT,
    confirmed_at TEXT,
    stabilised_at TEXT,
    closed_at TEXT,
    followups_sent INTEGER NOT NULL DEFAULT 0,
    last_update_at TEXT,
    is_drill INTEGER NOT NULL DEFAULT 0 CHECK (is_drill IN (0, 1)),
    lang TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    extra TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX incidents_state ON incidents (state);
CREATE INDEX incidents_chat ON incidents (chat);

CREATE TABLE answers (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    question TEXT NOT NULL,
    option TEXT NOT NULL,
    answered_by TEXT,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (incident_id, question)
);

CREATE TABLE attachments (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    name TEXT,
    PRIMARY KEY (incident_id, position)
);

CREATE TABLE obligations (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    obligation_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    owner TEXT NOT NULL,
    due_at TEXT,
    status TEXT NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    met_at TEXT,
    met_by TEXT,
    content TEXT,
    PRIMARY KEY (incident_id, obligation_id)
);

CREATE TABLE approvals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    kind TEXT NOT NULL,
    target TEXT,
    decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT
);
CREATE INDEX approvals_incident ON approvals (incident_id, at);
CREATE TRIGGER approvals_no_update BEFORE UPDATE ON approvals
BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;
CREATE TRIGGER approvals_no_delete BEFORE DELETE ON approvals
BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;

CREATE TABLE people (
    key TEXT PRIMARY KEY,
    username TEXT,
    display_name TEXT,
    lang TEXT,
    seen_at TEXT NOT NULL
);
CREATE INDEX people_username ON people (username COLLATE NOCASE);

CREATE TABLE timeline (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX timeline_incident ON timeline (incident_id, at, id);
CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline
BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;
CREATE TRIGGER timeline_no_delete BEFORE DELETE ON timeline
BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;

CREATE TABLE processed_updates (
    key TEXT PRIMARY KEY,
    at TEXT NOT NULL
);
CREATE INDEX processed_updates_at ON processed_updates (at);

CREATE TABLE kv (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (namespace, key)
);
"""

# The transactional outbox: every message the bot owes a chat is written here in the same
# transaction as the change that causes it, and marked sent once the transport confirms it.
V2 = """
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat TEXT NOT NULL,
    incident_id INTEGER REFERENCES incidents (id),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    sent_at TEXT,
    ref TEXT
);
CREATE INDEX outbox_pending ON outbox (sent_at, id);
"""

# When each incident next needs the clock (see bot/store/wakeups.py): a tick then reads only
# the incidents due, not every live one. Existing incidents start unknown (or never, if over).
V3 = """
CREATE TABLE wakeups (
    incident_id INTEGER PRIMARY KEY REFERENCES incidents (id),
    at TEXT
);
CREATE INDEX wakeups_at ON wakeups (at);
INSERT INTO wakeups (incident_id, at)
SELECT id, CASE WHEN state IN ('closed', 'cancelled', 'abandoned') THEN NULL ELSE '' END
FROM incidents;
"""

# Delivery claims and parking (docs/delivery.md): a sender claims outbox rows before sending
# them, so no row goes out through two senders; a row that cannot be drawn or sent for a reason
# other than the network is parked with the reason instead of being retried forever.
V4 = """
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_at TEXT;
ALTER TABLE outbox ADD COLUMN parked_at TEXT;
ALTER TABLE outbox ADD COLUMN park_reason TEXT;
"""

# The plan each incident was last graded or scheduled with, so an incident keeps the names of
# what a later edit of the plan removes (bot/domain/fitting.py). Snapshots are shared by digest.
# Each obligation remembers the level it was set by, so a task met or dropped before a regrade
# keeps that level's words (levels may word one task id differently).
V5 = """
CREATE TABLE plan_snapshots (
    digest TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL,
    body TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
ALTER TABLE incidents ADD COLUMN plan_digest TEXT REFERENCES plan_snapshots (digest);
ALTER TABLE obligations ADD COLUMN level_id TEXT;
"""

# The evidence archive (bot/service/archive.py): each file attached to a report, a progress
# report or the review, owed a download until it is kept (by its sha256) or recorded as not kept.
V6 = """
CREATE TABLE evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    name TEXT,
    source TEXT NOT NULL,
    actor TEXT,
    at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    digest TEXT,
    size INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try_at TEXT,
    reason TEXT
);
CREATE INDEX evidence_incident ON evidence (incident_id, id);
CREATE INDEX evidence_owed ON evidence (status, next_try_at);
"""

V7 = ""  # PostgreSQL's autovacuum settings for wakeups; SQLite reuses freed pages in place

V8 = ""  # PostgreSQL's notice of kv changes (bot/store/pgkv.py); a SQLite file keeps nothing

MIGRATIONS: tuple[str, ...] = (V1, V2, V3, V4, V5, V6, V7, V8)


def latest_version() -> int:
    """The schema version this code writes."""
    return len(MIGRATIONS)


def statements(script: str) -> list[str]:
    """Split a script into complete statements (trigger bodies stay whole)."""
    found: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            found.append(pending.strip())
            pending = ""
    if pending.strip():
        found.append(pending.strip())
    return found


class Versioned(Protocol):
    """One database's side of the mechanism: its version, and a way to run scripts."""

    @property
    def where(self) -> str:
        """The database as errors name it (a path, or a URL without its password)."""
        ...

    async def version(self) -> int:
        """The version the database records (0 when it is empty)."""
        ...

    def begin(self) -> AbstractAsyncContextManager[None]:
        """A write transaction no other migrator runs alongside: committed on normal exit."""
        ...

    async def run(self, script: str) -> None:
        """Run one migration script inside the open transaction."""
        ...

    async def set_version(self, version: int) -> None:
        """Record ``version`` inside the open transaction."""
        ...


def check_version(where: str, found: int, latest: int, *, read_only: bool) -> None:
    """Refuse a database newer than this code, or an old one that cannot be upgraded."""
    if found > latest:
        raise StoreError(
            N_("error.store_newer"),
            path=where,
            detail=f"schema version {found} > {latest}",
            found=found,
            supported=latest,
        )
    if read_only and found < latest:
        raise StoreError(
            N_("error.store_readonly"),
            path=where,
            detail=f"schema version {found} needs upgrading to {latest}",
        )


async def upgrade(target: Versioned, scripts: Sequence[str], *, read_only: bool) -> int:
    """Apply the missing ``scripts``, each in its own transaction; return the final version."""
    check_version(target.where, await target.version(), len(scripts), read_only=read_only)
    for version, script in enumerate(scripts, start=1):
        if await target.version() >= version:
            continue
        async with target.begin():
            await apply(target, version, script, len(scripts))
    return await target.version()


async def apply(target: Versioned, version: int, script: str, latest: int) -> None:
    """Run one migration inside the open transaction, unless another process just did."""
    current = await target.version()
    check_version(target.where, current, latest, read_only=False)
    if current >= version:
        return
    try:
        await target.run(script)
    except StoreError as exc:
        if exc.key == N_("error.store"):
            detail = exc.params.get("detail", "")
            raise StoreError(
                N_("error.store_migration"), path=target.where, version=version, detail=detail
            ) from exc
        raise
    await target.set_version(version)


class SqliteVersions:
    """The mechanism on SQLite: ``PRAGMA user_version``, BEGIN IMMEDIATE excludes the others."""

    def __init__(self, db: SqliteDb) -> None:
        self.db = db

    @property
    def where(self) -> str:
        """The database file."""
        return str(self.db.path)

    async def version(self) -> int:
        """The version recorded in the database file."""
        return int(await self.db.scalar("PRAGMA user_version"))

    def begin(self) -> AbstractAsyncContextManager[None]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
        return self._begin()

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[None]:
        await self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            await self.db.rollback_quietly()
            raise
        await self.db.execute("COMMIT")

    async def run(self, script: str) -> None:
        """Run the script statement by statement (sqlite3 takes one at a time)."""
        for statement in statements(script):
            await self.db.execute(statement)

    async def set_version(self, version: int) -> None:
        """Set ``PRAGMA user_version``."""
        await self.db.execute(f"PRAGMA user_version = {int(version)}")


async def migrate(db: SqliteDb, *, read_only: bool = False) -> int:
    """Bring a SQLite database to the latest version; return it."""
    return await upgrade(SqliteVersions(db), MIGRATIONS, read_only=read_only)
