"""Before any handler: edits that run nothing (each update once: bot/service/seen.py)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CommandHandler

from bot.domain.errors import StoreError
from bot.domain.messages import N_
from bot.service.seen import Window
from bot.telegram.addressing import command_of, starts_with_command
from bot.telegram.common import say
from bot.telegram.report import is_prompt_reply
from bot.telegram.runtime import Context, runtime

log = logging.getLogger(__name__)


async def answer_edit(update: Update, context: Context, window: Window) -> None:
    """An edited message runs nothing; an edited command or report reply is told so, once."""
    if update.edited_message is None or not await _worth_answering(update, context):
        return
    rt = runtime(context)
    key, now = f"telegram:{update.update_id}", rt.service.clock.now()
    try:
        if not await window.claim(rt.service.store, key, now):
            return  # Telegram delivered this edit again: it was answered already
        await say(update, context, N_("edit.not_applied"))
    except (StoreError, TelegramError) as exc:  # an edit changes nothing: a log line is enough
        log.warning("edited message (update %s) not answered: %s", update.update_id, exc)


async def _worth_answering(update: Update, context: Context) -> bool:
    """A command of this bot's, or a reply to the person's report prompt."""
    msg = update.edited_message
    assert msg is not None
    if starts_with_command(msg):  # ours, or another bot's (told nothing)
        return command_of(msg) in _commands(context)
    try:
        return await is_prompt_reply(update, context)
    except StoreError as exc:
        log.warning("edited message (update %s) not looked at: %s", update.update_id, exc)
        return False


def _commands(context: Context) -> set[str]:
    """The commands this bot answers (lower case), as its handlers declare them."""
    handlers = context.application.handlers.values()
    found = (h.commands for group in handlers for h in group if isinstance(h, CommandHandler))
    return {name for names in found for name in names}
