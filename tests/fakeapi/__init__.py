"""A fake Telegram Bot API server speaking real HTTP on 127.0.0.1, for end-to-end bot tests.

    async with FakeBotAPI(token="123:ABC") as tg:           # serves in the current loop
        bot = telegram.Bot(tg.token, base_url=tg.base_url)
        alice = tg.user(42, "Alice")
        room = tg.group(-100123, "Ops")
        tg.send_message(room, alice, "/start")
        msg = await tg.wait_for(lambda m: "hello" in m.text, chat_id=room)

``FakeBotAPI(...).start_in_thread()`` / ``.stop()`` serves from a background thread instead.
"""

from .client import FakeTelegram
from .flood import FloodControl, FloodLimits, Limit
from .htmltext import EntityParseError, parse_html
from .inspection import Inspection
from .model import (
    ApiError,
    ApiRequest,
    BotMessage,
    CallbackAnswer,
    Chat,
    Edit,
    UploadedFile,
    User,
)
from .server import FakeBotAPI
from .state import State

__all__ = [
    "ApiError",
    "ApiRequest",
    "BotMessage",
    "CallbackAnswer",
    "Chat",
    "Edit",
    "EntityParseError",
    "FakeBotAPI",
    "FakeTelegram",
    "FloodControl",
    "FloodLimits",
    "Inspection",
    "Limit",
    "State",
    "UploadedFile",
    "User",
    "parse_html",
]
