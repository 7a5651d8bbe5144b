"""One subscribed WebSocket to WeCom: open and subscribe, read frames, keep the heartbeat.

A Link lives as long as one connection; the client (bot.wecom.client) makes a new one after each
end. The heartbeat is WeCom's application ``ping``: after ``Timing.missed_pings`` unanswered pings
the link aborts its socket (a clean close could wait on a dead peer) and ``serve`` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from bot.wecom import frames
from bot.wecom.errors import SubscribeRejected, Unreachable
from bot.wecom.frames import JSON, Ack, Inbound
from bot.wecom.media import hide_keys

_LOG = logging.getLogger(__name__)


class _NoFrameLogs(logging.LoggerAdapter[logging.Logger]):
    """websockets' logger without its debug lines: they print frames, and one holds the secret."""

    def isEnabledFor(self, level: int) -> bool:
        return level > logging.DEBUG and self.logger.isEnabledFor(level)


_WS_LOG = _NoFrameLogs(logging.getLogger("bot.wecom.websockets"), {})


@dataclass(frozen=True)
class Timing:
    """The client's intervals in seconds (tests shorten them)."""

    ping_interval: float = 25.0  # WeCom wants one at least every 30 s: keep a margin
    missed_pings: int = 2  # unanswered pings that mean a dead connection
    ack_timeout: float = 5.0  # for the answer to a request (and to the subscribe)
    open_timeout: float = 10.0  # for the TCP, TLS and WebSocket handshakes
    first_retry: float = 1.0  # the first reconnect's delay, doubled after each failure
    max_retry: float = 30.0


@dataclass(frozen=True)
class Credentials:
    """Where and as whom to connect; repr() leaves the secret out."""

    url: str
    bot_id: str
    secret: str
    ssl_context: ssl.SSLContext | None = None

    def __repr__(self) -> str:
        return f"Credentials(url={self.url!r}, bot_id={self.bot_id!r})"


class Link:
    """One subscribed connection; ``on_frame`` gets every frame but ping acks."""

    def __init__(
        self, ws: ClientConnection, timing: Timing, on_frame: Callable[[Ack | Inbound], None]
    ) -> None:
        self.answered = False  # a ping was answered: the connection was healthy
        self._ws, self._timing, self._on_frame = ws, timing, on_frame
        self._missed = 0
        self._why = ""

    @classmethod
    async def open(
        cls, who: Credentials, timing: Timing, on_frame: Callable[[Ack | Inbound], None]
    ) -> Link:
        """Connect and subscribe: SubscribeRejected (credentials) or Unreachable (anything else)."""
        secure = who.url.startswith("wss:")
        try:
            ws = await connect(
                who.url,
                open_timeout=timing.open_timeout,
                ping_interval=None,  # the application ping is the heartbeat WeCom watches
                close_timeout=1,
                logger=_WS_LOG,
                ssl=who.ssl_context if secure else None,
            )
        except (OSError, InvalidHandshake, TimeoutError) as exc:
            raise Unreachable(f"cannot connect to {who.url}: {_ended(exc)}") from None
        subscribe = frames.subscribe(who.bot_id, who.secret)
        try:
            await ws.send(frames.encode(subscribe))
            async with asyncio.timeout(timing.ack_timeout):
                ack = await _ack_of(ws, subscribe["headers"]["req_id"])
        except (ConnectionClosed, TimeoutError) as exc:
            ws.transport.abort()
            raise Unreachable(f"no answer to the subscribe at {who.url}: {_ended(exc)}") from None
        except BaseException:  # cancelled (a stop): leave no socket behind
            ws.transport.abort()
            raise
        if ack.errcode != 0:
            with contextlib.suppress(Exception):
                await ws.close()
            raise SubscribeRejected(ack.errcode, ack.errmsg)
        return cls(ws, timing, on_frame)

    async def serve(self) -> str:
        """Read frames and keep the heartbeat until the connection ends; why it ended."""
        beat = asyncio.create_task(self._heartbeat(), name="wecom-heartbeat")
        try:
            while True:
                try:
                    raw = await self._ws.recv()
                except ConnectionClosed as exc:
                    return self._why or _ended(exc)
                try:
                    item = frames.decode(raw)
                except frames.FrameError as exc:
                    _LOG.warning("WeCom frame set aside (%s): %d characters", exc, len(raw))
                    _LOG.debug("the frame set aside: %.200r", hide_keys(raw))  # may quote people
                    continue
                if isinstance(item, Ack) and item.req_id.startswith(frames.PING + "_"):
                    if item.errcode == 0:
                        self._missed, self.answered = 0, True
                else:
                    self._on_frame(item)
        finally:
            beat.cancel()
            self.abort()

    async def send(self, frame: JSON) -> None:
        """Write one frame (Unreachable if the connection is gone)."""
        try:
            await self._ws.send(frames.encode(frame))
        except ConnectionClosed:
            raise Unreachable(
                f"the WeCom connection closed before {frame['cmd']} was sent"
            ) from None

    async def close(self) -> None:
        """A clean close, for a stop."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._ws.close(), 1)

    def abort(self, why: str = "") -> None:
        """Drop the connection at once; ``serve`` then returns ``why``."""
        self._why = self._why or why
        self._ws.transport.abort()

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self._timing.ping_interval)
            if self._missed >= self._timing.missed_pings:
                self.abort(f"no answer to {self._missed} pings")
                return
            self._missed += 1
            try:
                await self._ws.send(frames.encode(frames.ping()))
            except ConnectionClosed:
                return


async def _ack_of(ws: ClientConnection, req_id: str) -> Ack:
    while True:
        with contextlib.suppress(frames.FrameError):
            item = frames.decode(await ws.recv())
            if isinstance(item, Ack) and item.req_id == req_id:
                return item


def _ended(exc: BaseException) -> str:
    if isinstance(exc, ConnectionClosed):
        return f"closed by the server: {exc.rcvd}" if exc.rcvd else "connection dropped"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__
