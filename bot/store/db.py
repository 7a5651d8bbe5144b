"""One sqlite3 connection that turns every sqlite3 error into a translated StoreError."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path
from typing import Any, TypeVar

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

T = TypeVar("T")
FIRST_PAUSE = 0.001  # seconds before trying a locked database again; doubled each time
MAX_PAUSE = 0.05

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
    """One SQLite connection in autocommit mode; transactions are explicit BEGIN/COMMIT.

    Statements run on the event loop itself: a statement on this small file takes microseconds,
    far less than a hop to a worker thread. SQLite is never left to wait for a lock inside a
    statement (that would stall the loop): a database locked by another connection is tried
    again after an asynchronous pause, until ``busy_timeout`` seconds have passed.
    """

    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection, path: Path, busy_timeout: float) -> None:
        self.conn = conn
        self.path = path
        self.busy_timeout = busy_timeout

    @classmethod
    async def connect(cls, path: Path, *, busy_timeout: float, read_only: bool) -> SqliteDb:
        """Open ``path`` (read-only through a ``mode=ro`` URI) with a busy timeout in seconds."""
        target = f"{path.resolve().as_uri()}?mode=ro" if read_only else str(path)
        try:
            conn = sqlite3.connect(
                target, timeout=0, isolation_level=None, uri=read_only, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise translate(exc, path) from exc
        conn.row_factory = sqlite3.Row
        return cls(conn, path, busy_timeout)

    async def _run(self, work: Callable[[], T]) -> T:
        """``work()``, translating errors; while the database is locked, retried with pauses."""
        deadline: float | None = None
        pause = FIRST_PAUSE
        while True:
            try:
                return work()
            except sqlite3.Error as exc:
                if not _locked(exc):
                    raise translate(exc, self.path) from exc
                now = time.monotonic()
                deadline = now + self.busy_timeout if deadline is None else deadline
                if now >= deadline:
                    raise translate(exc, self.path) from exc
            await asyncio.sleep(min(pause, deadline - now))
            pause = min(pause * 2, MAX_PAUSE)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        return await self._run(lambda: self.conn.execute(sql, params).rowcount)

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; return the new row id."""
        rowid = await self._run(lambda: self.conn.execute(sql, params).lastrowid)
        if rowid is None:  # pragma: no cover - an INSERT always sets it
            raise StoreError(path=str(self.path), detail="no row id after INSERT")
        return rowid

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement once per parameter row."""
        batch = list(rows)  # a retry must see the rows again
        await self._run(lambda: self.conn.executemany(sql, batch))

    async def all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Every row of a query."""
        return await self._run(lambda: self.conn.execute(sql, params).fetchall())

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
        """Roll back if a transaction is open, ignoring errors (the cause is raised)."""
        if self.conn.in_transaction:
            with suppress(StoreError):
                await self.execute("ROLLBACK")

    async def close(self) -> None:
        """Close the connection."""
        try:
            self.conn.close()
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from exc


def _locked(exc: sqlite3.Error) -> bool:
    """Whether another connection holds the lock (worth waiting for)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
