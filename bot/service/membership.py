"""Who is in a group: people who left it, and the bot's own removal from it and return.

The plan names people; the group is where they act. Someone who left a group may not act on
its incidents until they are back, and the group is told once when the plan still names them.
The bot removed from a group owes it nothing until it is back (the delivery engine drops what
falls due there meanwhile); back, it tells the group which incidents are still open.

Chats and people are keyed as everywhere else (``<messenger>:<id>``). What is kept lives in
the key-value store under one namespace per messenger, ``<messenger>_left_members`` and
``<messenger>_gone_chats`` (the names the first messenger always used), so existing databases
keep working.

Updates about one chat may be handled out of order (webhook replicas, a change and its twin:
a service message and a ``chat_member`` update say the same). A messenger that numbers its
updates passes the number as ``seq``: a change older than the last one applied about that
person or chat is ignored, so a late twin of a departure cannot undo the return after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.access import Actor, role_titles, roles_of
from bot.domain.lifecycle import LIVE_STATES
from bot.domain.messages import N_
from bot.domain.text import listed
from bot.render.doc import Doc
from bot.service import languages
from bot.service.base import Base
from bot.service.languages import translator
from bot.service.plans import UnknownChat
from bot.store import Store, Tx


@dataclass(frozen=True)
class Back:
    """The bot is back in a group it had been removed from; ``welcome`` is what to tell it."""

    welcome: Doc | None  # None in a group no plan lists: nothing to say there


def transport_of(key: str) -> str:
    """The messenger a chat or person key belongs to (``wecom`` for ``wecom:zhangsan``)."""
    transport, colon, _ = key.partition(":")
    if not colon or not transport:
        raise ValueError(f"not a transport-qualified key: {key!r}")
    return transport


def left_namespace(transport: str) -> str:
    """The kv namespace of people gone from that messenger's groups: chat:person -> since."""
    return f"{transport}_left_members"


def read_on_every_update(transports: Iterable[str]) -> set[str]:
    """The kv namespaces read for (nearly) every update, small and seldom written: a chat's
    language, who left each messenger's groups, and the groups the bot is out of."""
    names = tuple(transports)
    return {
        languages.NAMESPACE,
        *(left_namespace(name) for name in names),
        *(gone_namespace(name) for name in names),
    }


def gone_namespace(transport: str) -> str:
    """The kv namespace of that messenger's groups the bot is out of: chat -> when and why."""
    return f"{transport}_gone_chats"


def order_namespace(transport: str) -> str:
    """The kv namespace of the last change applied about each person or chat: key -> seq."""
    return f"{transport}_membership_order"


async def _newest(tx: Tx, chat: str, about: str, seq: int | None) -> bool:
    """Whether a change numbered ``seq`` is newer than any applied about ``about`` (then it
    becomes the last); a change without a number always is."""
    if seq is None:
        return True
    namespace = order_namespace(transport_of(chat))
    last = await tx.kv_get(namespace, about)
    if isinstance(last, int) and seq <= last:
        return False
    await tx.kv_set(namespace, about, seq)
    return True


def _left_key(chat: str, person: str) -> str:
    """Where a person's absence from a chat is kept: ``<chat key>:<native person id>``."""
    return f"{chat}:{person.removeprefix(transport_of(person) + ':')}"


async def is_gone(service: Base, chat: str, person: str) -> bool:
    """Whether the person (key) left the chat and is not back: their actions are refused."""
    namespace = left_namespace(transport_of(chat))
    return bool(await service.store.kv_get(namespace, _left_key(chat, person)))


async def person_left(
    service: Base, chat: str, person: Actor, seq: int | None = None
) -> Doc | None:
    """Record that someone left the chat; what to tell the group, if anything.

    The group is told only the first time (a second report of the same departure says
    nothing, nor does one older than their return) and only when the plan gives them a role.
    """
    namespace, key = left_namespace(transport_of(chat)), _left_key(chat, person.key)
    async with service.store.transaction() as tx:
        if not await _newest(tx, chat, f"person:{key}", seq) or await tx.kv_get(namespace, key):
            return None
        await tx.kv_set(namespace, key, service.clock.now().isoformat())
    return await _left_notice(service, chat, person)


async def _left_notice(service: Base, chat: str, person: Actor) -> Doc | None:
    """The warning that a person the chat's plan names has left it; None if it names them not."""
    try:
        plan = service.plans.for_chat(chat)
    except UnknownChat:
        return None
    roles = sorted(roles_of(plan, person))
    if not roles:
        return None
    t = await translator(service, chat)
    text = t(
        N_("members.left"),
        name=person.display,
        roles=role_titles(plan, roles, t.lang),
        plan=plan.title.get(t.lang),
    )
    return Doc().line(text)


async def person_back(service: Base, chat: str, person: str, seq: int | None = None) -> bool:
    """Record that someone (key) is in the chat again; whether they had been gone."""
    namespace, key = left_namespace(transport_of(chat)), _left_key(chat, person)
    async with service.store.transaction() as tx:
        if not await _newest(tx, chat, f"person:{key}", seq) or not await tx.kv_get(namespace, key):
            return False
        await tx.kv_delete(namespace, key)
    return True


async def gone_chats(store: Store, transport: str) -> set[str]:
    """The keys of that messenger's chats the bot is out of: nothing is sent there."""
    return set(await store.kv_items(gone_namespace(transport)))


async def mark_gone(tx: Tx, chat: str, why: str, at: datetime) -> None:
    """Record, in the caller's transaction, that the bot is out of the chat, and why."""
    value: dict[str, Any] = {"at": at.isoformat(), "why": why}
    await tx.kv_set(gone_namespace(transport_of(chat)), chat, value, at)


async def bot_removed(service: Base, chat: str, why: str, seq: int | None = None) -> None:
    """The bot was removed from the chat: nothing is sent there until it is back."""
    now = service.clock.now()
    async with service.store.transaction() as tx:
        if await _newest(tx, chat, f"bot:{chat}", seq):
            await mark_gone(tx, chat, why, now)


async def bot_back(service: Base, chat: str, seq: int | None = None) -> Back | None:
    """The bot is in the chat (again); None unless it had been removed (a first join, say)."""
    namespace = gone_namespace(transport_of(chat))
    async with service.store.transaction() as tx:
        if not await _newest(tx, chat, f"bot:{chat}", seq) or (
            await tx.kv_get(namespace, chat) is None
        ):
            return None
        await tx.kv_delete(namespace, chat)
    return Back(await _welcome(service, chat))


async def _welcome(service: Base, chat: str) -> Doc | None:
    """Back in a group a plan lists: the bot says so, with the incidents still open there."""
    try:
        service.plans.for_chat(chat)
    except UnknownChat:
        return None
    t = await translator(service, chat)
    live = await service.store.list_incidents(states=LIVE_STATES, chat=chat)
    if not live:
        return Doc().line(t(N_("presence.back_none")))
    numbers = listed((f"#{i.number}" for i in live), t.lang)
    return Doc().line(t(N_("presence.back"), count=len(live), numbers=numbers))
