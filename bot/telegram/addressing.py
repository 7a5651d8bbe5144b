"""Commands the bot parses itself (captions, edits): `/cmd` or `/cmd@this_bot`, never another's.

PTB's CommandHandler already ignores `/cmd@another_bot` in a message's text; every other path
that reads a command asks here, so a group with several bots gets one behaviour everywhere.
"""

from __future__ import annotations

import re

from telegram import Message
from telegram.ext import filters

# Telegram's bot_command: /name, optionally @bot_username; a word of its own (space or end next).
COMMAND = re.compile(r"/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?(?=\s|$)")
LOOKS_LIKE_COMMAND = re.compile(r"/[A-Za-z0-9_]")  # where Telegram starts a bot_command entity


def command_in(text: str | None, username: str | None) -> str | None:
    """The command (lower case) ``text`` starts with, if it is for the bot ``username``."""
    found = COMMAND.match(text or "")
    if found is None:
        return None
    addressee = found.group(2)
    if addressee is not None and addressee.lower() != (username or "").lower():
        return None  # /cmd@another_bot
    return found.group(1).lower()


def command_of(msg: Message) -> str | None:
    """The command a message's text or caption starts with, if it is for this bot."""
    return command_in(msg.text or msg.caption, msg.get_bot().username)


def unaddressed(msg: Message) -> str:
    """The text or caption with a leading ``/cmd@this_bot`` written ``/cmd``, for the parser."""
    text = msg.text or msg.caption or ""
    found = COMMAND.match(text)
    if found is None or found.group(2) is None or command_of(msg) is None:
        return text  # unaddressed already, or for another bot (the parser then ignores it)
    return f"/{found.group(1)}{text[found.end() :]}"


def starts_with_command(msg: Message) -> bool:
    """Whether the text or caption starts with a command, for this bot or any other."""
    return LOOKS_LIKE_COMMAND.match(msg.text or msg.caption or "") is not None


class CaptionCommand(filters.MessageFilter):
    """A caption that starts with ``/name`` (or ``/name@this_bot``), any letter case."""

    __slots__ = ("command",)

    def __init__(self, command: str) -> None:
        super().__init__(name=f"CaptionCommand({command})")
        self.command = command

    def filter(self, message: Message) -> bool:
        """Whether the caption is this command, addressed to this bot."""
        return command_in(message.caption, message.get_bot().username) == self.command


class _AnyCommand(filters.MessageFilter):
    __slots__ = ()

    def filter(self, message: Message) -> bool:
        return starts_with_command(message)


ANY_COMMAND = _AnyCommand(name="ANY_COMMAND")
"""Text or caption starting with a command, whoever it is addressed to."""
