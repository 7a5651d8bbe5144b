"""PTB's rate limiter, telling the metrics of each 429 it meets (it retries them itself)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

Answer = bool | dict[str, Any] | list[dict[str, Any]]


class CountingLimiter(AIORateLimiter):
    """An AIORateLimiter that calls ``on_429`` for every RetryAfter, retried or not."""

    def __init__(self, max_retries: int = 0, group_time_period: float = 60) -> None:
        super().__init__(max_retries=max_retries, group_time_period=group_time_period)
        self.on_429: Callable[[], None] = _nothing  # set once the metrics exist

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Answer]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Answer:
        """The request as AIORateLimiter makes it, each 429 counted on the way."""

        async def counted(*a: Any, **k: Any) -> Answer:
            try:
                return await callback(*a, **k)
            except RetryAfter:
                self.on_429()
                raise

        return await super().process_request(counted, args, kwargs, endpoint, data, rate_limit_args)


def _nothing() -> None:
    """No metrics: nothing to count."""
