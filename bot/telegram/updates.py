"""Updates one at a time, each marked processed with its own first transaction.

``_once`` (bot/telegram/app.py) checks an update was not processed before and leaves its mark
to ride with the first transaction its handlers open (bot/store/riders.py); when they open
none — a read-only command, a refusal — the mark is written here, after they are done.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from telegram.ext import BaseUpdateProcessor

from bot.domain.errors import StoreError
from bot.service.seen import AlreadyProcessed
from bot.store import Store, riders

log = logging.getLogger(__name__)


class OneByOne(BaseUpdateProcessor):
    """Processes updates in order, one at a time (PTB's default), each in a riders scope."""

    def __init__(self) -> None:
        super().__init__(max_concurrent_updates=1)
        self.store: Store | None = None  # the running bot's store, while it runs

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
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
