"""python-telegram-bot's rate limiter over the delivery engine's flood gate.

The delivery engine counts its own sends against the ``Gate`` before making them (and sends
nothing a limit would refuse), so they pass through here untouched. Everything else a handler
sends — a reply to a command or a press — is counted against the same buckets, may use the
tokens reminders leave free, and waits only when even those are spent; so replies neither
queue behind reminders nor push the engine into Telegram's 429s. Every 429 met on the way,
the engine's or a handler's, retried or not, is told to ``on_429`` (the metrics).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.service.flood import PACED, Gate
from bot.telegram.transport import NAME, retry_seconds

log = logging.getLogger(__name__)

Answer = bool | dict[str, Any] | list[dict[str, Any]]
Call = Callable[..., Coroutine[Any, Any, Answer]]


class GateLimiter(BaseRateLimiter[int]):
    """Counts and paces handler sends on the engine's gate; lets the engine's own sends by."""

    def __init__(self, gate: Gate, max_retries: int = 5) -> None:
        self.gate, self.max_retries = gate, max_retries
        self.on_429: Callable[[], None] = _nothing  # set once the metrics exist

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Call,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Answer:
        """Send a handler's message when the gate lets it; retry a 429 as often as allowed."""
        chat = data.get("chat_id")
        if PACED.get() or chat is None or not endpoint.startswith("send"):
            return await self._counted(callback, args, kwargs)
        key = f"{NAME}:{chat}"
        for _ in range(self.max_retries):
            await self._turn(key)
            try:
                return await self._counted(callback, args, kwargs)
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                log.warning("flood limit in chat %s: a reply waits %s s", key, seconds)
                self.gate.hold(key, seconds)
        await self._turn(key)
        return await self._counted(callback, args, kwargs)

    async def _counted(self, callback: Call, args: Any, kwargs: dict[str, Any]) -> Answer:
        """The call, each 429 told to ``on_429`` before it goes on."""
        try:
            return await callback(*args, **kwargs)
        except RetryAfter:
            self.on_429()
            raise

    async def _turn(self, key: str) -> None:
        """Wait until the gate lets a reply go to the chat ``key``, and count it."""
        while (wait := self.gate.wait(key)) > 0:
            await asyncio.sleep(wait)
        self.gate.take(key)


def _nothing() -> None:
    """No metrics: nothing to count."""
