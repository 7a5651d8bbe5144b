"""The fake's WebSocket side: subscribe, ping, and the bot's replies, card updates and pushes.

Every request is answered ``{"headers": {"req_id"}, "errcode", "errmsg"}``. Checked as WeCom
does: the credentials (853000); one answer per callback req_id (846606); a reply only to a
message and an update only to a click (846605); an update within ``update_window`` seconds of
its click and with the clicked card's task_id; task_ids unique; cards and markdown well formed
(checks.py); pushes only into chats that talked to the bot (93006). A new subscribe for the bot
takes over: the older connection gets ``disconnected_event`` and is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from .checks import check_body
from .model import (
    ALREADY_RESPONDED,
    BAD_CREDENTIALS,
    INVALID_CHATID,
    INVALID_MSGTYPE,
    INVALID_PARAMETER,
    INVALID_REQ_ID,
    JSON,
    NOT_SUBSCRIBED,
    Card,
    Posted,
    Received,
    Refusal,
)

if TYPE_CHECKING:
    from .server import FakeWeCom

_LOG = logging.getLogger(__name__)
REPLY_TYPES = {"markdown", "template_card"}
PUSH_TYPES = {"markdown", "template_card", "image", "file", "voice", "video"}


@dataclass(eq=False)
class Conn:
    """One WebSocket connection from the bot."""

    id: int
    ws: ServerConnection
    subscribed: bool = False


class Wire:
    """Mixin of FakeWeCom: serves the bot's connections."""

    async def _connection(self: FakeWeCom, ws: ServerConnection) -> None:
        self.connections += 1
        conn = Conn(self.connections, ws)
        self._conns.add(conn)
        try:
            async for raw in ws:
                try:
                    await self._frame(conn, raw)
                except Exception as exc:
                    _LOG.exception("fake WeCom failed on a frame")
                    self.errors.append(exc)
        except ConnectionClosed:
            pass
        finally:
            self._conns.discard(conn)
            if self._live is conn:
                self._live = None
            self._touch()

    async def _frame(self: FakeWeCom, conn: Conn, raw: str | bytes) -> None:
        try:
            frame = json.loads(raw)
        except ValueError:
            frame = {"unparsed": raw if isinstance(raw, str) else raw.decode("utf-8", "replace")}
        if not isinstance(frame, dict):
            frame = {"unparsed": frame}
        record = Received(conn.id, frame, asyncio.get_running_loop().time())
        self.frames.append(record)
        self._touch()
        if record.cmd == "aibot_subscribe":
            await self._subscribe(conn, record)
        elif record.cmd == "ping":
            if not self.pings_silent:
                await self._ack(conn, record, 0, "ok")
        elif not conn.subscribed:
            await self._ack(conn, record, NOT_SUBSCRIBED, "not subscribed")
        else:
            try:
                self._take_failure(record.cmd)
                self._handle(record)
            except Refusal as refusal:
                await self._ack(conn, record, refusal.errcode, refusal.errmsg)
            else:
                await self._ack(conn, record, 0, "ok")
            self._touch()

    async def _ack(self: FakeWeCom, conn: Conn, record: Received, code: int, msg: str) -> None:
        ack = {"headers": {"req_id": record.req_id}, "errcode": code, "errmsg": msg}
        delay = self._ack_delay.get(record.cmd, self._ack_delay.get("*", 0.0))
        if delay:
            self._later(self._send_later(conn, ack, delay))
        else:
            await self._write(conn, ack)

    async def _send_later(self: FakeWeCom, conn: Conn, frame: JSON, delay: float) -> None:
        await asyncio.sleep(delay)
        await self._write(conn, frame)

    async def _write(self: FakeWeCom, conn: Conn, frame: JSON | str) -> None:
        text = frame if isinstance(frame, str) else json.dumps(frame, ensure_ascii=False)
        with contextlib.suppress(ConnectionClosed):
            await conn.ws.send(text)

    async def _subscribe(self: FakeWeCom, conn: Conn, record: Received) -> None:
        body = record.body
        if self._rejection is not None:
            await self._ack(conn, record, *self._rejection)
            return
        if body.get("bot_id") != self.bot_id or body.get("secret") != self.secret:
            await self._ack(conn, record, BAD_CREDENTIALS, "invalid bot_id or secret")
            return
        older, self._live = self._live, conn
        conn.subscribed = True
        self.subscribes += 1
        await self._ack(conn, record, 0, "ok")
        if older is not None and older is not conn:
            await self._kick_conn(older)
        code = self._take_close_after_subscribe()
        if code is not None:
            await conn.ws.close(code, "fake: closed after subscribe")
        self._touch()

    async def _kick_conn(self: FakeWeCom, conn: Conn) -> None:
        event = {"eventtype": "disconnected_event"}
        body = {
            "msgid": self._next("EVTK"),
            "create_time": int(time.time()),
            "aibotid": self.bot_id,
            "msgtype": "event",
            "event": event,
        }
        kick = {"cmd": "aibot_event_callback", "headers": {"req_id": self._next("REQ_KICK")}}
        await self._write(conn, {**kick, "body": body})
        conn.subscribed = False
        if self._live is conn:
            self._live = None
        await conn.ws.close(1000, "fake: another connection took over")

    def _handle(self: FakeWeCom, record: Received) -> None:
        if record.cmd == "aibot_respond_msg":
            self._respond(record)
        elif record.cmd == "aibot_respond_update_msg":
            self._update(record)
        elif record.cmd == "aibot_send_msg":
            self._push_msg(record)
        else:
            raise Refusal(INVALID_MSGTYPE, f"unknown cmd {record.cmd!r}")

    def _respond(self: FakeWeCom, record: Received) -> None:
        callback = self.callbacks.get(record.req_id)
        if callback is None or callback.kind != "message":
            raise Refusal(INVALID_REQ_ID, "invalid req_id")
        if callback.answer is not None:
            raise Refusal(ALREADY_RESPONDED, "request already responded")
        body = record.body
        if check_body(body, REPLY_TYPES, self.button_text) == "template_card":
            self._new_card(body["template_card"], callback.chat)
        self.posts.append(Posted(callback.chat, "reply", copy.deepcopy(body), record.req_id))
        callback.answer = record

    def _update(self: FakeWeCom, record: Received) -> None:
        callback = self.callbacks.get(record.req_id)
        if callback is None or callback.kind != "click" or callback.task_id is None:
            raise Refusal(INVALID_REQ_ID, "invalid req_id")
        if callback.answer is not None:
            raise Refusal(ALREADY_RESPONDED, "request already responded")
        if record.at - callback.at > self.update_window:
            raise Refusal(INVALID_REQ_ID, f"invalid req_id: {self.update_window:g} s have passed")
        body = record.body
        if body.get("response_type") != "update_template_card":
            raise Refusal(INVALID_PARAMETER, "invalid parameter: response_type")
        check_body({"msgtype": "template_card", **body}, {"template_card"}, self.button_text)
        card: JSON = copy.deepcopy(body["template_card"])
        if card.get("task_id") != callback.task_id:
            raise Refusal(INVALID_PARAMETER, "invalid parameter: task_id is not the clicked card's")
        state = self.cards[callback.task_id]
        userids = body.get("userids")
        if userids:
            state.views.update({str(u): card for u in userids})
        else:
            state.shown, state.views = card, {}
        state.history.append(card)
        callback.answer = record

    def _push_msg(self: FakeWeCom, record: Received) -> None:
        body = dict(record.body)
        chatid = body.pop("chatid", None)
        body.pop("chat_type", None)
        if not isinstance(chatid, str) or chatid not in self.talked:
            raise Refusal(INVALID_CHATID, "invalid chatid")
        if check_body(body, PUSH_TYPES, self.button_text) == "template_card":
            self._new_card(body["template_card"], chatid)
        self.posts.append(Posted(chatid, "push", copy.deepcopy(body), record.req_id))

    def _new_card(self: FakeWeCom, card: JSON, chat: str) -> None:
        task_id = card.get("task_id")
        if task_id is None:
            return
        if task_id in self.cards:
            raise Refusal(INVALID_PARAMETER, f"invalid parameter: task_id {task_id} already used")
        shown: JSON = copy.deepcopy(card)
        single = chat in self._single_chats
        self.cards[task_id] = Card(task_id, chat, single, shown, history=[copy.deepcopy(card)])
