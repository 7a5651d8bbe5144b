"""Checks for what reaches the handlers: the bot's answers to a message, and when all ran."""

from __future__ import annotations

from pathlib import Path

from dbswitch import open_db
from e2e_support import CLERK, GROUP
from fakeapi import BotMessage, FakeBotAPI


def answers(tg: FakeBotAPI, message_id: int) -> list[BotMessage]:
    """The bot's replies to the message ``message_id``."""
    return [m for m in tg.sent(GROUP) if m.reply_to_message_id == message_id]


async def settled(tg: FakeBotAPI) -> None:
    """Updates run one at a time, in order: once /help is answered, every earlier one ran."""
    sent = tg.send_message(GROUP, CLERK, "/help")
    await tg.wait_for(lambda m: m.reply_to_message_id == sent["message_id"], chat_id=GROUP)


async def incident_count(db: Path) -> int:
    """How many incidents the database holds."""
    async with await open_db(db) as store:
        return len(await store.list_incidents())
