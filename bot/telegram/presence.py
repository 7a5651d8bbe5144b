"""The bot's own membership: removed from a group it stops sending there; back, it says so.

Telegram sends a ``my_chat_member`` update when the bot is removed from a group or added back
(a 403 "bot was kicked" while sending is recorded the same way, by the sender). The incidents
stay as they are; while the bot is out, what it owes that group is dropped, not queued.
"""

from __future__ import annotations

import logging

from telegram import ChatMember, ChatMemberUpdated, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import ChatMemberHandler

from bot.domain.lifecycle import LIVE_STATES
from bot.domain.messages import N_
from bot.domain.text import listed
from bot.service.delivery import gone_namespace
from bot.service.plans import UnknownChat
from bot.telegram.common import message
from bot.telegram.members import OUT
from bot.telegram.runtime import Context, Runtime, chat_key, runtime
from bot.telegram.transport import NAME

log = logging.getLogger(__name__)

GONE = gone_namespace(NAME)
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
    now = rt.service.clock.now()
    if member.status in OUT:
        async with rt.service.store.transaction() as tx:
            reason = f"{member.status} by user {by}"
            await tx.kv_set(GONE, chat, {"at": now.isoformat(), "why": reason}, now)
        log.warning(
            "removed from chat %s by user %s: nothing is sent there until the bot is added back",
            chat,
            by,
        )
        return
    if member.status == ChatMember.RESTRICTED and not getattr(member, "is_member", True):
        return
    if await rt.service.store.kv_get(GONE, chat) is None:
        return  # joined for the first time, or a change of rights
    async with rt.service.store.transaction() as tx:
        await tx.kv_delete(GONE, chat)
    log.info("added back to chat %s by user %s: sending there again", chat, by)
    await _welcome_back(context, rt, change)
    await rt.changed()


async def _welcome_back(context: Context, rt: Runtime, change: ChatMemberUpdated) -> None:
    """Tell the group the bot is back and which incidents are still open there."""
    chat = f"telegram:{change.chat.id}"
    try:
        rt.service.plans.for_chat(chat)
    except UnknownChat:
        return
    t = await rt.translator(chat)
    live = await rt.service.store.list_incidents(states=LIVE_STATES, chat=chat)
    if live:
        numbers = listed((f"#{i.number}" for i in live), t.lang)
        text = message(N_("presence.back"), t, count=len(live), numbers=numbers)
    else:
        text = message(N_("presence.back_none"), t)
    await context.bot.send_message(change.chat.id, text, parse_mode=ParseMode.HTML)


def handlers() -> list[ChatMemberHandler[Context, None]]:
    """The handler of the bot's own membership changes."""
    return [ChatMemberHandler(changed, ChatMemberHandler.MY_CHAT_MEMBER)]
