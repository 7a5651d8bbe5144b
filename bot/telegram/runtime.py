"""What every handler reaches through the Application: the running bot, the chat, the sender."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.domain.access import Actor
from bot.service import languages
from bot.service.incidents import IncidentService
from bot.service.running import Running
from bot.service.transport import Transport

LANG_NAMESPACE = languages.NAMESPACE
RUNTIME_KEY = "yuqing"


Runtime = Running  # the name the handlers know it by


async def chat_language(service: IncidentService, chat: str) -> str:
    """The chat's language: chosen with /lang, else its plan's, else the default."""
    return await languages.chat_language(service, chat)


Context = ContextTypes.DEFAULT_TYPE


def runtime(context: Context) -> Runtime:
    """The Runtime stored on the Application."""
    found: Any = context.application.bot_data[RUNTIME_KEY]
    assert isinstance(found, Runtime)
    return found


def client(context: Context) -> Transport:
    """The Telegram client behind the Transport port (to answer button presses)."""
    return runtime(context).deliveries["telegram"].transport


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
