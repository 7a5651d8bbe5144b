"""The test's side of the fake: people who talk to the bot and press its buttons, and faults."""

from __future__ import annotations

import asyncio
import collections
import time
from typing import TYPE_CHECKING

from .model import BAD_CREDENTIALS, JSON, RATE_LIMITED, ROBOT_RATE_LIMITED, Callback, Refusal
from .wire import Conn

if TYPE_CHECKING:
    from .server import FakeWeCom


class Users:
    """Mixin of FakeWeCom: frames pushed to the bot as if people acted (each returns its req_id)."""

    _single_chats: set[str]

    async def say(
        self: FakeWeCom,
        chatid: str | None,
        userid: str,
        text: str,
        *,
        mention: bool = True,
        timeout: float = 10.0,
    ) -> str:
        """``userid`` writes ``text`` in group ``chatid`` ("@<bot_name> " put first, as WeCom
        keeps it, unless ``mention`` is False or it starts with "@"), or to the bot alone (None).
        """
        single = chatid is None
        chat = userid if chatid is None else chatid
        if not single and mention and not text.startswith("@"):
            text = f"@{self.bot_name} {text}"
        body = self._base(chatid, userid, "text")
        body["text"] = {"content": text}
        if single:
            self._single_chats.add(chat)
        self.talked.add(chat)
        return await self._callback("aibot_msg_callback", "message", chat, userid, body, timeout)

    async def click(
        self: FakeWeCom,
        task_id: str,
        key: str,
        userid: str,
        chatid: str | None = None,
        *,
        flat: bool = False,
        timeout: float = 10.0,
    ) -> str:
        """``userid`` presses the button ``key`` of card ``task_id`` as they see it.

        ``chatid`` defaults to the card's chat; ``flat`` sends the SDK docs' flat event shape.
        """
        card = self.cards.get(task_id)
        if card is None:
            raise AssertionError(f"no card with task_id {task_id!r}; cards: {sorted(self.cards)}")
        if key not in [k for _, k in card.buttons(userid)]:
            seen = card.buttons(userid)
            raise AssertionError(f"card {task_id} as {userid} sees it has no key {key!r}: {seen}")
        chat = chatid or card.chat
        fields = {"card_type": card.seen_by(userid)["card_type"], "event_key": key}
        fields["task_id"] = task_id
        event: JSON = {"eventtype": "template_card_event"}
        if flat:
            event.update(fields)
        else:
            event["template_card_event"] = {**fields, "selected_items": {"selected_item": []}}
        body = self._base(None if card.single else chat, userid, "event")
        body["event"] = event
        cmd = "aibot_event_callback"
        return await self._callback(cmd, "click", chat, userid, body, timeout, task_id)

    def key_of(self: FakeWeCom, task_id: str, text: str, userid: str | None = None) -> str:
        """The key of the button labelled ``text`` on card ``task_id`` as ``userid`` sees it."""
        buttons = self.cards[task_id].buttons(userid)
        for label, key in buttons:
            if label == text:
                return key
        raise AssertionError(f"card {task_id} has no button {text!r}: {buttons}")

    async def press(
        self: FakeWeCom, task_id: str, text: str, userid: str, chatid: str | None = None
    ) -> str:
        """``userid`` presses the button labelled ``text`` on card ``task_id``."""
        return await self.click(task_id, self.key_of(task_id, text, userid), userid, chatid)

    async def event(
        self: FakeWeCom, eventtype: str, chatid: str | None, userid: str, **fields: object
    ) -> str:
        """Push another event (enter_chat, feedback_event, …) with ``fields`` in ``event``."""
        body = self._base(chatid, userid, "event")
        body["event"] = {"eventtype": eventtype, **fields}
        chat = chatid or userid
        return await self._callback("aibot_event_callback", "event", chat, userid, body, 10.0)

    async def push_raw(self: FakeWeCom, text: str, timeout: float = 10.0) -> None:
        """Send ``text`` as one frame as it is (for malformed frames)."""
        await self._write(await self._online(timeout), text)

    def _base(self: FakeWeCom, chatid: str | None, userid: str, msgtype: str) -> JSON:
        body: JSON = {"msgid": self._next("MSG"), "aibotid": self.bot_id}
        if chatid is not None:
            body["chatid"] = chatid
        body["chattype"] = "single" if chatid is None else "group"
        body["from"] = {"userid": userid}
        body.update(create_time=int(time.time()), msgtype=msgtype)
        return body

    async def _callback(
        self: FakeWeCom,
        cmd: str,
        kind: str,
        chat: str,
        userid: str,
        body: JSON,
        timeout: float,
        task_id: str | None = None,
    ) -> str:
        conn = await self._online(timeout)
        req_id = self._next("REQ_")
        now = asyncio.get_running_loop().time()
        self.callbacks[req_id] = Callback(req_id, kind, chat, userid, now, task_id)
        await self._write(conn, {"cmd": cmd, "headers": {"req_id": req_id}, "body": body})
        self._touch()
        return req_id

    async def _online(self: FakeWeCom, timeout: float) -> Conn:
        """The subscribed connection, once there is one."""
        await self.wait_for(lambda: self._live is not None, timeout, "a subscribed bot")
        assert self._live is not None
        return self._live


