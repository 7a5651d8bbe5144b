"""Kept key-value namespaces on PostgreSQL: answered from memory, forgotten on NOTIFY.

A few namespaces are read on every update and seldom written: a chat's language, who left a
group, the groups the bot is out of. Each read is a round trip to the server; a process that
keeps them (``PgStore.keep``) reads each namespace whole once and answers from memory until
it changes. Its own commits forget what they wrote at once (bot/store/postgres.py); every
other process's are heard on a connection of this one's own, LISTENing on ``CHANNEL``, which
a trigger on the kv table notifies with the namespace of each row written (schema version 8),
whoever writes it. Memory answers only while that connection is known to be up — it answered
within ``FRESH`` seconds (PostgreSQL sends a session its notifications before it answers a
query, so an answer means every earlier change was heard) — and is emptied whenever the
connection is lost or (re)made. Otherwise reads go to the database, as without keeping.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection
from contextlib import suppress
from typing import Any

import asyncpg

from bot.store.kvcache import KvCache
from bot.store.pgdb import FAILURES, redact

log = logging.getLogger(__name__)

CHANNEL = "yuqing_kv"  # the kv trigger's (bot/store/pgschema.py, V8)
FRESH = 5.0  # seconds memory may answer after the listening connection last answered
PING_TIMEOUT = 2.0  # seconds a ping may take before the connection is given up
RETRY = 1.0  # seconds between two attempts to listen again
CONNECT_TIMEOUT = 5.0


class KvListener:
    """The kept namespaces' memory and the connection that hears of their changes."""

    def __init__(self, url: str, now: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self.cache = KvCache()
        self._now = now
        self._conn: Any = None
        self._answered_at = float("-inf")  # when the connection last answered
        self._tried_at = float("-inf")  # when listening was last attempted
        self._task: asyncio.Task[None] | None = None  # a ping or a reconnect under way

    async def keep(self, namespaces: Collection[str]) -> None:
        """Keep ``namespaces`` in memory from now on; if the server cannot be heard, reads go
        to the database until it can (tried again as they come)."""
        self.cache.keep(namespaces)
        if self.cache.kept and self._conn is None:
            await self._listen()

    def usable(self) -> bool:
        """Whether memory may answer now; if not, a ping or a reconnect is started."""
        if self._conn is not None and self._now() - self._answered_at < FRESH:
            return True
        self._check_soon()
        return False

    async def close(self) -> None:
        """Stop listening, saying goodbye to the server (idempotent)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        conn = self._detach()
        if conn is not None:
            try:
                await asyncio.wait_for(conn.close(), PING_TIMEOUT)
            except FAILURES:
                conn.terminate()

    def _check_soon(self) -> None:
        """Ping the connection, or listen again (at most every ``RETRY`` seconds), unless
        one is under way."""
        if self._task is not None and not self._task.done():
            return
        if self._conn is None and self._now() - self._tried_at < RETRY:
            return
        self._task = asyncio.create_task(self._check(), name="yuqing-kv-listener")
        self._task.add_done_callback(_logged)

    async def _check(self) -> None:
        if self._conn is None:
            await self._listen()
            return
        asked = self._now()
        try:
            await asyncio.wait_for(self._conn.fetchval("SELECT 1"), PING_TIMEOUT)
        except FAILURES as exc:
            log.warning("kept key-value namespaces: the listening connection is gone (%s)", exc)
            self._lost()
            return
        if self._conn is not None:
            self._answered_at = asked

    async def _listen(self) -> None:
        """Open the listening connection; on failure, log and leave reads to the database."""
        self._tried_at = self._now()
        settings = {"application_name": "yuqing-bot kv"}
        try:
            conn = await asyncpg.connect(
                self.url, timeout=CONNECT_TIMEOUT, server_settings=settings
            )
        except (*FAILURES, ValueError) as exc:
            log.warning(
                "kept key-value namespaces are read from %s: cannot listen for changes (%s)",
                redact(self.url),
                exc,
            )
            return
        try:
            await conn.add_listener(CHANNEL, self._notified)
        except FAILURES as exc:
            conn.terminate()
            log.warning("kept key-value namespaces: cannot listen for changes (%s)", exc)
            return
        conn.add_termination_listener(self._terminated)
        self.cache.forget_all()  # whatever changed while nothing listened went unheard
        self._conn, self._answered_at = conn, self._now()

    def _notified(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        self.cache.drop([payload])

    def _terminated(self, conn: Any) -> None:
        if conn is self._conn:
            log.warning("kept key-value namespaces: the listening connection was closed")
            self._lost()

    def _lost(self) -> None:
        """Drop the connection at once; reads go to the database."""
        conn = self._detach()
        if conn is not None:
            conn.terminate()

    def _detach(self) -> Any:
        """Forget the connection (returned, to close) and everything in memory."""
        conn, self._conn = self._conn, None
        self.cache.forget_all()
        return conn


def _logged(task: asyncio.Task[None]) -> None:
    """A check that failed unexpectedly is logged, never lost (the next read tries again)."""
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error("kept key-value namespaces: the listener's check failed", exc_info=exc)
