"""Inline buttons: the press's data unpacked to a typed press, run by the one dispatch."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.service.buttons import unpack
from bot.service.transport import Transport, TransportError
from bot.telegram.common import alongside, use_case
from bot.telegram.replies import dispatch
from bot.telegram.runtime import Context, actor, chat_key, client

log = logging.getLogger(__name__)


@use_case
async def pressed(update: Update, context: Context) -> None:
    """A button press: act for the presser, then acknowledge it."""
    query = update.callback_query
    assert query is not None
    press = unpack(query.data or "")
    await dispatch(context)(press, actor(update), chat_key(update))
    await alongside(acknowledge(client(context), query.id, update.update_id))


async def acknowledge(transport: Transport, query: str, update: int) -> None:
    """Stop the presser's spinner. Should Telegram refuse (a query too old, say), the press has
    taken effect all the same: a line in the log, and nothing to tell the presser."""
    try:
        await transport.answer(query)
    except TransportError as exc:
        log.warning("press of update %s took effect; its acknowledgement failed: %s", update, exc)


def handlers() -> list[CallbackQueryHandler[Context, None]]:
    """The button handler."""
    return [CallbackQueryHandler(pressed)]
