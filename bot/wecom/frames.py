"""The frames of the WeCom AI bot's long connection: build what we send, parse what arrives.

Every frame is one JSON text message ``{cmd, headers: {req_id}, body}``; the server acknowledges
each request with a frame without ``cmd`` that echoes its ``req_id`` and carries ``errcode``.
Shapes follow the official SDKs (WecomTeam/aibot-node-sdk) and doc 101463; a click arrives as
``body.event.template_card_event`` (nested), and the flat ``body.event.event_key`` is tolerated.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.wecom.media import Media, carried

JSON = dict[str, Any]

SUBSCRIBE = "aibot_subscribe"
PING = "ping"
RESPOND = "aibot_respond_msg"
UPDATE = "aibot_respond_update_msg"
SEND = "aibot_send_msg"
MSG_CALLBACK = "aibot_msg_callback"
EVENT_CALLBACK = "aibot_event_callback"

CARD_EVENT = "template_card_event"
DISCONNECTED_EVENT = "disconnected_event"

ERR_INVALID_REQ_ID = 846605  # e.g. a click's req_id used for aibot_respond_msg
ERR_ALREADY_RESPONDED = 846606  # one response per req_id
ERR_RATE_LIMITED = 846607  # 30/min and 1000/h per conversation
ERR_BAD_CREDENTIALS = 853000  # subscribe refused


class FrameError(ValueError):
    """An inbound frame that is not the JSON shape WeCom sends."""


def new_req_id(cmd: str) -> str:
    """A fresh request id as the SDKs make it: ``<cmd>_<epoch ms>_<8 hex>``."""
    return f"{cmd}_{int(time.time() * 1000)}_{secrets.token_hex(4)}"


def subscribe(bot_id: str, secret: str) -> JSON:
    """The first frame on a connection: the bot's credentials."""
    body = {"bot_id": bot_id, "secret": secret}
    return {"cmd": SUBSCRIBE, "headers": {"req_id": new_req_id(SUBSCRIBE)}, "body": body}


def ping() -> JSON:
    """The application heartbeat."""
    return {"cmd": PING, "headers": {"req_id": new_req_id(PING)}}


def respond(req_id: str, body: JSON) -> JSON:
    """The one reply to a message callback (same ``req_id``); ``body`` from markdown()/card()."""
    return {"cmd": RESPOND, "headers": {"req_id": req_id}, "body": body}


def update(req_id: str, template_card: JSON, userids: Sequence[str] | None = None) -> JSON:
    """Replace the clicked card (the click's ``req_id``, within 5 s); ``userids``: only them."""
    body: JSON = {"response_type": "update_template_card", "template_card": template_card}
    if userids is not None:
        body["userids"] = list(userids)
    return {"cmd": UPDATE, "headers": {"req_id": req_id}, "body": body}


def send(chatid: str, body: JSON) -> JSON:
    """A proactive push into a chat that has talked to the bot; ``body`` from markdown()/card()."""
    return {
        "cmd": SEND,
        "headers": {"req_id": new_req_id(SEND)},
        "body": {"chatid": chatid, **body},
    }


def markdown(content: str) -> JSON:
    """A markdown message body."""
    return {"msgtype": "markdown", "markdown": {"content": content}}


def card(template_card: JSON) -> JSON:
    """A template card message body."""
    return {"msgtype": "template_card", "template_card": template_card}


def encode(frame: JSON) -> str:
    """The frame as sent on the wire."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Ack:
    """The server's answer to one request (``errcode`` 0: done)."""

    req_id: str
    errcode: int
    errmsg: str
    body: JSON | None = None


@dataclass(frozen=True)
class Message:
    """A message to the bot (``aibot_msg_callback``); in a group it starts with "@BotName"."""

    req_id: str  # answer it with respond(req_id, …)
    msgid: str
    chatid: str | None  # only in groups
    chattype: str  # "group" or "single"
    userid: str
    msgtype: str  # text, mixed, image, …
    text: str  # the text of a text or mixed message ("" otherwise)
    body: JSON = field(repr=False)  # holds the media keys
    media: tuple[Media, ...] = ()  # its images and files (mixed, or one-to-one image/file)
    quoted: tuple[Media, ...] = ()  # those of the message it quotes
    quote_text: str = ""  # the text of the message it quotes ("" if none)

    @property
    def chat(self) -> str:
        """Where a push to this conversation goes: the group's chatid, else the sender."""
        return self.chatid or self.userid


