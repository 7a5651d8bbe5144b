"""Group membership on Telegram: the updates that say someone left or came back, and the gate.

A person leaves by a service message, or by a ``chat_member`` update where the bot is an
administrator; the rule (refused until back, the group told once) is bot/service/membership.py.
"""

from __future__ import annotations

from telegram import ChatMember, Update, User
from telegram.constants import ParseMode
from telegram.ext import ApplicationHandlerStop, ChatMemberHandler, MessageHandler, TypeHandler
from telegram.ext import filters as f

from bot.domain.access import Actor
from bot.domain.messages import N_
from bot.service import membership
from bot.telegram.common import say
from bot.telegram.html import to_html
from bot.telegram.runtime import Context, actor, chat_key, runtime

OUT = frozenset({ChatMember.LEFT, ChatMember.BANNED})  # member statuses of someone not in it


async def gate(update: Update, context: Context) -> None:
    """Refuse any action of a person recorded as gone from this group."""
    user, chat = update.effective_user, update.effective_chat
    msg = update.message
    if user is None or chat is None or user.is_bot:
        return
    if update.callback_query is None and (
        msg is None or msg.left_chat_member or msg.new_chat_members
    ):
        return
    if await membership.is_gone(runtime(context).service, chat_key(update), actor(update).key):
        await say(update, context, N_("error.left_group"))
        raise ApplicationHandlerStop


async def left(update: Update, context: Context) -> None:
    """A service message: someone left or was removed."""
    msg = update.effective_message
    if msg is not None and msg.left_chat_member is not None:
        await _record(update, context, msg.left_chat_member, gone=True)


async def joined(update: Update, context: Context) -> None:
    """A service message: people joined or were added back."""
    msg = update.effective_message
    for user in msg.new_chat_members if msg is not None else ():
        await _record(update, context, user, gone=False)


async def changed(update: Update, context: Context) -> None:
    """A chat_member update (delivered where the bot is an administrator)."""
    change = update.chat_member
    if change is not None:
        member = change.new_chat_member
        await _record(update, context, member.user, gone=member.status in OUT)


def person(user: User) -> Actor:
    """The person a Telegram user is."""
    return Actor("telegram", str(user.id), user.username, user.full_name)


async def _record(update: Update, context: Context, user: User, gone: bool) -> None:
    """Tell the service who left or came back; pass on what it says to the group."""
    if user.is_bot:
        return
    service, chat = runtime(context).service, chat_key(update)
    seq = update.update_id  # Telegram numbers updates in the order it made them
    if not gone:
        await membership.person_back(service, chat, person(user).key, seq)
        return
    warning = await membership.person_left(service, chat, person(user), seq)
    if warning is not None and update.effective_chat is not None:
        for text in to_html(warning):
            await context.bot.send_message(
                update.effective_chat.id, text, parse_mode=ParseMode.HTML
            )


def handlers() -> list[MessageHandler[Context, None] | ChatMemberHandler[Context, None]]:
    """The membership handlers."""
    return [
        MessageHandler(f.ChatType.GROUPS & f.StatusUpdate.LEFT_CHAT_MEMBER, left),
        MessageHandler(f.ChatType.GROUPS & f.StatusUpdate.NEW_CHAT_MEMBERS, joined),
        ChatMemberHandler(changed, ChatMemberHandler.CHAT_MEMBER),
    ]


def gatekeeper() -> TypeHandler[Update, Context, None]:
    """The gate, run before every other handler (after the duplicate check)."""
    return TypeHandler(Update, gate)
