"""The WeCom AI bot's long connection: reconnects, requests matched to their acks by req_id.

Unlike the official SDKs, the client reconnects after *any* end of a connection — a clean close
(1000/1001), an error close, a network error, or two unanswered pings — with a delay from
``Timing.first_retry`` doubling to ``Timing.max_retry``, reset by a connection whose heartbeat
was answered. It stops for good only when told to (stop()), when another instance takes the bot
over (``disconnected_event``: state KICKED, one log line) or when the server refuses the
credentials (SubscribeRejected). Each inbound frame goes to ``handler`` in its own task, so a
slow or failing handler never holds up acks or the heartbeat.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable, Sequence
from enum import StrEnum

from websockets.exceptions import InvalidURI
from websockets.uri import parse_uri

from bot.wecom import frames
from bot.wecom.errors import Kicked, RateLimited, Rejected, SubscribeRejected, Unreachable
from bot.wecom.frames import JSON, Ack, Inbound
from bot.wecom.link import Credentials, Link, Timing

_LOG = logging.getLogger(__name__)
DEFAULT_URL = "wss://openws.work.weixin.qq.com"
Handler = Callable[[Inbound], Awaitable[None]]

__all__ = ["DEFAULT_URL", "Handler", "State", "Timing", "WeComClient"]


class State(StrEnum):
    """Where the client stands; KICKED, REJECTED and STOPPED are final."""

    IDLE = "idle"  # not started
    ONLINE = "online"  # subscribed: requests can be sent
    OFFLINE = "offline"  # between connections, reconnecting
    KICKED = "kicked"  # another instance took over (disconnected_event)
    REJECTED = "rejected"  # the server refused the credentials
    STOPPED = "stopped"  # stop() was called, or start() could not connect


async def _ignore(item: Inbound) -> None:
    _LOG.debug("WeCom %s %s ignored: no handler", type(item).__name__, item.req_id)


class WeComClient:
    """One long connection of one AI bot (BotID and Secret); ``handler`` receives callbacks."""

    def __init__(
        self,
        bot_id: str,
        secret: str,
        handler: Handler | None = None,
        *,
        url: str = DEFAULT_URL,
        timing: Timing | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        try:
            parse_uri(url)
        except InvalidURI:
            raise ValueError(f"not a ws:// or wss:// URL: {url}") from None
        self.handler: Handler = handler or _ignore
        self.timing = timing or Timing()
        self.subscribes = 0  # successful subscribes so far (1 + reconnects)
        self._who = Credentials(url, bot_id, secret, ssl_context)
        self._state = State.IDLE
        self._changed = asyncio.Event()
        self._link: Link | None = None
        self._pending: dict[str, asyncio.Future[Ack]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[State] | None = None

    def __repr__(self) -> str:
        return f"WeComClient(bot_id={self._who.bot_id!r}, url={self.url!r}, state={self._state})"

    @property
    def url(self) -> str:
        """The WebSocket URL it connects to."""
        return self._who.url

    @property
    def state(self) -> State:
        """Where the client stands."""
        return self._state

    @property
    def kicked(self) -> bool:
        """Another instance took the bot over; nothing more is sent or received here."""
        return self._state is State.KICKED

    # ---- lifecycle ----------------------------------------------------------------------------
    async def start(self, *, must_connect: bool = True) -> None:
        """Connect and subscribe, then keep the connection up in the background.

        SubscribeRejected: wrong credentials. Unreachable: no connection could be made (with
        ``must_connect=False`` that is logged and the client keeps trying in the background).
        """
        link: Link | None = None
        try:
            link = await self._open()
        except SubscribeRejected:
            self._set(State.REJECTED)
            raise
        except Unreachable as exc:
            if must_connect:
                self._set(State.STOPPED)
                raise
            _LOG.warning("WeCom unreachable at start (%s); retrying with backoff", exc)
            self._set(State.OFFLINE)
        self._runner = asyncio.create_task(self._supervise(link), name="wecom-connection")
        self._runner.add_done_callback(_seen)

    async def wait_state(self, *states: State, timeout: float | None = None) -> State:
        """Wait until the client is in one of ``states`` (TimeoutError after ``timeout``)."""
        async with asyncio.timeout(timeout):
            while self._state not in states:
                await self._changed.wait()
        return self._state

    async def wait_done(self) -> State:
        """Wait for the end (KICKED or STOPPED); SubscribeRejected if refused on a reconnect."""
        if self._runner is None:
            return self._state
        try:
            return await asyncio.shield(self._runner)
        except asyncio.CancelledError:
            if self._runner.cancelled():  # stop() ended it between two connections
                return self._state
            raise

    async def stop(self) -> None:
        """Close the connection for good; pending requests fail, handler tasks are cancelled."""
        if self._state not in (State.KICKED, State.REJECTED):
            self._set(State.STOPPED)
        if self._link is not None:
            await self._link.close()
        if self._runner is not None:
            self._runner.cancel()
            await asyncio.gather(self._runner, return_exceptions=True)
        self._fail_pending("the WeCom client was stopped")
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # ---- requests -----------------------------------------------------------------------------
    async def respond(self, req_id: str, body: JSON) -> Ack:
        """Reply to a message callback (``frames.markdown``/``frames.card`` body)."""
        return await self.request(frames.respond(req_id, body))

    async def update(self, req_id: str, card: JSON, userids: Sequence[str] | None = None) -> Ack:
        """Replace the card of a click (its req_id, within 5 s); ``userids``: for them only."""
        return await self.request(frames.update(req_id, card, userids))

    async def send(self, chatid: str, body: JSON) -> Ack:
        """Push into a chat that has talked to the bot (``frames.markdown``/``frames.card``)."""
        return await self.request(frames.send(chatid, body))

    async def request(self, frame: JSON) -> Ack:
        """Send one frame and wait for its ack (Rejected, RateLimited, Unreachable, Kicked)."""
        req_id, cmd = frame["headers"]["req_id"], frame["cmd"]
        while (earlier := self._pending.get(req_id)) is not None:  # one at a time per req_id
            await asyncio.wait({earlier})
        link = self._link
        if self.kicked:
            raise Kicked()
        if link is None or self._state is not State.ONLINE:
            raise Unreachable(f"not connected to WeCom ({self._state})")
        answer: asyncio.Future[Ack] = asyncio.get_running_loop().create_future()
        self._pending[req_id] = answer
        try:
            await link.send(frame)
            try:
                ack = await asyncio.wait_for(asyncio.shield(answer), self.timing.ack_timeout)
            except TimeoutError:
                why = f"no answer to {cmd} within {self.timing.ack_timeout:g} s"
                raise Unreachable(why, timed_out=True) from None
        finally:
            if self._pending.get(req_id) is answer:
                del self._pending[req_id]
            answer.cancel()
        if ack.errcode == frames.ERR_RATE_LIMITED:
            raise RateLimited(ack.errcode, ack.errmsg, cmd)
        if ack.errcode != 0:
            raise Rejected(ack.errcode, ack.errmsg, cmd)
        return ack

    # ---- the connection -----------------------------------------------------------------------
    async def _open(self) -> Link:
        link = await Link.open(self._who, self.timing, self._on_frame)
        self.subscribes += 1
        _LOG.info("WeCom connected and subscribed at %s", self.url)
        self._link = link
        self._set(State.ONLINE)
        return link

    async def _supervise(self, link: Link | None) -> State:
        level = 0  # the backoff's exponent: reset by a connection whose heartbeat was answered
        tries = 0 if link is not None else 1  # failed attempts since the last connection
        try:
            while True:
                why = await self._serve(link) if link is not None else ""
                if self._state in (State.KICKED, State.STOPPED):
                    return self._state
                level = 0 if link is not None and link.answered else level
                delay = min(self.timing.first_retry * 2**level, self.timing.max_retry)
                level += 1
                if why:
                    _LOG.warning("WeCom connection lost (%s); reconnecting in %g s", why, delay)
                _LOG.debug("WeCom: next connection attempt in %g s", delay)
                self._set(State.OFFLINE)
                await asyncio.sleep(delay)
                try:
                    link = await self._open()
                except Unreachable as exc:
                    link, tries = None, tries + 1
                    loudness = logging.WARNING if tries == 1 else logging.DEBUG
                    _LOG.log(loudness, "WeCom unreachable (%s); retrying with backoff", exc)
                    continue
                if tries:
                    _LOG.info("WeCom connection back after %d failed attempt(s)", tries)
                tries = 0
        except SubscribeRejected as exc:
            _LOG.error("%s; the WeCom connection stops", exc)
            self._set(State.REJECTED)
            raise

    async def _serve(self, link: Link) -> str:
        try:
            return await link.serve()
        finally:
            self._link = None
            self._fail_pending()

    def _on_frame(self, item: Ack | Inbound) -> None:
        if isinstance(item, Ack):
            answer = self._pending.get(item.req_id)
            if answer is None or answer.done():
                _LOG.debug("WeCom ack %s (%d) for no waiting request", item.req_id, item.errcode)
            else:
                answer.set_result(item)
        elif isinstance(item, frames.Event) and item.eventtype == frames.DISCONNECTED_EVENT:
            _LOG.warning("WeCom: another instance took this bot over; this one does not reconnect")
            self._set(State.KICKED)
            if self._link is not None:
                self._link.abort("kicked")
        else:
            task = asyncio.create_task(self._handle(item))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _handle(self, item: Inbound) -> None:
        try:
            await self.handler(item)
        except Exception:
            where = item.chatid or item.userid
            _LOG.exception("WeCom %s %s from %s failed", type(item).__name__, item.req_id, where)

    def _fail_pending(self, why: str = "the WeCom connection was lost") -> None:
        for answer in self._pending.values():
            if not answer.done():
                lost = Unreachable(f"{why} while waiting for the answer", timed_out=True)
                answer.set_exception(Kicked() if self.kicked else lost)
        self._pending.clear()

    def _set(self, state: State) -> None:
        self._state = state
        self._changed.set()
        self._changed = asyncio.Event()


def _seen(task: asyncio.Task[State]) -> None:
    """Mark the runner's end as seen: SubscribeRejected is logged, and wait_done() raises it."""
    if not task.cancelled():
        task.exception()
