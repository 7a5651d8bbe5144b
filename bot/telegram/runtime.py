"""What every handler reaches through the Application: the service, delivery, clock, languages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.domain.access import Actor
from bot.i18n import Translator
from bot.service import languages
from bot.service.clockwork import Clockwork
from bot.service.delivery import Delivery
from bot.service.incidents import IncidentService

LANG_NAMESPACE = languages.NAMESPACE
RUNTIME_KEY = "yuqing"


@dataclass
class Runtime:
    """The live parts of a running bot."""

    service: IncidentService
    delivery: Delivery
    clockwork: Clockwork

    async def changed(self) -> None:
        """After a change: tick (what falls due now, the next wake-up), then deliver."""
        await self.clockwork.tick()

    async def lang(self, chat: str) -> str:
        """The chat's language."""
        return await chat_language(self.service, chat)

    async def translator(self, chat: str) -> Translator:
        """A translator in the chat's language."""
        return Translator(await self.lang(chat))


async def chat_language(service: IncidentService, chat: str) -> str:
    """The chat's language: chosen with /lang, else its plan's, else the default."""
    return await languages.chat_language(service, chat)


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
        return Actor(None)
    return Actor(user.id, user.username, user.full_name)
