"""Shared handler plumbing: turning expected errors into translated replies, and follow-ups."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from functools import wraps
from html import escape
from typing import Any

from telegram import Update
from telegram.constants import ParseMode

from bot.domain.errors import YuqingError
from bot.i18n import Translator
from bot.telegram import ticker
from bot.telegram.runtime import Context, chat_key, runtime

log = logging.getLogger(__name__)

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def message(key: str, t: Translator, **params: Any) -> str:
    """A translated message with its parameters HTML-escaped."""
    return t(key, **{name: escape(str(value), quote=False) for name, value in params.items()})


async def say(update: Update, context: Context, key: str, **params: Any) -> None:
    """Reply in the chat's language to the message that caused the update."""
    rt = runtime(context)
    t = await rt.translator(chat_key(update))
    if update.callback_query is not None:  # an alert: plain text, at most 200 characters
        await update.callback_query.answer(t(key, **params)[:200], show_alert=True)
    elif update.effective_message is not None:
        text = message(key, t, **params)
        await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)


def use_case(handler: Handler) -> Handler:
    """Run a handler; expected errors become translated replies; changes are delivered."""

    @wraps(handler)
    async def wrapped(update: Update, context: Context) -> None:
        rt = runtime(context)
        try:
            await handler(update, context)
        except YuqingError as exc:
            await say(update, context, exc.key, **exc.params)
            return
        await ticker.tick(context.application, rt)

    return wrapped
