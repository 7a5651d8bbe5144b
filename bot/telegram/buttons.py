"""Inline buttons: the press's data unpacked to a typed press, run by the one dispatch."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.service.buttons import unpack
from bot.telegram.common import alongside, use_case
from bot.telegram.replies import dispatch
from bot.telegram.runtime import Context, actor, chat_key, client


@use_case
async def pressed(update: Update, context: Context) -> None:
    """A button press: act for the presser, then acknowledge it."""
    query = update.callback_query
    assert query is not None
    press = unpack(query.data or "")
    await dispatch(context)(press, actor(update), chat_key(update))
    await alongside(client(context).answer(query.id))


def handlers() -> list[CallbackQueryHandler[Context, None]]:
    """The button handler."""
    return [CallbackQueryHandler(pressed)]
