"""Group commands: the text read by the one parser, run by the one dispatch, answered as HTML.

Telegram's own parts stay here: ``/cmd@this_bot`` addressing, and the written review or a
progress report sent as a photo, document or voice captioned ``/review N`` or ``/update N``.
"""

from __future__ import annotations

from dataclasses import replace

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.service import commands as cmd
from bot.service.commands import NAMES, parse
from bot.telegram.addressing import CaptionCommand, unaddressed
from bot.telegram.common import use_case
from bot.telegram.replies import dispatch, show
from bot.telegram.report import attachments
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
async def captioned_file(update: Update, context: Context) -> None:
    """A photo, document or voice captioned /review N [text] or /update N [text], kept with it.

    A document's line names the file in the text (its name, never Telegram's id for it): it is
    the text when no other is given. The file itself is kept as the text's attachment.
    """
    msg = update.effective_message
    assert msg is not None
    text = unaddressed(msg)
    if msg.document is not None:
        text = f"{text}\n📄 {msg.document.file_name or ''}".rstrip()
    parsed = parse(text)
    if isinstance(parsed, cmd.Review | cmd.Update):
        parsed = replace(parsed, attachments=tuple(attachments(msg, with_reply=False)))
        await dispatch(context)(parsed, actor(update), chat_key(update))


def handlers() -> list[CommandHandler[Context, None] | MessageHandler[Context, None]]:
    """The command handler, and a review or progress report sent as a captioned file."""
    files = filters.PHOTO | filters.Document.ALL | filters.VOICE
    captioned = files & (CaptionCommand("review") | CaptionCommand("update"))
    names = [name for name in NAMES if name not in OWN_HANDLER]
    return [CommandHandler(names, command), MessageHandler(captioned, captioned_file)]