@dataclass(frozen=True)
class CardClick:
    """A button pressed on a template card (``template_card_event``)."""

    req_id: str  # answer it with update(req_id, …) within 5 s
    msgid: str
    chatid: str | None
    chattype: str
    userid: str
    task_id: str
    event_key: str
    card_type: str
    body: JSON

    @property
    def chat(self) -> str:
        """Where a push to this conversation goes."""
        return self.chatid or self.userid


@dataclass(frozen=True)
class Event:
    """Any other callback: enter_chat, feedback_event, disconnected_event, an unknown cmd."""

    req_id: str
    cmd: str
    eventtype: str
    chatid: str | None
    userid: str | None
    body: JSON


Inbound = Message | CardClick | Event


def decode(raw: str | bytes) -> Ack | Inbound:
    """Parse one frame from the server; FrameError when it is not one."""
    try:
        frame = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FrameError(f"not JSON: {exc}") from None
    if not isinstance(frame, dict):
        raise FrameError("not a JSON object")
    headers = frame.get("headers")
    req_id = headers.get("req_id") if isinstance(headers, dict) else None
    if not isinstance(req_id, str) or not req_id:
        raise FrameError("no headers.req_id")
    cmd = frame.get("cmd")
    body = frame.get("body")
    if not cmd:
        return _ack(req_id, frame, body)
    if not isinstance(body, dict):
        raise FrameError(f"{cmd} without a body object")
    if cmd == MSG_CALLBACK:
        return _message(req_id, body)
    return _event(req_id, str(cmd), body)


def _ack(req_id: str, frame: JSON, body: Any) -> Ack:
    code = frame.get("errcode", 0)
    if not isinstance(code, int):
        raise FrameError(f"errcode {code!r} is not a number")
    return Ack(req_id, code, str(frame.get("errmsg", "")), body if isinstance(body, dict) else None)


def _sender(body: JSON) -> str | None:
    sender = body.get("from")
    userid = sender.get("userid") if isinstance(sender, dict) else None
    return userid if isinstance(userid, str) and userid else None


def _message(req_id: str, body: JSON) -> Message:
    userid = _sender(body)
    if userid is None:
        raise FrameError("message without from.userid")
    msgtype = str(body.get("msgtype", ""))
    quote = body.get("quote")
    quote = quote if isinstance(quote, dict) else {}  # the message quoted, read as any other
    return Message(
        req_id=req_id,
        msgid=str(body.get("msgid", "")),
        chatid=_str_or_none(body.get("chatid")),
        chattype=str(body.get("chattype", "single")),
        userid=userid,
        msgtype=msgtype,
        text=_text_of(body, msgtype),
        body=body,
        media=carried(body),
        quoted=carried(quote),
        quote_text=_text_of(quote, str(quote.get("msgtype", ""))),
    )


def _text_of(body: JSON, msgtype: str) -> str:
    if msgtype == "text":
        return _content(body.get("text"))
    if msgtype == "mixed":
        mixed = body.get("mixed")
        items = mixed.get("msg_item") if isinstance(mixed, dict) else None
        if isinstance(items, list):
            texts = (_content(i.get("text")) for i in items if isinstance(i, dict))
            return "".join(texts)
    return ""


def _content(part: Any) -> str:
    content = part.get("content") if isinstance(part, dict) else None
    return content if isinstance(content, str) else ""


def _event(req_id: str, cmd: str, body: JSON) -> CardClick | Event:
    event = body.get("event")
    event = event if isinstance(event, dict) else {}
    eventtype = str(event.get("eventtype", ""))
    chatid = _str_or_none(body.get("chatid"))
    userid = _sender(body)
    if cmd == EVENT_CALLBACK and eventtype == CARD_EVENT:
        nested = event.get(CARD_EVENT)
        fields = nested if isinstance(nested, dict) else event  # the flat shape of the SDK docs
        task_id, key = fields.get("task_id"), fields.get("event_key")
        if userid is None or not isinstance(task_id, str) or not isinstance(key, str):
            raise FrameError("template_card_event without from.userid, task_id or event_key")
        return CardClick(
            req_id=req_id,
            msgid=str(body.get("msgid", "")),
            chatid=chatid,
            chattype=str(body.get("chattype", "single")),
            userid=userid,
            task_id=task_id,
            event_key=key,
            card_type=str(fields.get("card_type", "")),
            body=body,
        )
    return Event(req_id, cmd, eventtype, chatid, userid, body)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
