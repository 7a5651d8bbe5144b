"""SqliteStore: the incident store on one SQLite file (WAL, foreign keys, a lock waited for
without stalling the event loop: bot/store/db.py)."""

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
from bot.domain.messages import N_
from bot.store import exact, outbox, riders, schema
from bot.store.db import SqliteDb
from bot.store.port import OutboxItem, Store, Tx
from bot.store.reads import SqlReads
from bot.store.tx import SqlTx

DEFAULT_BUSY_TIMEOUT = 5.0  # seconds


class SqliteStore(SqlReads):
    """The Store port on SQLite; one connection, transactions serialised by an asyncio.Lock."""

    def __init__(self, db: SqliteDb) -> None:
        self._db = db
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None  # the task inside transaction(), if any
        self._closed = False
        self._synchronous = "FULL"  # the connection's setting, changed only when it must

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
        db = await SqliteDb.connect(path, busy_timeout=busy_timeout, read_only=read_only)
        try:
            await db.execute("PRAGMA foreign_keys = ON")
            if not read_only:
                await db.execute("PRAGMA journal_mode = WAL")
                await db.execute("PRAGMA synchronous = FULL")  # each commit on disk before use
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

    def transaction(self, durable: bool = True) -> AbstractAsyncContextManager[SqlTx]:
        """One BEGIN IMMEDIATE transaction: committed on normal exit, rolled back on any error.

        ``durable=False`` commits with ``synchronous = NORMAL``: in WAL mode consistent, but not
        synced until the next durable commit (see the port).
        """
        return self._transaction(durable or riders.waiting())

    @asynccontextmanager
    async def _transaction(self, durable: bool) -> AsyncIterator[SqlTx]:
        """Hold the lock for the whole transaction so no other coroutine interleaves."""
        task = asyncio.current_task()
        if task is not None and self._owner is task:
            raise RuntimeError("transactions do not nest; use the open one")
        async with self._lock, riders.boarding() as board:
            self._check_open()
            with exact.tracking():
                async with self._synced(durable), self._begun(task) as tx:
                    await board(tx)
                    yield tx

    @asynccontextmanager
    async def _synced(self, durable: bool) -> AsyncIterator[None]:
        """Commit on the disk before going on when ``durable``; else without waiting for it.

        The setting is left as the last transaction needed it (every transaction sets its own),
        so runs of bookkeeping commits do not switch it back and forth.
        """
        wanted = "FULL" if durable else "NORMAL"
        if self._synchronous != wanted:
            self._synchronous = "unknown"  # until the statement is known to have worked
            await self._db.execute(f"PRAGMA synchronous = {wanted}")
            self._synchronous = wanted
        yield

    @asynccontextmanager
    async def _begun(self, task: asyncio.Task[Any] | None) -> AsyncIterator[SqlTx]:
        """BEGIN IMMEDIATE … COMMIT for ``task``; the caller holds the lock."""
        self._owner = task
        try:
            await self._db.rollback_quietly()  # never inherit a half-finished transaction
            await self._db.execute("BEGIN IMMEDIATE")
            tx = SqlTx(self._db)
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
    async def _reading(self) -> AsyncIterator[SqliteDb]:
        """A consistent snapshot for reads; inside the caller's own transaction, that one."""
        if self._owner is not None and self._owner is asyncio.current_task():
            yield self._db
            return
        async with self._lock:
            self._check_open()
            async with self._snapshot() as db:
                yield db

    async def keep(self, namespaces: Collection[str]) -> None:
        """Keep nothing: another process on the file (a drill) would change them unheard, and
        finding out costs as much as the read — a few microseconds on the event loop."""

    @asynccontextmanager
    async def _statement(self) -> AsyncIterator[SqliteDb]:
        """One statement outside a transaction reads one consistent state by itself."""
        if self._owner is not None and self._owner is asyncio.current_task():
            yield self._db
            return
        async with self._lock:
            self._check_open()
            await self._db.rollback_quietly()
            yield self._db

    @asynccontextmanager
    async def _snapshot(self) -> AsyncIterator[SqliteDb]:
        """A read transaction; the caller holds the lock."""
        await self._db.rollback_quietly()
        await self._db.execute("BEGIN")
        try:
            yield self._db
        finally:
            await self._db.rollback_quietly()

    async def claim(
        self,
        owner: str,
        at: datetime,
        limit: int = 50,
        transport: str | None = None,
        per_chat: int | None = None,
    ) -> list[OutboxItem]:
        """Atomically take up to ``limit`` unsent, unparked messages for ``owner``, oldest first."""
        task = asyncio.current_task()
        if task is not None and self._owner is task:
            raise RuntimeError("claim() is a transaction of its own; call it outside one")
        async with self._lock:  # one turn, like a read: the look and the claim are not split
            self._check_open()
            async with self._snapshot() as db:  # most looks find nothing new: no write lock
                seen = await outbox.claimable(db, owner, limit, transport, per_chat)
            if all(item.claimed_by == owner for item in seen):
                return seen
            async with self._begun(task) as tx:
                return await outbox.claim(tx.db, owner, at, limit, transport, per_chat)

    async def pragma(self, name: str) -> Any:
        """The value of a PRAGMA on this connection (diagnostics: journal_mode, foreign_keys …)."""
        if not re.fullmatch(r"[a-z_]+", name):
            raise ValueError(f"not a pragma name: {name!r}")
        if self._owner is not None and self._owner is asyncio.current_task():
            return await self._db.scalar(f"PRAGMA {name}")
        async with self._lock:
            self._check_open()
            return await self._db.scalar(f"PRAGMA {name}")


def _conforms(store: SqliteStore, tx: SqlTx) -> tuple[Store, Tx]:
    """Let mypy check that SqliteStore and SqlTx implement the port."""
    return store, tx
