"""The leader lease on PostgreSQL: a session-level advisory lock on a connection of its own.

The process whose lease connection holds ``LEADER`` leads (bot.leadership); the server frees
the lock the moment that session ends — the process killed, its connection closed, or, for a
host that vanished, after the TCP keepalive below gives up. Every process also holds
``(ALIVE, token)`` while it lives, so the leader can tell which claimers are gone. Followers
tell the leader of their changes by NOTIFY on ``CHANNEL``, which the lease connection LISTENs to.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from contextlib import suppress
from typing import Any

import asyncpg

from bot.domain.errors import StoreError
from bot.service.owners import token_of
from bot.store.pgdb import FAILURES, redact, translate

log = logging.getLogger(__name__)

LEADER = (0x79717967, 2)  # distinct from pgschema.WRITER (0x79717967, 1), the per-write lock
ALIVE = 0x79717968  # (ALIVE, token): held by each running process on its lease connection
CHANNEL = "yuqing_changed"
CONNECT_TIMEOUT = 5.0  # seconds to reach the server for the lease
CHECK_EVERY = 1.0  # seconds between two checks that the leader's lease connection still works
CHECK_TIMEOUT = 2.0  # a check unanswered this long: the lease is given up at once
# The server ends a silent peer's session after 4 s idle and 3 unanswered probes 1 s apart (or
# 7 s of unacknowledged data): later than the leader's own check gives up (CHECK_EVERY +
# CHECK_TIMEOUT), so a cut-off leader stops before anyone else can take over.
KEEPALIVE = {
    "tcp_keepalives_idle": "4",
    "tcp_keepalives_interval": "1",
    "tcp_keepalives_count": "3",
    "tcp_user_timeout": "7000",
}
# the second keys of the granted two-key advisory locks on this database with first key $1
HOLDERS = (
    "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objsubid = 2"
    " AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


class PgLease:
    """One process's lease connection: try to lead, hold, notify and listen."""

    shared = True

    def __init__(self, url: str, token: int) -> None:
        self.url, self.token = url, token
        self.held = False
        self._conn: Any = None
        self._use = asyncio.Lock()  # asyncpg runs one operation at a time per connection
        self._lost = asyncio.Event()
        self._heard: list[Callable[[], None]] = []

    async def take(self) -> bool:
        """Try to become the leader now; False if another process leads or the server is away."""
        if self.held:
            return True
        try:
            async with self._use, asyncio.timeout(CONNECT_TIMEOUT + CHECK_TIMEOUT):
                conn = await self._connection()
                got = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", *LEADER))
        except FAILURES as exc:
            log.debug("the lease could not be tried: %s", exc)
            self._drop()
            return False
        if got:
            self.held = True
            self._lost.clear()
        return got

    async def kept(self, seconds: float) -> bool:
        """Hold the lease for up to ``seconds``, checking it; False as soon as it is lost."""
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while self.held and loop.time() < until:
            with suppress(TimeoutError):
                async with asyncio.timeout(min(CHECK_EVERY, max(until - loop.time(), 0))):
                    await self._lost.wait()
            if self._lost.is_set() or not await self._check():
                self.held = False
                self._drop()
        return self.held

    async def _check(self) -> bool:
        """Whether the lease connection still answers (within CHECK_TIMEOUT)."""
        try:
            async with asyncio.timeout(CHECK_TIMEOUT), self._use:
                if self._conn is None:
                    return False
                await self._conn.fetchval("SELECT 1")
        except FAILURES:
            return False
        return True

    async def leader_alive(self) -> bool:
        """Whether some process leads (this one, or a session holding the lease)."""
        if self.held:
            return True
        return any(int(row[0]) == LEADER[1] for row in await self._query(HOLDERS, LEADER[0]))

    async def gone(self, owners: Collection[str]) -> set[str]:
        """Those of ``owners`` whose process no longer runs (holds no ALIVE lock)."""
        if not owners:
            return set()
        alive = {int(row[0]) for row in await self._query(HOLDERS, ALIVE)}
        return {owner for owner in owners if token_of(owner) not in alive}

    def listen(self, heard: Callable[[], None]) -> None:
        """Call ``heard`` on each NOTIFY on CHANNEL (before the first use of the lease)."""
        self._heard.append(heard)

    async def notify(self) -> None:
        """Tell the leader something changed (lost if the server is away: it looks anyway)."""
        with suppress(StoreError):
            await self._query("SELECT pg_notify($1, '')", CHANNEL)

    async def close(self) -> None:
        """Give up the lease and close its connection."""
        conn, self._conn, self.held = self._conn, None, False
        if conn is not None:
            with suppress(*FAILURES):
                async with asyncio.timeout(CHECK_TIMEOUT):
                    await conn.close()
            conn.terminate()

    async def _query(self, sql: str, *args: Any) -> list[Any]:
        """Rows of a query on the lease connection; StoreUnavailable if the server is away."""
        try:
            async with self._use, asyncio.timeout(CONNECT_TIMEOUT + CHECK_TIMEOUT):
                conn = await self._connection()
                rows: list[Any] = await conn.fetch(sql, *args)
                return rows
        except FAILURES as exc:
            if not isinstance(exc, asyncpg.PostgresError):  # the connection itself failed
                self._drop()
            raise translate(exc, redact(self.url)) from exc

    async def _connection(self) -> Any:
        """The lease connection, opened (holding this process's ALIVE lock) if it is not."""
        if self._conn is not None and not self._conn.is_closed():
            return self._conn
        self._drop()
        settings = {"application_name": "yuqing-bot lease", **KEEPALIVE}
        conn = await asyncpg.connect(self.url, timeout=CONNECT_TIMEOUT, server_settings=settings)
        try:
            await conn.execute("SELECT pg_try_advisory_lock($1, $2)", ALIVE, self.token)
            conn.add_termination_listener(self._terminated)
            if self._heard:
                await conn.add_listener(CHANNEL, self._notified)
        except BaseException:
            conn.terminate()
            raise
        self._conn = conn
        return conn

    def _terminated(self, conn: Any) -> None:
        if conn is self._conn:
            self._lost.set()

    def _notified(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        for heard in self._heard:
            heard()

    def _drop(self) -> None:
        """Forget the lease connection (closing it at once); the lease is not held any more."""
        conn, self._conn = self._conn, None
        if conn is not None:
            self._lost.set()
            conn.terminate()
        self.held = False
