"""Opt-in flood limits for the fake Bot API: 429 with ``retry_after`` when a bot sends too fast.

Each limit is a token bucket (``capacity`` messages at once, refilled at ``capacity / period``
per second), the model python-telegram-bot's ``AIORateLimiter`` uses too:

* overall, per bot: 30 messages per second;
* per group (negative chat id): 20 messages per minute;
* per chat: 1 message per second, with short bursts of 3 allowed.

    server.flood = FloodControl(FloodLimits())   # off (None) unless a test asks for it

Only message sends count (``SENDS``); edits, callback answers and polling never do.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
JITTER = 0.25  # tokens of slack for loopback jitter between the bot's limiter and this clock


@dataclass(frozen=True)
class Limit:
    """``capacity`` messages at once, refilled evenly over ``period`` seconds."""

    capacity: float
    period: float

    @property
    def rate(self) -> float:
        """Messages per second in the long run."""
        return self.capacity / self.period


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's documented limits for one bot."""

    overall: Limit = Limit(30, 1.0)
    group: Limit = Limit(20, 60.0)
    chat: Limit = Limit(3, 3.0)

    def minimum_seconds(self, chats: Iterable[int]) -> float:
        """The least time any sender needs for these messages (one per chat id listed).

        A lower bound: each bucket alone needs ``(n - capacity) / rate`` once its burst is
        spent; the slowest bucket decides.
        """
        per_chat = Counter(chats)
        total = sum(per_chat.values())
        needs = [(total - self.overall.capacity) / self.overall.rate]
        for chat, count in per_chat.items():
            needs.append((count - self.chat.capacity) / self.chat.rate)
            if chat < 0:
                needs.append((count - self.group.capacity) / self.group.rate)
        return max(0.0, *needs)

    def in_order_seconds(self, chats: Iterable[int]) -> float:
        """The least time for a sender that keeps this order (one message at a time)."""
        flood = FloodControl(self, lambda: now)
        now = 0.0
        for chat in chats:
            while wait := flood.wait(chat):
                now += wait
        return now


@dataclass
class _Bucket:
    kind: str
    limit: Limit
    level: float = 0.0  # tokens in use; leaks at limit.rate per second
    at: float = 0.0

    def wait(self, now: float, slack: float = JITTER) -> float:
        """Seconds until one more message fits (0: it fits now)."""
        self.level = max(0.0, self.level - (now - self.at) * self.limit.rate)
        self.at = now
        excess = self.level + 1 - self.limit.capacity - slack
        return 0.0 if excess <= 0 else excess / self.limit.rate

    def take(self) -> None:
        self.level += 1


@dataclass
class FloodControl:
    """The buckets of one bot; ``check`` answers how long a send must wait (0 = allowed)."""

    limits: FloodLimits = field(default_factory=FloodLimits)
    clock: Callable[[], float] = time.monotonic
    refused: Counter[str] = field(default_factory=Counter)  # 429s by the bucket that was full
    _buckets: dict[tuple[str, int], _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, chat: int) -> float:
        """Seconds until a send to ``chat`` fits (no slack); 0: counted as sent now."""
        with self._lock:
            buckets = self._buckets_for(chat)
            wait = max(bucket.wait(self.clock(), slack=0.0) for bucket in buckets)
            if wait > 1e-9:
                return wait
            for bucket in buckets:
                bucket.take()
            return 0.0

    def _buckets_for(self, chat: int) -> list[_Bucket]:
        found = [self._bucket("overall", 0, self.limits.overall)]
        if chat:
            found.append(self._bucket("chat", chat, self.limits.chat))
        if chat < 0:
            found.append(self._bucket("group", chat, self.limits.group))
        return found

    def check(self, method: str, chat_id: object) -> int:
        """0 if the send may go now (and count it), else the whole seconds to retry after."""
        if method not in SENDS:
            return 0
        try:
            chat = int(str(chat_id))
        except ValueError:
            chat = 0  # "@channel" usernames: counted overall only
        with self._lock:
            now = self.clock()
            buckets = self._buckets_for(chat)
            waits = {bucket.kind: bucket.wait(now) for bucket in buckets}
            kind = max(waits, key=lambda k: waits[k])
            if waits[kind] > 0:
                self.refused[kind] += 1
                return max(1, math.ceil(waits[kind]))
            for bucket in buckets:
                bucket.take()
            return 0

    def _bucket(self, kind: str, chat: int, limit: Limit) -> _Bucket:
        key = (kind, chat)
        if key not in self._buckets:
            self._buckets[key] = _Bucket(kind, limit, at=self.clock())
        return self._buckets[key]
