"""Updates of different chats at the same time, each chat's one at a time and in order.

A slow answer from Telegram in one group (a file being sent, a timeout) must not hold up a
report in another. PTB hands each update to ``process_update`` in the order it came, in a
task of its own, and starts those tasks in that order; each waits its turn for its chat in
that order (bot/service/turns.py), so one chat's updates never overtake each other.

Each update runs in a riders scope: ``_once`` (bot/telegram/app.py) checks it was not
processed before and leaves its mark to ride with the first transaction its handlers open
(bot/store/riders.py); when they open none — a read-only command, a refusal — the mark is
written here, after they are done.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.domain.errors import StoreError
from bot.service.seen import AlreadyProcessed
from bot.service.turns import Turns
from bot.store import Store, riders

log = logging.getLogger(__name__)

AT_ONCE = 64  # updates handled at the same time, over all chats


class ChatByChat(BaseUpdateProcessor):
    """Processes the updates of each chat in order, one at a time, and chats side by side."""

    def __init__(self, at_once: int = AT_ONCE) -> None:
        super().__init__(max_concurrent_updates=at_once)
        self.store: Store | None = None  # the running bot's store, while it runs
        self._turns: Turns[int | None] = Turns()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's earlier updates, then handle this one."""
        async with self._turns.turn(chat_of(update)):  # queued at once: the chat's order kept
            await self._handled(update, coroutine)

    async def _handled(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handlers, then write the update's mark if none of their transactions did."""
        with riders.scope():
            await coroutine
            if self.store is None:
                return
            try:
                await riders.settle(self.store.transaction)
            except AlreadyProcessed:
                log.info("update %s was processed meanwhile", getattr(update, "update_id", None))
            except StoreError as exc:
                log.warning("update not marked processed: %s", exc.params.get("detail", exc.key))

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def chat_of(update: object) -> int | None:
    """The chat an update belongs to (None: one turn for every update without a chat)."""
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None
