"""Group commands: the text read by the one parser, run by the one dispatch, answered as HTML.

Telegram's own parts stay here: ``/cmd@this_bot`` addressing, and the written review sent as a
document captioned ``/review N [text]``.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.service.commands import NAMES, parse
from bot.telegram.addressing import CaptionCommand, unaddressed
from bot.telegram.common import use_case
from bot.telegram.replies import dispatch, show
from bot.telegram.runtime import Context, actor, chat_key

OWN_HANDLER = {"report"}  # asks for a description and reads attachments (telegram/report.py)


@use_case
async def command(update: Update, context: Context) -> None:
    """/done /draft /update /review /status /list /export /stats /plan /lang /help /start."""
    msg = update.effective_message
    assert msg is not None
    parsed = parse(unaddressed(msg))
    if parsed is not None:
        await show(msg, await dispatch(context)(parsed, actor(update), chat_key(update)))


@use_case
async def review_document(update: Update, context: Context) -> None:
    """A document captioned /review N [text]: the written review, naming the file."""
    msg = update.effective_message
    assert msg is not None and msg.document is not None
    name = msg.document.file_name or msg.document.file_id
    attached = f"📄 {name} (file_id: {msg.document.file_id})"
    parsed = parse(f"{unaddressed(msg)}\n{attached}")  # the file's line is the text, or ends it
    if parsed is not None:
        await dispatch(context)(parsed, actor(update), chat_key(update))


def handlers() -> list[CommandHandler[Context, None] | MessageHandler[Context, None]]:
    """The command handler, and the review sent as a captioned document."""
    captioned = filters.Document.ALL & CaptionCommand("review")
    names = [name for name in NAMES if name not in OWN_HANDLER]
    return [CommandHandler(names, command), MessageHandler(captioned, review_document)]
