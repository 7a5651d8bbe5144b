"""The bot's own membership on Telegram: out of a group it stops sending there; back, it says so.

Telegram sends a ``my_chat_member`` update when the bot is removed from a group or added back
(a 403 "bot was kicked" while sending is recorded the same way, by the sender). The rule and
what is kept are bot/service/membership.py; this parses the update and sends the welcome back.
"""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import ChatMemberHandler

from bot.service import membership
from bot.telegram.html import to_html
from bot.telegram.members import OUT
from bot.telegram.runtime import Context, chat_key, runtime

log = logging.getLogger(__name__)

GROUPS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})


async def changed(update: Update, context: Context) -> None:
    """The bot was removed from a group, or added back to it."""
    change = update.my_chat_member
    if change is None or change.chat.type not in GROUPS:
        return
    rt = runtime(context)
    chat = chat_key(update)
    member = change.new_chat_member
    by = change.from_user.id if change.from_user else None
    if member.status in OUT:
        why = f"{member.status} by user {by}"
        await membership.bot_removed(rt.service, chat, why, update.update_id)
        rt.poke()  # the sender claims anew, dropping what it held for the chat (flood-paced)
        log.warning(
            "removed from chat %s by a member: nothing is sent there until the bot is added back",
            chat,
        )
        log.debug("removed from chat %s by user %s", chat, by)  # user ids only at DEBUG
        return
    if member.status == ChatMember.RESTRICTED and not getattr(member, "is_member", True):
        return
    back = await membership.bot_back(rt.service, chat, update.update_id)
    if back is None:
        return  # joined for the first time, or a change of rights
    log.info("added back to chat %s: sending there again", chat)
    log.debug("added back to chat %s by user %s", chat, by)
    for text in to_html(back.welcome) if back.welcome else ():
        await context.bot.send_message(change.chat.id, text, parse_mode=ParseMode.HTML)
    await rt.changed()


def handlers() -> list[ChatMemberHandler[Context, None]]:
    """The handler of the bot's own membership changes."""
    return [ChatMemberHandler(changed, ChatMemberHandler.MY_CHAT_MEMBER)]
