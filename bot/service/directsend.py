"""The delivery engine's part that sends a use case's messages right after its commit.

See bot/service/sendnow.py for how a face gets them written claimed for the engine. Here the
engine sends them at once, in their chat's turn, when no message to that chat is on its way,
nothing older waits there and the flood gate lets them go; whatever cannot go is left to its
next pass, where it is handled as every other message (a chat held, gone, a message parked).
Chats take turns one by one (bot/service/turns.py), so messages to different chats go side by
side while each chat's go in order. A message sent here that the engine's pass had already
claimed is remembered in ``_taken`` until that pass is over, so the pass does not send it again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from bot.domain.errors import StoreError
from bot.domain.incident import Incident
from bot.service import setaside
from bot.service.clock import Clock
from bot.service.flood import PACED, Gate
from bot.service.transport import ChatGone, RetryLater, Transport
from bot.service.turns import Turns
from bot.store import OutboxItem, Store

Known = Mapping[int, Incident]  # incidents by id, as a use case committed them
NOTHING: Known = MappingProxyType({})


class SendsNow(ABC):
    """Mixed into the Delivery engine: ``send_now`` and what it needs of the engine."""

    _turns: Turns[str]  # a turn per chat: one message on its way to a chat at a time
    _taken: set[int]  # outbox ids taken off the queue here since the engine's pass began
    store: Store
    clock: Clock
    transport: Transport
    gate: Gate

    @abstractmethod
    def poke(self) -> None:
        """Have the engine look at the outbox soon."""

    @abstractmethod
    async def _deliver_once(self, item: OutboxItem, known: Known = NOTHING) -> str | None:
        """Deliver an item unless an earlier attempt did."""

    @abstractmethod
    def _retry(self, item: OutboxItem, exc: RetryLater) -> object:
        """Hold the item's chat for a flood limit, or note an outage."""

    @abstractmethod
    def _forget(self, item: OutboxItem) -> None:
        """Drop what is remembered of an item that is off the queue."""

    @abstractmethod
    async def _record_all(self, sent: Sequence[tuple[OutboxItem, str | None]]) -> None:
        """Mark items sent, in one transaction."""

    async def send_now(self, chat: str, ids: Sequence[int], known: Known = NOTHING) -> None:
        """Send messages just written claimed for this engine (bot/service/sendnow.py) at once,
        if nothing is on its way to their chat, nothing older waits there and the flood limits
        let them go; else they go on its next pass. ``known``: incidents as committed."""
        if self._turns.busy(chat):
            self.poke()
            return
        async with self._turns.turn(chat):
            done = await self._send_mine(chat, ids, known)
        if not done:
            self.poke()

    async def _send_mine(self, chat: str, ids: Sequence[int], known: Known) -> bool:
        """Send and record ``ids``; False when any is left to the engine's own pass."""
        try:
            owed = await self.store.owed_upto(chat, max(ids), len(ids) + 1)
            if [item.id for item in owed] != sorted(ids):
                return False  # older messages wait there first (or these rolled back)
            owed = await self._skip_gone(owed)
            sent = await self._send_these(owed, known)
            await self._record_all(sent)
        except StoreError:  # what was sent is remembered (_unrecorded): the engine records it
            return False
        return len(sent) == len(owed)

    async def _skip_gone(self, owed: list[OutboxItem]) -> list[OutboxItem]:
        """The items still to send once those owed to chats the bot left are dropped."""
        left = await setaside.skip_gone(self.store, self.clock, self.transport.name, owed)
        self._taken.update({item.id for item in owed} - {item.id for item in left})
        return left

    async def _send_these(
        self, items: list[OutboxItem], known: Known
    ) -> list[tuple[OutboxItem, str | None]]:
        """Send items in order while the flood limits let them; stop at the first that cannot go
        (handled as a pass would: a chat held, a chat gone, a message parked)."""
        sent: list[tuple[OutboxItem, str | None]] = []
        paced = PACED.set(True)  # counted here against the gate, not again by the client
        try:
            for item in items:
                if self.gate.wait(item.chat) > 0:
                    break
                try:
                    sent.append((item, await self._deliver_once(item, known)))
                except RetryLater as exc:
                    self._retry(item, exc)
                    break
                except ChatGone as exc:
                    await setaside.forget_chat(self.store, self.clock, item, exc)
                    self._forget(item)
                    break
                except StoreError:
                    break
                except Exception as exc:  # a bug, or a plan the message cannot be drawn by
                    await setaside.park(self.store, self.clock, item, exc)
                    self._forget(item)
                    break
        finally:
            PACED.reset(paced)
        return sent
