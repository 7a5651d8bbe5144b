"""SqliteStore: the incident store on one SQLite file (WAL, foreign keys, busy timeout)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Collection
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from bot.domain.errors import StoreError
from bot.domain.evidence import Evidence
from bot.domain.incident import Incident, TimelineEvent
from bot.domain.lifecycle import State
from bot.domain.messages import N_
from bot.store import evidence as evidence_rows
from bot.store import outbox, queries, schema, wakeups
from bot.store.db import Db
from bot.store.port import Approval, OutboxItem, Person, Store, Tx
from bot.store.tx import SqliteTx

DEFAULT_BUSY_TIMEOUT = 5.0  # seconds


class SqliteStore:
    """The Store port on SQLite; one connection, transactions serialised by an asyncio.Lock."""

    def __init__(self, db: Db) -> None:
        self._db = db
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None  # the task inside transaction(), if any
        self._closed = False

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        read_only: bool = False,
    ) -> SqliteStore:
        """Open (creating and migrating if needed) the database at ``path``; StoreError if not."""
        path = Path(path)
        db = await Db.connect(path, busy_timeout=busy_timeout, read_only=read_only)
        try:
            await db.execute("PRAGMA foreign_keys = ON")
            if not read_only:
                await db.execute("PRAGMA journal_mode = WAL")
            await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            await schema.migrate(db, read_only=read_only)
        except BaseException:
            await db.close()
            raise
        return cls(db)

    @property
    def path(self) -> Path:
        """The database file."""
        return self._db.path

    async def close(self) -> None:
        """Wait for a running transaction, then close the connection."""
        if self._owner is not None and self._owner is asyncio.current_task():
            raise RuntimeError("close() called inside a transaction")
        async with self._lock:
            self._closed = True
            await self._db.close()

    def _check_open(self) -> None:
        """Refuse use after close() with a StoreError the handlers can show."""
        if self._closed:
            raise StoreError(N_("error.store_closed"), path=str(self.path), detail="closed")

    async def __aenter__(self) -> Self:
        """Use the store as an async context manager that closes it."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the store."""
        await self.close()

    def transaction(self) -> AbstractAsyncContextManager[SqliteTx]:
        """One BEGIN IMMEDIATE transaction: committed on normal exit, rolled back on any error."""
        return self._transaction()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[SqliteTx]:
        """Hold the lock for the whole transaction so no other coroutine interleaves."""
        task = asyncio.current_task()
        if task is not None and self._owner is task:
            raise RuntimeError("transactions do not nest; use the open one")
        async with self._lock:
            self._check_open()
            async with self._begun(task) as tx:
                yield tx

    @asynccontextmanager
    async def _begun(self, task: asyncio.Task[Any] | None) -> AsyncIterator[SqliteTx]:
        """BEGIN IMMEDIATE … COMMIT for ``task``; the caller holds the lock."""
        self._owner = task
        try:
            await self._db.rollback_quietly()  # never inherit a half-finished transaction
            await self._db.execute("BEGIN IMMEDIATE")
            tx = SqliteTx(self._db)
            try:
                yield tx
                await self._db.execute("COMMIT")
            except BaseException:
                await self._db.rollback_quietly()
                raise
            finally:
                tx.end()
        finally:
            self._owner = None

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[Db]:
        """A consistent snapshot for reads; inside the caller's own transaction, that one."""
        if self._owner is not None and self._owner is asyncio.current_task():
            yield self._db
            return
        async with self._lock:
            self._check_open()
            async with self._snapshot() as db:
                yield db

    @asynccontextmanager
    async def _snapshot(self) -> AsyncIterator[Db]:
        """A read transaction; the caller holds the lock."""
        await self._db.rollback_quietly()
        await self._db.execute("BEGIN")
        try:
            yield self._db
        finally:
            await self._db.rollback_quietly()

    async def get_incident(self, incident_id: int) -> Incident | None:
        """The incident with answers, obligations and attachments, or None."""
        async with self._reading() as db:
            return await queries.incident(db, incident_id)

    async def get_by_number(self, number: int) -> Incident | None:
        """The incident numbered #``number``, or None."""
        async with self._reading() as db:
            return await queries.by_number(db, number)

    async def list_incidents(
        self,
        *,
        states: Collection[State] | None = None,
        chat: str | None = None,
        include_drills: bool = True,
    ) -> list[Incident]:
        """Incidents matching every given filter, by number."""
        async with self._reading() as db:
            return await queries.listing(db, states, chat, include_drills)

    async def timeline(self, incident_id: int) -> list[TimelineEvent]:
        """The incident's events, oldest first (ties in insertion order)."""
        async with self._reading() as db:
            return await queries.timeline(db, incident_id)

    async def approvals(self, incident_id: int) -> list[Approval]:
        """The incident's approval decisions, oldest first."""
        async with self._reading() as db:
            return await queries.approvals(db, incident_id)

    async def person(self, key: str) -> Person | None:
        """The person with this key, or None."""
        async with self._reading() as db:
            return await queries.person(db, key)

    async def person_by_username(self, username: str) -> Person | None:
        """The most recently seen person with this username (case-insensitive, '@' optional)."""
        async with self._reading() as db:
            return await queries.person_by_username(db, username)

    async def kv_get(self, namespace: str, key: str) -> Any:
        """The value stored under (namespace, key), or None."""
        async with self._reading() as db:
            return await queries.kv_get(db, namespace, key)

    async def kv_items(self, namespace: str) -> dict[str, Any]:
        """Every key and value of a namespace, by key."""
        async with self._reading() as db:
            return await queries.kv_items(db, namespace)

    async def obligation_content(self, incident_id: int, obligation_id: str) -> str | None:
        """The content submitted for an obligation (e.g. a release draft), or None."""
        async with self._reading() as db:
            return await queries.obligation_content(db, incident_id, obligation_id)

    async def stored_plan(self, digest: str) -> dict[str, Any] | None:
        """The JSON form of the plan kept under ``digest``, or None."""
        async with self._reading() as db:
            return await queries.stored_plan(db, digest)

    async def pending(self, limit: int = 100, transport: str | None = None) -> list[OutboxItem]:
        """Unsent, unparked outbox messages, oldest first (only ``transport`` chats, if given)."""
        async with self._reading() as db:
            return await outbox.pending(db, limit, transport)

    async def backlog(self, transport: str) -> tuple[int, datetime | None]:
        """How many messages ``transport`` owes (unsent, unparked), and when the oldest was made."""
        async with self._reading() as db:
            return await outbox.backlog(db, transport)

    async def parked(self, limit: int = 100, transport: str | None = None) -> list[OutboxItem]:
        """Unsent messages set aside with their reasons, oldest first."""
        async with self._reading() as db:
            return await outbox.parked(db, limit, transport)

    async def claim(
        self, owner: str, at: datetime, limit: int = 50, transport: str | None = None
    ) -> list[OutboxItem]:
        """Atomically take up to ``limit`` unsent, unparked messages for ``owner``, oldest first."""
        task = asyncio.current_task()
        if task is not None and self._owner is task:
            raise RuntimeError("claim() is a transaction of its own; call it outside one")
        async with self._lock:  # one turn, like a read: the look and the claim are not split
            self._check_open()
            async with self._snapshot() as db:  # most looks find nothing new: no write lock
                seen = await outbox.claimable(db, owner, limit, transport)
            if all(item.claimed_by == owner for item in seen):
                return seen
            async with self._begun(task) as tx:
                return await outbox.claim(tx.db, owner, at, limit, transport)

    async def wakeups_due(
        self, now: datetime, *, states: Collection[State], transport: str | None = None
    ) -> list[Incident]:
        """Incidents in ``states`` whose wake-up is at or before ``now`` or not yet known."""
        async with self._reading() as db:
            return await wakeups.due(db, now, states, transport)

    async def next_wakeup(
        self, *, states: Collection[State], transport: str | None = None
    ) -> datetime | None:
        """The earliest recorded wake-up of incidents in ``states``, or None."""
        async with self._reading() as db:
            return await wakeups.earliest(db, states, transport)

    async def evidence(self, incident_id: int) -> list[Evidence]:
        """An incident's files, in the order they arrived."""
        async with self._reading() as db:
            return await evidence_rows.of_incident(db, incident_id)

    async def evidence_owed(self, now: datetime, transport: str, limit: int = 20) -> list[Evidence]:
        """Files of ``transport``'s chats owed a download by ``now``, oldest first."""
        async with self._reading() as db:
            return await evidence_rows.owed(db, now, transport, limit)

    async def next_evidence_try(self, transport: str) -> datetime | None:
        """When ``transport``'s next owed download is due, if any is owed."""
        async with self._reading() as db:
            return await evidence_rows.next_try(db, transport)

    async def kept_bytes(self, incident_id: int) -> int:
        """The bytes an incident's kept files take (each distinct file once)."""
        async with self._reading() as db:
            return await evidence_rows.kept_bytes(db, incident_id)

    async def pragma(self, name: str) -> Any:
        """The value of a PRAGMA on this connection (diagnostics: journal_mode, foreign_keys …)."""
        if not re.fullmatch(r"[a-z_]+", name):
            raise ValueError(f"not a pragma name: {name!r}")
        if self._owner is not None and self._owner is asyncio.current_task():
            return await self._db.scalar(f"PRAGMA {name}")
        async with self._lock:
            self._check_open()
            return await self._db.scalar(f"PRAGMA {name}")


def _conforms(store: SqliteStore, tx: SqliteTx) -> tuple[Store, Tx]:
    """Let mypy check that SqliteStore and SqliteTx implement the port."""
    return store, tx
