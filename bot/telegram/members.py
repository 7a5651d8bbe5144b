"""Group membership: someone who left the group may no longer act on its incidents.

The plan names people; the group is where they act. When a person leaves (a service message,
or a ``chat_member`` update where the bot is an administrator), their buttons and commands in
that group are refused until they are back, and the group is told if the plan still names them.
"""

from __future__ import annotations

from contextlib import suppress

from telegram import ChatMember, Update, User
from telegram.constants import ParseMode
from telegram.ext import ApplicationHandlerStop, ChatMemberHandler, MessageHandler, TypeHandler
from telegram.ext import filters as f

from bot.domain.access import Actor, role_titles, roles_of
from bot.domain.messages import N_
from bot.service.plans import UnknownChat
from bot.telegram.common import message, say
from bot.telegram.runtime import Context, chat_key, runtime

LEFT = "telegram_left_members"  # kv: "<chat>:<user id>" -> when they left (UTC, ISO 8601)
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
    if await runtime(context).service.store.kv_get(LEFT, f"{chat_key(update)}:{user.id}"):
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


async def _record(update: Update, context: Context, user: User, gone: bool) -> None:
    """Keep who is gone; tell the group once when the plan still names them."""
    if user.is_bot:
        return
    rt = runtime(context)
    chat = chat_key(update)
    key = f"{chat}:{user.id}"
    if bool(await rt.service.store.kv_get(LEFT, key)) == gone:
        return  # the service message and the chat_member update say the same thing
    async with rt.service.store.transaction() as tx:
        if gone:
            await tx.kv_set(LEFT, key, rt.service.clock.now().isoformat())
        else:
            await tx.kv_delete(LEFT, key)
    if gone:
        await _warn(update, context, Actor("telegram", str(user.id), user.username, user.full_name))


async def _warn(update: Update, context: Context, person: Actor) -> None:
    """Tell the group that a person the plan names has left it."""
    rt = runtime(context)
    chat = chat_key(update)
    with suppress(UnknownChat):
        plan = rt.service.plans.for_chat(chat)
        t = await rt.translator(chat)
        roles = sorted(roles_of(plan, person))
        if roles and update.effective_chat is not None:
            text = message(
                N_("members.left"),
                t,
                name=person.display,
                roles=role_titles(plan, roles, t.lang),
                plan=plan.title.get(t.lang),
            )
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
