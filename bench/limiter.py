"""A proposed rate limiter: PTB's AIORateLimiter plus Telegram's per-chat limit.

``AIORateLimiter`` throttles the bot overall (30/s) and per group (20/min) but not per chat,
where Telegram asks for about one message a second (short bursts allowed). The benchmark
swaps it in (``bench.child --chat-limit``) to measure the change it would make in
``bot/telegram/app.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

CHAT_BURST, CHAT_PERIOD = 3, 3.0  # 3 at once, then one a second


class ChatRateLimiter(AIORateLimiter):
    """AIORateLimiter that also holds each chat to one message a second after a burst."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._chats: dict[str, AsyncLimiter] = {}

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Wait for the chat's own limiter (message sends only), then PTB's."""
        chat = data.get("chat_id")
        if chat is None or not endpoint.startswith("send"):
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        limiter = self._chats.setdefault(str(chat), AsyncLimiter(CHAT_BURST, CHAT_PERIOD))
        async with limiter:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
