"""Running the real bot (python-telegram-bot over HTTP) against the fake Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from fakeapi import BotMessage, FakeBotAPI
from pydantic import SecretStr
from telegram.request import BaseRequest

from bot.service.plans import PlanBook
from bot.service.transport import Capabilities
from bot.settings import Settings
from bot.telegram.app import ALLOWED_UPDATES, build
from bot.telegram.transport import CAPABILITIES

PLANS = Path(__file__).parent / "plans"
GROUP = -100777
BOSS, CLERK, EYE, STRANGER = 1001, 1002, 1003, 1099
# Telegram without flood limits: for a server that enforces none (the fake's are opt-in)
UNLIMITED = replace(CAPABILITIES, overall=(), per_chat=())


def capabilities_for(tg: FakeBotAPI) -> Capabilities:
    """Telegram's capabilities, with its flood limits kept only if the fake server enforces them."""
    return CAPABILITIES if tg.flood is not None else UNLIMITED


def settings_for(
    tg: FakeBotAPI, database: Path, plans: Path = PLANS / "e2e.yaml", **more: Any
) -> Settings:
    """Settings pointing the bot at the fake server and a temporary database (and ``more``)."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        telegram_token=SecretStr(tg.token),
        telegram_api_url=tg.base_url,
        database=database,
        plans=plans,
        **more,
    )


@asynccontextmanager
async def running(
    tg: FakeBotAPI,
    database: Path,
    plans: Path = PLANS / "e2e.yaml",
    request: BaseRequest | None = None,
    **more: Any,
) -> AsyncIterator[Any]:
    """The bot's Application polling the fake server in this event loop.

    ``plans`` is the plan file (or folder); ``request`` replaces PTB's HTTP transport settings
    (e.g. an ``HTTPXRequest`` with short timeouts), still over real HTTP; ``more`` are settings
    (``evidence_max_file_mb=0.01`` …). The bot keeps Telegram's flood limits when the fake
    server enforces them (``tg.flood``), and has none when it does not.
    """
    settings = settings_for(tg, database, plans, **more)
    plan_book = PlanBook.load(settings.plans)
    application = build(settings, plan_book, request=request, capabilities=capabilities_for(tg))
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES
    )
    await application.start()
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)
        await application.shutdown()


def people(tg: FakeBotAPI) -> None:
    """The group and its members as Telegram knows them."""
    tg.group(GROUP, "舆情工作群")
    tg.user(BOSS, "王", last_name="组长")
    tg.user(CLERK, "李", username="li_clerk", last_name="主任")
    tg.user(EYE, "小张")
    tg.user(STRANGER, "路人", username="passer_by")


def buttons(message: BotMessage) -> list[str]:
    """The labels of a message's inline buttons, row by row flattened."""
    markup = message.reply_markup or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def mentioned(message: BotMessage) -> set[int]:
    """User ids mentioned by text_mention entities."""
    return {e["user"]["id"] for e in message.entities if e.get("type") == "text_mention"}