class Faults:
    """Mixin of FakeWeCom: scripted errors, slow acks, closes, kicks and silent heartbeats."""

    def __init__(self) -> None:
        self.pings_silent = False
        self._failures: dict[str, collections.deque[Refusal]] = collections.defaultdict(
            collections.deque
        )
        self._ack_delay: dict[str, float] = {}
        self._rejection: tuple[int, str] | None = None
        self._closes: collections.deque[int] = collections.deque()
        self._close_always: int | None = None
        self._robot_failures: collections.deque[Refusal] = collections.deque()
        self._single_chats: set[str] = set()

    def fail_next(self, cmd: str, errcode: int, *, times: int = 1, errmsg: str = "") -> None:
        """Answer the next ``times`` requests of ``cmd`` with ``errcode`` (nothing is applied)."""
        refusal = Refusal(errcode, errmsg or f"fake error {errcode}")
        self._failures[cmd].extend([refusal] * times)

    def fail_sends(self, errcode: int = RATE_LIMITED, *, times: int = 1, errmsg: str = "") -> None:
        """Answer the next ``times`` pushes with ``errcode`` (846607: over the frequency limit)."""
        self.fail_next("aibot_send_msg", errcode, times=times, errmsg=errmsg or "freq limit")

    def slow_acks(self, seconds: float, cmd: str = "*") -> None:
        """Hold each ack of ``cmd`` (any: "*") for ``seconds`` (0: no delay); the request is
        applied at once, only its answer is late."""
        self._ack_delay[cmd] = seconds

    def silence_pings(self, silent: bool = True) -> None:
        """Stop (or resume) answering pings."""
        self.pings_silent = silent

    def reject_subscribes(self, errcode: int = BAD_CREDENTIALS, errmsg: str = "") -> None:
        """Refuse every subscribe, even with the right credentials, until accept_subscribes()."""
        self._rejection = (errcode, errmsg or "invalid bot_id or secret")

    def accept_subscribes(self) -> None:
        """Judge subscribes by their credentials again."""
        self._rejection = None

    def close_after_subscribe(self, code: int = 1000, *, times: int | None = 1) -> None:
        """Close the connection with ``code`` right after acking the next ``times`` subscribes
        (None: every one, until ``close_after_subscribe(times=0)``)."""
        if times is None:
            self._close_always = code
        else:
            self._close_always = None
            self._closes.extend([code] * times)
            if times == 0:
                self._closes.clear()

    async def close(self: FakeWeCom, code: int = 1000, reason: str = "") -> None:
        """Close every connection now with ``code`` (1000, 1001, 1011 …)."""
        for conn in list(self._conns):
            await conn.ws.close(code, reason or f"fake: close {code}")

    def drop(self: FakeWeCom) -> None:
        """Cut every connection without a close frame, as a network failure does."""
        for conn in list(self._conns):
            conn.ws.transport.abort()

    async def kick(self: FakeWeCom) -> None:
        """Another instance took over: ``disconnected_event``, then a close."""
        if self._live is not None:
            await self._kick_conn(self._live)

    def robot_fail(self, errcode: int = ROBOT_RATE_LIMITED, *, times: int = 1) -> None:
        """Answer the next ``times`` robot posts with ``errcode`` (45009: over 20 a minute)."""
        errmsg = "api freq out of limit" if errcode == ROBOT_RATE_LIMITED else "fake error"
        self._robot_failures.extend([Refusal(errcode, errmsg)] * times)

    def _take_failure(self, cmd: str) -> None:
        queue = self._failures.get(cmd)
        if queue:
            raise queue.popleft()

    def _take_close_after_subscribe(self) -> int | None:
        return self._closes.popleft() if self._closes else self._close_always
