"""One asyncpg connection behind the shared Db protocol: ``?`` placeholders, StoreErrors.

Every driver error becomes a StoreError with a message key; the ones that may pass by
themselves (the server restarting or unreachable, a dropped connection, a serialization
failure, a lock timeout) are StoreUnavailable, as SQLite's busy database is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.domain.errors import StoreError, StoreUnavailable
from bot.domain.messages import N_
from bot.store.sql import Params

_QUOTED_OR_MARK = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?")

# SQLSTATE classes and codes -> (message key, whether it may pass by itself)
_BY_CODE: dict[str, tuple[str, bool]] = {
    "53100": (N_("error.store_full"), True),  # disk full
    "53300": (N_("error.store_unreachable"), True),  # too many connections
    "57P01": (N_("error.store_unreachable"), True),  # admin shutdown
    "57P02": (N_("error.store_unreachable"), True),  # crash shutdown
    "57P03": (N_("error.store_unreachable"), True),  # cannot connect now (starting up)
    "55P03": (N_("error.store_locked"), True),  # lock not available
    "40001": (N_("error.store_locked"), True),  # serialization failure
    "40P01": (N_("error.store_locked"), True),  # deadlock detected
    "25006": (N_("error.store_readonly"), False),  # read-only transaction
    "3D000": (N_("error.store_unreadable"), False),  # no such database
    "42501": (N_("error.store_unreadable"), False),  # insufficient privilege
}
_BY_CLASS: dict[str, tuple[str, bool]] = {
    "08": (N_("error.store_unreachable"), True),  # connection exception
    "28": (N_("error.store_unreadable"), False),  # authentication failed
    "53": (N_("error.store_unreachable"), True),  # insufficient resources
    "58": (N_("error.store_unreachable"), True),  # system error (I/O)
    "XX": (N_("error.store_corrupt"), False),  # internal error, data corrupted
}


def redact(url: str) -> str:
    """The database URL without its password, to show in errors and logs."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "postgresql://…"
    user = f"{parts.username}@" if parts.username else ""
    host = f"[{host}]" if ":" in host else host
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and not pair.startswith("password=")
    )
    where = f"{user}{host}{port}"
    shown = urlunsplit((parts.scheme, where, parts.path, query, ""))
    return shown if where else shown.replace(":", "://", 1)  # urlunsplit drops an empty //


@lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """``sql`` with each ``?`` placeholder (outside quotes) as PostgreSQL's ``$1``, ``$2``, …"""
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group() != "?":
            return match.group()
        count += 1
        return f"${count}"

    return _QUOTED_OR_MARK.sub(number, sql)


def translate(exc: BaseException, where: str) -> StoreError:
    """The StoreError (StoreUnavailable if it may pass) for a driver or network error."""
    detail = str(exc) or type(exc).__name__
    code = getattr(exc, "sqlstate", None)
    if isinstance(code, str):
        key, transient = _BY_CODE.get(code) or _BY_CLASS.get(code[:2], (N_("error.store"), False))
    elif isinstance(exc, OSError | TimeoutError | asyncpg.InterfaceError):
        key, transient = N_("error.store_unreachable"), True  # refused, reset, dropped, timed out
    else:
        key, transient = N_("error.store"), False
    kind = StoreUnavailable if transient else StoreError
    return kind(key, path=where, detail=detail)


FAILURES = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)


def _count(status: str) -> int:
    """Rows changed, from a command status such as ``UPDATE 3`` or ``INSERT 0 1``."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PgDb:
    """One pooled connection, for one transaction or read snapshot."""

    dialect = "postgresql"

    def __init__(self, conn: Any, where: str) -> None:
        self.conn = conn  # asyncpg.Connection or its pool proxy
        self.where = where

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        try:
            return _count(await self.conn.execute(numbered(sql), *params))
        except FAILURES as exc:
            raise translate(exc, self.where) from exc

    async def script(self, sql: str) -> None:
        """Run several ``;``-separated statements without parameters (migrations)."""
        try:
            await self.conn.execute(sql)
        except FAILURES as exc:
            raise translate(exc, self.where) from exc

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; return the new row's id."""
        found = await self.scalar(f"{sql} RETURNING id", params)
        if found is None:  # pragma: no cover - RETURNING always yields the row
            raise StoreError(path=self.where, detail="no id after INSERT")
        return int(found)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement once per parameter row."""
        batch = [tuple(row) for row in rows]
        if not batch:
            return
        try:
            await self.conn.executemany(numbered(sql), batch)
        except FAILURES as exc:
            raise translate(exc, self.where) from exc

    async def all(self, sql: str, params: Params = ()) -> Sequence[Any]:
        """Every row of a query (asyncpg Records: by name or position)."""
        try:
            rows: Sequence[Any] = await self.conn.fetch(numbered(sql), *params)
        except FAILURES as exc:
            raise translate(exc, self.where) from exc
        return rows

    async def one(self, sql: str, params: Params = ()) -> Any:
        """The first row of a query, or None."""
        rows = await self.all(sql, params)
        return rows[0] if rows else None

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row of a query (None if there is no row)."""
        row = await self.one(sql, params)
        return None if row is None else row[0]
