"""Flood limits checked before sending, never waited on: token buckets and a round-robin of chats.

The delivery engine asks the ``Gate`` whether a message may go to a chat *now*; when it may
not, the engine serves another chat instead of waiting (``Rotation``). Reminders leave each
chat's last ``RESERVE`` tokens to the replies people wait for, so a reply to a command or a
press is not queued behind a burst of reminders in its chat.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field

from bot.service.outbox import Kind
from bot.service.transport import Capabilities, Rate
from bot.store import OutboxItem

RESERVE = 1  # tokens of each chat bucket that reminders leave to replies
BACKGROUND = frozenset({Kind.REMINDER.value, Kind.FOLLOW_UP.value})  # owed by the clock
# Set while the delivery engine sends a message it has already counted against the gate, so a
# messenger client's own limiter neither counts it again nor waits for it.
PACED: ContextVar[bool] = ContextVar("paced", default=False)


def background(item: OutboxItem) -> bool:
    """Whether the item is a reminder the clock owes, rather than an answer to someone."""
    return item.kind in BACKGROUND


@dataclass
class Bucket:
    """One token bucket: ``rate.count`` tokens at most, refilled at count/seconds per second."""

    rate: Rate
    at: float
    tokens: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = float(self.rate.count)

    def wait(self, now: float, keep: int = 0) -> float:
        """Seconds until one token can be taken leaving ``keep`` (0: it can be now)."""
        per_second = self.rate.count / self.rate.seconds
        self.tokens = min(float(self.rate.count), self.tokens + (now - self.at) * per_second)
        self.at = max(self.at, now)
        short = 1 + min(keep, self.rate.count - 1) - self.tokens
        return 0.0 if short <= 1e-9 else short / per_second

    def take(self) -> None:
        """Spend one token (the caller checked ``wait`` first)."""
        self.tokens -= 1


class Gate:
    """A messenger's buckets: the overall ones and each chat's; checked without blocking."""

    def __init__(
        self,
        capabilities: Capabilities,
        clock: Callable[[], float] = time.monotonic,
        reserve: int = RESERVE,
    ) -> None:
        self.capabilities, self.clock, self.reserve = capabilities, clock, reserve
        self._overall = [Bucket(rate, clock()) for rate in capabilities.overall]
        self._chats: dict[str, list[Bucket]] = {}
        self._held: dict[str, float] = {}  # chat -> until when the messenger asked to wait

    def wait(self, chat: str, reply: bool = True) -> float:
        """Seconds until a message may go to ``chat`` (0: now); reminders keep the reserve."""
        now = self.clock()
        keep = 0 if reply else self.reserve
        held = self._held.get(chat, now) - now
        chat_waits = (bucket.wait(now, keep) for bucket in self._buckets(chat))
        overall_waits = (bucket.wait(now) for bucket in self._overall)
        return max([0.0, held, *chat_waits, *overall_waits])

    def take(self, chat: str) -> None:
        """Count one message sent to ``chat`` (after ``wait`` said it may go)."""
        for bucket in (*self._overall, *self._buckets(chat)):
            bucket.take()

    def hold(self, chat: str, seconds: float) -> None:
        """The messenger refused a send to ``chat``: nothing goes there for ``seconds``."""
        self._held[chat] = max(self._held.get(chat, 0.0), self.clock() + seconds)

    def _buckets(self, chat: str) -> list[Bucket]:
        if chat not in self._chats:
            per_chat = self.capabilities.per_chat
            self._chats[chat] = [Bucket(rate, self.clock()) for rate in per_chat]
        return self._chats[chat]


class Rotation:
    """Owed messages by chat, served round-robin: replies first in a chat, each lane in order.

    Built from one claim of at most ``window`` replies and ``window`` reminders per chat (and
    ``cap`` messages in all); ``done`` says when a lane ran out that may have left more owed.
    """

    def __init__(
        self, items: Iterable[OutboxItem], window: int | None = None, cap: int | None = None
    ) -> None:
        self._chats: dict[str, tuple[deque[OutboxItem], deque[OutboxItem]]] = {}
        count = 0
        for item in sorted(items, key=lambda i: i.id):
            lanes = self._chats.setdefault(item.chat, (deque(), deque()))
            lanes[background(item)].append(item)
            count += 1
        self._turn: deque[str] = deque(self._chats)
        cut = cap is not None and count >= cap  # the claim may have left whole chats out
        self._full = {  # the lanes the claim may have left messages of
            (chat, lane)
            for chat, lanes in self._chats.items()
            for lane in (False, True)
            if cut or window is None or len(lanes[lane]) >= window
        }

    def __bool__(self) -> bool:
        return bool(self._turn)

    def head(self, chat: str) -> OutboxItem:
        """The chat's next message: its oldest reply, else its oldest reminder."""
        replies, reminders = self._chats[chat]
        return replies[0] if replies else reminders[0]

    def next(self, gate: Gate) -> OutboxItem | float:
        """The next message that may go now, its chat's turn passed on; else seconds to wait."""
        soonest = float("inf")
        for _ in range(len(self._turn)):
            chat = self._turn[0]
            self._turn.rotate(-1)
            item = self.head(chat)
            wait = gate.wait(chat, reply=not background(item))
            if wait == 0.0:
                return item
            soonest = min(soonest, wait)
        return soonest

    def done(self, item: OutboxItem) -> bool:
        """Take a delivered (or parked) message off; True if its lane ran out and may owe more."""
        lanes = self._chats[item.chat]
        lane = background(item)
        lanes[lane].remove(item)
        if not (lanes[0] or lanes[1]):
            self.drop(item.chat)
        return not lanes[lane] and (item.chat, lane) in self._full

    def drop(self, chat: str) -> None:
        """Forget every message of ``chat`` (the bot left it)."""
        if self._chats.pop(chat, None) is not None:
            self._turn.remove(chat)
