"""The delivery engine in passes: drain() ends while more is enqueued than the limits let out."""

from __future__ import annotations

import asyncio
from itertools import count

from support import CHAT, tg_actor

from bot.service.delivery import Delivery
from bot.service.incidents import IncidentService
from bot.service.transport import Capabilities, Outgoing, Rate

EYE = tg_actor(3)
PACED = Capabilities(  # a chat takes 2 at once, then one every 50 ms
    edits=True,
    edit_window=None,
    push=True,
    mentions=True,
    text_limit=4096,
    buttons=None,
    button_label=None,
    per_chat=(Rate(2, 0.1),),
)


class Echoing:
    """A messenger on which every message sent makes the bot owe one more to the same chat."""

    name = "telegram"
    capabilities = PACED

    def __init__(self, service: IncidentService) -> None:
        self.service, self.sent, self.ids = service, list[int](), count(1)
        self.delivery: Delivery | None = None

    async def send(self, out: Outgoing) -> str:
        """Record the message, enqueue a copy of it, and poke the engine as the service would."""
        self.sent.append(out.item.id)
        item = out.item
        async with self.service.store.transaction() as tx:
            now = self.service.clock.now()
            await tx.enqueue(item.chat, item.kind, item.payload, now, item.incident_id)
        assert self.delivery is not None
        self.delivery.poke()
        return str(next(self.ids))

    async def edit(self, ref: str, out: Outgoing) -> str:
        """Edits are sends here."""
        await self.send(out)
        return ref

    async def answer(self, press: str, text: str | None = None) -> None:
        """Nothing to acknowledge."""


async def zh(chat: str) -> str:
    return "zh_CN"


async def test_drain_delivers_what_was_owed_when_called_and_returns(
    service: IncidentService,
) -> None:
    for n in range(3):
        await service.open_report(CHAT, EYE, f"网帖 {n}")
    owed = [item.id for item in await service.store.pending()]
    assert len(owed) >= 3
    messenger = Echoing(service)
    delivery = Delivery(messenger, service.store, service.resolver, service.clock, zh)
    messenger.delivery = delivery
    async with asyncio.timeout(60):  # a drain that chased the copies would never end
        assert await delivery.drain() is True
    assert messenger.sent == owed  # each once, in the chat's order
    copies = [item.id for item in await service.store.pending()]
    assert len(copies) == len(owed) and min(copies) > max(owed)  # owed still, for the engine
    async with asyncio.timeout(60):
        assert await delivery.drain() is True
    assert messenger.sent == owed + copies
