"""A thin aiosqlite wrapper that turns every sqlite3 error into a translated StoreError."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import aiosqlite

from bot.domain.errors import StoreError, StoreUnavailable
from bot.domain.messages import N_
from bot.store.sql import Params

# Primary SQLite result codes (extended codes are masked with 0xFF) -> message keys.
ERROR_KEYS: dict[int, str] = {
    sqlite3.SQLITE_PERM: N_("error.store_unreadable"),
    sqlite3.SQLITE_BUSY: N_("error.store_locked"),
    sqlite3.SQLITE_LOCKED: N_("error.store_locked"),
    sqlite3.SQLITE_READONLY: N_("error.store_readonly"),
    sqlite3.SQLITE_IOERR: N_("error.store_unreadable"),
    sqlite3.SQLITE_CORRUPT: N_("error.store_corrupt"),
    sqlite3.SQLITE_FULL: N_("error.store_full"),
    sqlite3.SQLITE_CANTOPEN: N_("error.store_unreadable"),
    sqlite3.SQLITE_AUTH: N_("error.store_unreadable"),
    sqlite3.SQLITE_NOTADB: N_("error.store_not_database"),
}

# I/O errors while writing (a full or failing disk, a file-size limit) say so, not "unreadable".
WRITE_ERROR_KEYS: dict[int, str] = {
    code: N_("error.store_unwritable")
    for code in (
        sqlite3.SQLITE_IOERR_WRITE,
        sqlite3.SQLITE_IOERR_FSYNC,
        sqlite3.SQLITE_IOERR_DIR_FSYNC,
        sqlite3.SQLITE_IOERR_TRUNCATE,
        sqlite3.SQLITE_IOERR_SHMSIZE,
        sqlite3.SQLITE_IOERR_SHMOPEN,  # a new -shm file is written to as it is opened
    )
}

# Causes that may go away by themselves (a lock released, space freed, permissions restored).
TRANSIENT = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PERM,
    }
)


def translate(exc: sqlite3.Error, path: Path) -> StoreError:
    """The StoreError (StoreUnavailable if it may pass; a key per cause) for a sqlite3 error."""
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return StoreError(N_("error.store"), path=str(path), detail=str(exc))
    key = WRITE_ERROR_KEYS.get(code) or ERROR_KEYS.get(code & 0xFF) or N_("error.store")
    kind = StoreUnavailable if code & 0xFF in TRANSIENT else StoreError
    return kind(key, path=str(path), detail=str(exc))


class SqliteDb:
    """One SQLite connection in autocommit mode; transactions are explicit BEGIN/COMMIT."""

    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.unsettled = False  # a call was cancelled while its statement was still queued

    @classmethod
    async def connect(cls, path: Path, *, busy_timeout: float, read_only: bool) -> SqliteDb:
        """Open ``path`` (read-only through a ``mode=ro`` URI) with a busy timeout in seconds."""
        target = f"{path.resolve().as_uri()}?mode=ro" if read_only else str(path)
        pending = aiosqlite.connect(
            target, timeout=busy_timeout, isolation_level=None, uri=read_only
        )
        try:
            conn = await pending
        except sqlite3.Error as exc:
            # aiosqlite has queued its worker's stop; let it finish while the event loop still
            # runs, or the worker reports to a closed loop later ("Event loop is closed").
            worker = getattr(pending, "_thread", None)
            if worker is not None:
                await asyncio.to_thread(worker.join, 5)
            raise translate(exc, path) from exc
        conn.row_factory = sqlite3.Row
        return cls(conn, path)

    @contextmanager
    def _call(self) -> Iterator[None]:
        """Translate sqlite3 errors; note a call given up half-way (its statement still runs)."""
        try:
            yield
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from exc
        except asyncio.CancelledError:
            # aiosqlite's worker runs the statement anyway, after the caller stopped waiting:
            # the next rollback must be queued behind it rather than judged by in_transaction.
            self.unsettled = True
            raise

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        with self._call():
            async with self.conn.execute(sql, params) as cursor:
                return cursor.rowcount

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; return the new row id."""
        with self._call():
            async with self.conn.execute(sql, params) as cursor:
                rowid = cursor.lastrowid
        if rowid is None:  # pragma: no cover - an INSERT always sets it
            raise StoreError(path=str(self.path), detail="no row id after INSERT")
        return rowid

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement once per parameter row."""
        with self._call():
            async with self.conn.executemany(sql, rows):
                pass

    async def all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Every row of a query."""
        with self._call():
            return list(await self.conn.execute_fetchall(sql, params))

    async def one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        rows = await self.all(sql, params)
        return rows[0] if rows else None

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row of a query (None if there is no row)."""
        row = await self.one(sql, params)
        return None if row is None else row[0]

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open on the connection."""
        return self.conn.in_transaction

    async def rollback_quietly(self) -> None:
        """Roll back if a transaction is (or may be) open, ignoring errors (the cause is raised)."""
        if self.conn.in_transaction or self.unsettled:
            self.unsettled = False
            with suppress(StoreError):
                await self.execute("ROLLBACK")

    async def close(self) -> None:
        """Close the connection and stop its worker thread."""
        try:
            await self.conn.close()
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from exc
