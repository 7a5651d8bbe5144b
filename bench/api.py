"""The fake Bot API with a cheap observer of what the bot sends (waiting without polling)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fakeapi import FakeBotAPI

OBSERVED = frozenset({"sendMessage", "editMessageText"})


@dataclass(frozen=True)
class Sent:
    """One message the fake accepted from the bot, when it arrived (time.monotonic)."""

    method: str
    chat: int
    message_id: int
    text: str
    at: float


Predicate = Callable[[Sent], bool]


class BenchAPI(FakeBotAPI):
    """FakeBotAPI that records every accepted send and resolves waiters as they arrive."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.accepted: list[Sent] = []
        self._expected: list[tuple[Predicate, asyncio.Future[Sent]]] = []

    async def _call(self, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        status, body = await super()._call(method, params)
        if status == 200 and method in OBSERVED and isinstance(body.get("result"), dict):
            result = body["result"]
            sent = Sent(
                method,
                result["chat"]["id"],
                result["message_id"],
                result.get("text", ""),
                time.monotonic(),
            )
            self.accepted.append(sent)
            self._resolve(sent)
        return status, body

    def _resolve(self, sent: Sent) -> None:
        for waiter in list(self._expected):
            predicate, future = waiter
            if not future.done() and predicate(sent):
                future.set_result(sent)
                self._expected.remove(waiter)

    def expect(self, predicate: Predicate) -> asyncio.Future[Sent]:
        """A future for the next accepted message matching ``predicate`` (register first)."""
        future: asyncio.Future[Sent] = asyncio.get_running_loop().create_future()
        self._expected.append((predicate, future))
        return future

    def calls(self) -> int:
        """Bot API calls made so far, ``getUpdates`` left out."""
        with self.state.lock:
            return sum(1 for r in self.state.requests if r.method != "getUpdates")

    def count(self, status: int) -> int:
        """How many requests were answered with this HTTP status."""
        with self.state.lock:
            return sum(1 for r in self.state.requests if r.status == status)


def new_message(chat: int, marker: str) -> Predicate:
    """A new (not edited) message in ``chat`` containing ``marker``."""
    return lambda s: s.method == "sendMessage" and s.chat == chat and marker in s.text
