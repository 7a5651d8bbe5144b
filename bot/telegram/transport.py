"""Telegram as a Transport: HTML messages with inline keyboards, Bot API errors as the port's."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.service.files import TooBig
from bot.service.flood import Gate
from bot.service.transport import (
    CannotEdit,
    Capabilities,
    ChatGone,
    Outgoing,
    Rate,
    Refused,
    RetryLater,
)
from bot.telegram.html import LIMIT, keyboard, to_html

NAME = "telegram"
# the calls made with do_api_request (see TelegramTransport._call), as PTB warns of them
DIRECT = r"Please use 'Bot\.(sendMessage|editMessageText)' instead"
# A send whose answer timed out may have been delivered all the same; its retry waits this long,
# so a slow API gets the message twice at most rather than once per retry.
SLOW_READ_TIMEOUT = 60.0
CAPABILITIES = Capabilities(
    edits=True,
    edit_window=None,  # bots edit their own messages in groups without a time limit
    push=True,
    mentions=True,  # tg://user links notify; @username shows the handle
    text_limit=LIMIT,
    buttons=None,  # up to 100 inline buttons, far more than a card holds
    button_label=None,
    # Telegram's flood limits: ~30 messages/s overall, 20/min into a group, ~1/s into a chat.
    # Telegram counts arrivals, the bot its sends: a burst of 24 rather than 30 leaves room
    # for 0.2 s of network jitter at the full rate (30/s all the same).
    overall=(Rate(24, 0.8),),
    per_chat=(Rate(20, 60.0), Rate(3, 3.0)),
)


def removed(exc: Forbidden) -> bool:
    """Whether a 403 means the bot is out of the group (not e.g. a user who blocked it)."""
    text = str(exc).lower()
    return "kicked" in text or "not a member" in text


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked to wait, in seconds."""
    # PTB 22 warns on reading retry_after that it becomes a timedelta in v23; both are handled.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


@asynccontextmanager
async def _as_port_errors() -> AsyncIterator[None]:
    """Bot API errors as the port's: refused, chat gone, retry later; others pass through."""
    try:
        yield
    except Forbidden as exc:
        if removed(exc):
            raise ChatGone(str(exc)) from exc
        raise Refused(str(exc)) from exc
    except BadRequest as exc:  # a NetworkError in PTB's tree, but never worth retrying
        raise Refused(str(exc)) from exc
    except RetryAfter as exc:
        raise RetryLater(str(exc), seconds=retry_seconds(exc)) from exc
    except NetworkError as exc:
        raise RetryLater(str(exc), timed_out=isinstance(exc, TimedOut)) from exc


class TelegramTransport:
    """The Bot API behind the Transport port."""

    name = NAME

    def __init__(self, bot: Bot, gate: Gate | None = None) -> None:
        # python-telegram-bot suggests bot.send_message; its Message objects are what we skip
        warnings.filterwarnings("ignore", DIRECT, PTBUserWarning)
        self.bot = bot
        self.gate = gate  # the flood gate the bot's rate limiter shares with the engine
        self.capabilities = gate.capabilities if gate is not None else CAPABILITIES

    async def _call(self, method: str, out: Outgoing, params: dict[str, Any], buttons: bool) -> Any:
        """One Bot API call for ``out`` (with its keyboard if ``buttons``), its answer left as
        JSON: the engine needs only the message id, and reading a Message into
        python-telegram-bot's objects costs ~0.15 ms."""
        params = {"chat_id": int(out.chat), "parse_mode": "HTML", **params}
        if buttons and (found := keyboard(out.doc)):
            params["reply_markup"] = found
        if out.slow:
            return await self.bot.do_api_request(
                method, api_kwargs=params, read_timeout=SLOW_READ_TIMEOUT
            )
        return await self.bot.do_api_request(method, api_kwargs=params)

    async def send(self, out: Outgoing) -> str | None:
        """Post the document (split at 4096 characters, buttons on the last part)."""
        texts = to_html(out.doc, out.people)
        sent: Any = None
        async with _as_port_errors():
            for index, text in enumerate(texts):
                last = index == len(texts) - 1
                sent = await self._call("sendMessage", out, {"text": text}, buttons=last)
        return str(sent["message_id"]) if sent else None

    async def edit(self, ref: str, out: Outgoing) -> str:
        """Edit the message in place; a document that needs two messages is sent anew."""
        texts = to_html(out.doc, out.people)
        if len(texts) != 1:
            raise CannotEdit("too long for one message")
        async with _as_port_errors():
            try:
                params = {"message_id": int(ref), "text": texts[0]}
                await self._call("editMessageText", out, params, buttons=True)
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    return ref
                raise CannotEdit(str(exc)) from exc
        return ref

    async def answer(self, press: str, text: str | None = None) -> None:
        """Answer a callback query; a text shows as an alert (at most 200 characters)."""
        async with _as_port_errors():
            if text is None:
                await self.bot.answer_callback_query(press)
            else:
                await self.bot.answer_callback_query(press, text[:200], show_alert=True)

    async def fetch(self, ref: str, limit: int) -> bytes:
        """A file people sent, by its file id: getFile, then the file's URL (bots: up to 20 MB)."""
        async with _as_port_errors():
            try:
                found = await self.bot.get_file(ref)
            except BadRequest as exc:
                if "too big" in str(exc).lower():
                    raise TooBig(str(exc)) from exc
                raise
            if found.file_size is not None and found.file_size > limit:
                raise TooBig(f"{found.file_size} bytes", found.file_size)
            data = bytes(await found.download_as_bytearray())
        if len(data) > limit:
            raise TooBig(f"{len(data)} bytes", len(data))
        return data
