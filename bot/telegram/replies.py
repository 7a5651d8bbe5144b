"""The one dispatch as Telegram reaches it, and a neutral reply sent as Telegram messages."""

from __future__ import annotations

from telegram import InputFile, Message
from telegram.constants import ParseMode

from bot.service.dispatch import Dispatch, Reply
from bot.service.queries import File
from bot.telegram.html import markup, to_html
from bot.telegram.runtime import Context, runtime


def dispatch(context: Context) -> Dispatch:
    """The dispatch over the running service, reading each chat's language."""
    rt = runtime(context)
    return Dispatch(rt.service, rt.lang)


async def show(msg: Message, reply: Reply) -> None:
    """Send a reply's parts in order: Docs as HTML (buttons under the last piece), then files."""
    for part in reply.parts:
        if isinstance(part, File):
            await _send_file(msg, part)
            continue
        texts = [text for text in to_html(part, reply.people) if text]
        for index, text in enumerate(texts):
            last = index == len(texts) - 1
            keyboard = markup(part) if last else None
            await msg.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def _send_file(msg: Message, file: File) -> None:
    data = InputFile(file.data, filename=file.name)
    if file.picture:
        await msg.reply_photo(data, caption=file.caption or None)
    else:
        await msg.reply_document(data, caption=file.caption or None)
