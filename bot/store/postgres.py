"""PgStore: the incident store on a PostgreSQL database, through an asyncpg connection pool.

Writers take one advisory lock per transaction (``pgschema.WRITER``), so writes are serialised
across every process on the database as SQLite's BEGIN IMMEDIATE serialises them on a file;
reads run in REPEATABLE READ snapshots on any pooled connection and never wait for writers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from datetime import datetime
from types import TracebackType
from typing import Any, Self

import asyncpg

from bot.domain.errors import StoreError
from bot.domain.messages import N_
from bot.store import exact, outbox, pgschema, queries, riders, schema
from bot.store.pgdb import FAILURES, PgDb, redact, translate
from bot.store.pgkv import KvListener
from bot.store.pgschema import WRITER, PgVersions
from bot.store.port import OutboxItem, Store, Tx
from bot.store.reads import SqlReads
from bot.store.tx import SqlTx

POOL_SIZE = 10
CONNECT_TIMEOUT = 10.0  # seconds to reach the server before StoreUnavailable
SNAPSHOT = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
BEGIN_WRITER = f"BEGIN; SELECT pg_advisory_xact_lock({WRITER[0]}, {WRITER[1]})"
NOT_DURABLE = "SET LOCAL synchronous_commit TO OFF"


class PgStore(SqlReads):
    """The Store port on PostgreSQL; concurrent transactions, one writer at a time."""

    def __init__(self, pool: Any, where: str, url: str) -> None:
        self._pool = pool
        self.where = where  # the URL without its password
        self._kv = KvListener(url)  # namespaces kept in memory (none until keep())
        self._owners: dict[asyncio.Task[Any] | None, PgDb] = {}  # tasks inside transaction()
        self._closed = False

    @classmethod
    async def open(
        cls, url: str, *, read_only: bool = False, pool_size: int = POOL_SIZE
    ) -> PgStore:
        """Connect to ``url`` and bring its schema up to date; StoreError if it cannot."""
        where = redact(url)
        server = {"application_name": "yuqing-bot"}
        if read_only:
            server["default_transaction_read_only"] = "on"
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=0,
                max_size=pool_size,
                timeout=CONNECT_TIMEOUT,
                server_settings=server,
                reset=_keep,
            )
        except FAILURES as exc:
            raise translate(exc, where) from exc
        except ValueError as exc:  # a URL asyncpg cannot parse
            raise StoreError(N_("error.store_url"), path=where, detail=str(exc)) from exc
        store = cls(pool, where, url)
        try:
            async with store._connection() as db:
                await schema.upgrade(PgVersions(db), pgschema.PG_MIGRATIONS, read_only=read_only)
                if not read_only:
                    await pgschema.analyze_stale(db)
        except BaseException:
            await store.close()
            raise
        return store

    async def close(self) -> None:
        """Wait for running transactions, then close every connection (idempotent)."""
        if asyncio.current_task() in self._owners:
            raise RuntimeError("close() called inside a transaction")
        if self._closed:
            return
        self._closed = True
        await self._kv.close()
        try:
            await self._pool.close()
        except FAILURES:
            self._pool.terminate()  # the server is gone: nothing left to close politely

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

    def _check_open(self) -> None:
        """Refuse use after close() with a StoreError the handlers can show."""
        if self._closed:
            raise StoreError(N_("error.store_closed"), path=self.where, detail="closed")

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[PgDb]:
        """A pooled connection; one a call was cancelled on is dropped, not handed out again."""
        try:
            conn = await self._pool.acquire()
        except FAILURES as exc:
            raise translate(exc, self.where) from exc
        try:
            yield PgDb(conn, self.where)
        except asyncio.CancelledError:
            _drop(conn)  # a statement may still be running on it
            raise
        finally:
            with suppress(*FAILURES):
                await self._pool.release(conn)

    @asynccontextmanager
    async def _session(self, begin: str) -> AsyncIterator[PgDb]:
        """``begin`` (statements without parameters, sent in one round trip) … COMMIT on a
        pooled connection of the calling task's own."""
        self._check_open()
        async with self._connection() as db:
            try:
                await db.script(begin)
                yield db
                await db.execute("COMMIT")
            except Exception:
                try:
                    await db.execute("ROLLBACK")
                except StoreError:
                    _drop(db.conn)  # the connection is gone or broken: a new one next time
                raise

    def transaction(self, durable: bool = True) -> AbstractAsyncContextManager[SqlTx]:
        """One serialised write transaction: committed on normal exit, rolled back on error.

        ``durable=False``: ``synchronous_commit`` off for it (see the port).
        """
        return self._transaction(durable or riders.waiting())

    @asynccontextmanager
    async def _transaction(self, durable: bool) -> AsyncIterator[SqlTx]:
        task = asyncio.current_task()
        if task in self._owners:
            raise RuntimeError("transactions do not nest; use the open one")
        with exact.tracking():
            begin = BEGIN_WRITER if durable else f"{BEGIN_WRITER}; {NOT_DURABLE}"
            async with riders.boarding() as board, self._session(begin) as db:
                tx = SqlTx(db)
                self._owners[task] = db
                try:
                    await board(tx)
                    yield tx
                finally:
                    tx.end()
                    del self._owners[task]
            if tx.kv_written:  # committed: this process reads its own writes at once
                self._kv.cache.drop(tx.kv_written)

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[PgDb]:
        """A read-only snapshot; inside the caller's own transaction, that one."""
        own = self._owners.get(asyncio.current_task())
        if own is not None:
            yield own
            return
        async with self._session(SNAPSHOT) as db:
            yield db

    async def keep(self, namespaces: Collection[str]) -> None:
        """Answer reads of these namespaces from memory while changes to them are heard
        (bot/store/pgkv.py)."""
        self._check_open()
        await self._kv.keep(namespaces)

    async def _kept(self, namespace: str) -> Mapping[str, str] | None:
        """The namespace's texts from memory (read whole when missing), if it is kept and
        memory may answer; inside the caller's transaction, never (it reads its own writes)."""
        kv = self._kv
        if namespace not in kv.cache.kept or asyncio.current_task() in self._owners:
            return None
        if not kv.usable():
            return None
        found = kv.cache.get(namespace)
        if found is None:
            generation = kv.cache.generation
            async with self._statement() as db:
                found = await queries.kv_texts(db, namespace)
            kv.cache.fill(namespace, found, generation)
        return found

    @asynccontextmanager
    async def _statement(self) -> AsyncIterator[PgDb]:
        """One statement outside a transaction reads one consistent state by itself: no
        BEGIN and COMMIT, two round trips fewer."""
        own = self._owners.get(asyncio.current_task())
        if own is not None:
            yield own
            return
        self._check_open()
        async with self._connection() as db:
            yield db

    async def claim(
        self,
        owner: str,
        at: datetime,
        limit: int = 50,
        transport: str | None = None,
        per_chat: int | None = None,
    ) -> list[OutboxItem]:
        """Atomically take up to ``limit`` unsent, unparked messages for ``owner``, oldest first."""
        if asyncio.current_task() in self._owners:
            raise RuntimeError("claim() is a transaction of its own; call it outside one")
        async with self._reading() as db:  # most looks find nothing new: no writer lock
            seen = await outbox.claimable(db, owner, limit, transport, per_chat)
        if all(item.claimed_by == owner for item in seen):
            return seen
        async with self.transaction() as tx:
            return await outbox.claim(tx.db, owner, at, limit, transport, per_chat)


async def _keep(conn: Any) -> None:
    """Nothing to reset when a connection goes back to the pool: it keeps no session state
    (locks and settings are its transaction's, and asyncpg rolls back one left open), so
    asyncpg's default reset query would be a round trip for nothing on every use."""


def _drop(conn: Any) -> None:
    """Close a connection at once, unless the pool already took it back (it was lost)."""
    with suppress(*FAILURES):
        conn.terminate()


def _conforms(store: PgStore, tx: SqlTx) -> tuple[Store, Tx]:
    """Let mypy check that PgStore and SqlTx implement the port."""
    return store, tx
