"""A chat's language: the one chosen in the chat, else its plan's, else the default."""

from __future__ import annotations

from contextlib import suppress

from bot.domain.access import Actor, require_role
from bot.i18n import Translator, normalize_language
from bot.service.base import Base
from bot.service.plans import UnknownChat

NAMESPACE = "chat_lang"  # kv: chat key -> the language code chosen there


async def chat_language(service: Base, chat: str) -> str:
    """The chat's language: chosen in the chat, else its plan's, else the default."""
    chosen = await service.store.kv_get(NAMESPACE, chat)
    if chosen:
        return normalize_language(str(chosen))
    try:
        return service.plans.for_chat(chat).language
    except UnknownChat:
        return normalize_language(None)


async def translator(service: Base, chat: str) -> Translator:
    """A translator in the chat's language."""
    return Translator(await chat_language(service, chat))


async def set_language(service: Base, chat: str, actor: Actor, lang: str) -> str:
    """Choose the chat's language; the code kept.

    Anyone holding a role in the chat's plan may (NotAllowed otherwise); in a chat no plan
    lists, anyone may: it has no plan, and nothing at stake.
    """
    code = normalize_language(lang)
    with suppress(UnknownChat):
        plan = service.plans.for_chat(chat)
        require_role(plan, actor, list(plan.roles))
    async with service.store.transaction() as tx:
        await tx.kv_set(NAMESPACE, chat, code)
    return code
