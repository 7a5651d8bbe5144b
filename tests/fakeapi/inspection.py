"""Reading back what the bot did, and waiting (by polling, never fixed sleeps) for it."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable
from typing import Any, TypeVar

from .model import JSON, ApiRequest, BotMessage, CallbackAnswer, Chat, UploadedFile
from .state import State

T = TypeVar("T")
POLL_INTERVAL = 0.005


def _chat_id(chat: Chat | int | None) -> int | None:
    return chat.id if isinstance(chat, Chat) else chat


class Inspection:
    state: State

    def sent(
        self, chat_id: Chat | int | None = None, *, include_deleted: bool = False
    ) -> list[BotMessage]:
        """Messages the bot sent (current state, with ``edits``), oldest first."""
        cid = _chat_id(chat_id)
        with self.state.lock:
            return [
                self.state.view(m)
                for (c, _), m in self.state.messages.items()
                if m.from_bot and (cid is None or c == cid) and (include_deleted or not m.deleted)
            ]

    def last_message(self, chat_id: Chat | int | None = None) -> BotMessage:
        """The newest (not deleted) bot message; AssertionError if there is none."""
        messages = self.sent(chat_id)
        if not messages:
            raise AssertionError(f"the bot sent nothing to {chat_id}\n{self.describe()}")
        return messages[-1]

    def message(self, chat_id: Chat | int, message_id: int) -> BotMessage:
        """Any message (bot's or a user's, deleted or not) by id."""
        with self.state.lock:
            stored = self.state.messages.get((_chat_id(chat_id) or 0, message_id))
            if stored is None:
                raise AssertionError(f"no message {message_id} in chat {chat_id}")
            return self.state.view(stored)

    @property
    def next_update_id(self) -> int:
        """The update_id of the next update (to record it as processed before it comes)."""
        return self.state.next_update_id()

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        with self.state.lock:
            return list(self.state.answers)

    @property
    def requests(self) -> list[ApiRequest]:
        """Every API call in arrival order (copies; includes failed and in-flight ones)."""
        with self.state.lock:
            return [copy.copy(r) for r in self.state.requests]

    def calls(self, method: str) -> list[ApiRequest]:
        return [r for r in self.requests if r.method == method]

    @property
    def commands(self) -> dict[tuple[str, str], list[JSON]]:
        """setMyCommands results keyed by (scope key, language_code); see validate.scope_key."""
        with self.state.lock:
            return copy.deepcopy(self.state.commands)

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        with self.state.lock:
            return copy.deepcopy(self.state.updates)

    @property
    def webhook(self) -> JSON:
        with self.state.lock:
            return dict(self.state.webhook)

    def file(self, file_id: str) -> UploadedFile:
        with self.state.lock:
            return self.state.files[file_id]

    def describe(self, last_requests: int = 15) -> str:
        """Human-readable dump of bot messages and recent requests (used in timeouts)."""
        lines = ["bot messages:"]
        lines += [f"  {m}" for m in self.sent(include_deleted=True)] or ["  (none)"]
        lines.append(f"last {last_requests} requests:")
        for r in self.requests[-last_requests:]:
            shown = {k: v for k, v in r.params.items() if k != "reply_markup"}
            lines.append(f"  {r.method} -> {r.status or '...'} {shown}")
        return "\n".join(lines)

    # ---- waiting ----------------------------------------------------------------------------
    def _check(self, condition: Callable[[], T | None], errors: list[BaseException]) -> T | None:
        try:
            return condition()
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as err:
            errors[:] = [err]
            return None

    def _timeout(self, what: str, timeout: float, errors: list[BaseException]) -> AssertionError:
        extra = f"\nlast predicate error: {errors[0]!r}" if errors else ""
        return AssertionError(
            f"timed out after {timeout}s waiting for {what}{extra}\n{self.describe()}"
        )

    async def wait_until(
        self, condition: Callable[[], T | None], *, timeout: float = 5.0, what: str = "condition"
    ) -> T:
        """Poll ``condition()`` until it returns something truthy; return that value."""
        errors: list[BaseException] = []
        deadline = time.monotonic() + timeout
        while True:
            value = self._check(condition, errors)
            if value:
                return value
            if time.monotonic() >= deadline:
                raise self._timeout(what, timeout, errors)
            await asyncio.sleep(POLL_INTERVAL)

    def wait_until_sync(
        self, condition: Callable[[], T | None], *, timeout: float = 5.0, what: str = "condition"
    ) -> T:
        """Blocking variant for synchronous tests (server started with start_in_thread)."""
        errors: list[BaseException] = []
        deadline = time.monotonic() + timeout
        while True:
            value = self._check(condition, errors)
            if value:
                return value
            if time.monotonic() >= deadline:
                raise self._timeout(what, timeout, errors)
            time.sleep(POLL_INTERVAL)

    async def wait_for(
        self,
        predicate: Callable[[BotMessage], Any] = bool,
        *,
        chat_id: Chat | int | None = None,
        timeout: float = 5.0,
    ) -> BotMessage:
        """First bot message (current state) satisfying ``predicate``; errors count as False."""

        def find() -> BotMessage | None:
            for m in self.sent(chat_id):
                try:
                    if predicate(m):
                        return m
                except (AttributeError, IndexError, KeyError, TypeError, ValueError):
                    continue
            return None

        return await self.wait_until(find, timeout=timeout, what="a matching bot message")

    async def wait_for_request(
        self,
        method: str,
        predicate: Callable[[ApiRequest], Any] | None = None,
        *,
        timeout: float = 5.0,
        completed: bool = True,
    ) -> ApiRequest:
        """First ``method`` call (answered, unless completed=False) satisfying ``predicate``."""

        def find() -> ApiRequest | None:
            for r in self.calls(method):
                if (r.status or not completed) and (predicate is None or predicate(r)):
                    return r
            return None

        return await self.wait_until(find, timeout=timeout, what=f"a {method} request")

    async def wait_for_answer(
        self, predicate: Callable[[CallbackAnswer], Any] | None = None, *, timeout: float = 5.0
    ) -> CallbackAnswer:
        def find() -> CallbackAnswer | None:
            return next((a for a in self.callback_answers if not predicate or predicate(a)), None)

        return await self.wait_until(find, timeout=timeout, what="an answerCallbackQuery")

    async def wait_updates_consumed(self, *, timeout: float = 5.0) -> None:
        """Wait until the bot confirmed (via getUpdates offset) every queued update."""
        await self.wait_until(
            lambda: not self.pending_updates, timeout=timeout, what="updates to be confirmed"
        )
