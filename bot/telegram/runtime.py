"""What every handler reaches through the Application: the service, the sender, languages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.domain.access import Actor
from bot.i18n import Translator, normalize_language
from bot.service.incidents import IncidentService
from bot.service.plans import UnknownChat

if TYPE_CHECKING:
    from bot.telegram.sender import Sender

LANG_NAMESPACE = "chat_lang"
RUNTIME_KEY = "yuqing"


@dataclass
class Runtime:
    """The live parts of a running bot."""

    service: IncidentService
    sender: Sender

    async def lang(self, chat: str) -> str:
        """The chat's language."""
        return await chat_language(self.service, chat)

    async def translator(self, chat: str) -> Translator:
        """A translator in the chat's language."""
        return Translator(await self.lang(chat))


async def chat_language(service: IncidentService, chat: str) -> str:
    """The chat's language: chosen with /lang, else its plan's, else the default."""
    chosen = await service.store.kv_get(LANG_NAMESPACE, chat)
    if chosen:
        return normalize_language(str(chosen))
    try:
        return service.plans.for_chat(chat).language
    except UnknownChat:
        return normalize_language(None)


Context = ContextTypes.DEFAULT_TYPE


def runtime(context: Context) -> Runtime:
    """The Runtime stored on the Application."""
    found: Any = context.application.bot_data[RUNTIME_KEY]
    assert isinstance(found, Runtime)
    return found


def install(application: Application[Any, Any, Any, Any, Any, Any], rt: Runtime) -> None:
    """Make ``rt`` reachable from every handler."""
    application.bot_data[RUNTIME_KEY] = rt


def chat_key(update: Update) -> str:
    """The transport-qualified key of the update's chat."""
    assert update.effective_chat is not None
    return f"telegram:{update.effective_chat.id}"


def actor(update: Update) -> Actor:
    """Who sent the update."""
    user = update.effective_user
    if user is None:
        return Actor("telegram", None)
    return Actor("telegram", str(user.id), user.username, user.full_name)
