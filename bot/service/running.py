"""A running bot's live parts: one service, one delivery engine per messenger, one clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from bot.domain.errors import StoreError, YuqingError
from bot.i18n import Translator
from bot.render.errors import shown_params
from bot.service import languages
from bot.service.archive import Archivist
from bot.service.clock import Clock
from bot.service.clockwork import Clockwork
from bot.service.delivery import Delivery
from bot.service.files import FileSource
from bot.service.incidents import IncidentService
from bot.service.meter import Meter, NoMeter
from bot.service.plans import PlanBook, UnknownChat
from bot.service.retention import KEEP_SENT
from bot.service.shelf import Shelf
from bot.service.transport import Transport
from bot.store import Store


@dataclass
class Running:
    """What every face reaches: the service, the deliveries, the clock, chat languages."""

    service: IncidentService
    deliveries: dict[str, Delivery]  # by transport name
    clockwork: Clockwork
    archivist: Archivist | None = None  # keeps attached files, where a shelf is given
    meter: Meter = field(default_factory=NoMeter)  # told of updates and deliveries (metrics)
    leading: bool = True  # this process runs the clock and delivery (bot.leadership)
    tell_leader: Callable[[], Awaitable[None]] | None = None  # else: how to wake the leader

    @classmethod
    def of(
        cls,
        store: Store,
        plans: PlanBook,
        clock: Clock,
        transports: Sequence[Transport],
        shelf: Shelf | None = None,
        keep_sent: timedelta = KEEP_SENT,
        meter: Meter | None = None,
    ) -> Running:
        """The service on ``store``, delivering through each of ``transports``.

        With a ``shelf``, files people attach are fetched through each transport that is also
        a FileSource and kept there. Sent messages are forgotten after ``keep_sent``.
        """
        service = IncidentService(store, plans, clock, shelf=shelf)
        lang = partial(languages.chat_language, service)
        deliveries = {  # a transport may share its flood gate with its client's own limiter
            transport.name: Delivery(
                transport,
                store,
                service.resolver,
                clock,
                lang,
                gate=getattr(transport, "gate", None),
            )
            for transport in transports
        }
        clockwork = Clockwork(service, list(deliveries), lambda: None)
        running = cls(service, deliveries, clockwork, meter=meter or NoMeter())
        running.clockwork.ticked = running.poke
        running.clockwork.pruning.keep = keep_sent
        if shelf is not None:
            sources = [t for t in transports if isinstance(t, FileSource)]
            running.archivist = Archivist(store, sources, shelf, clock, running.poke)
        return running

    def poke(self) -> None:
        """Messages may be owed: every delivery looks at the outbox soon."""
        for delivery in self.deliveries.values():
            delivery.poke()

    async def changed(self) -> None:
        """After a change: tick (what falls due now, the next wake-up), deliver, fetch files.

        A process that does not lead tells the leader instead: only the leader ticks.
        """
        if not self.leading:
            if self.tell_leader is not None:
                await self.tell_leader()
            return
        await self.clockwork.tick_after_change()
        if self.archivist is not None:
            self.archivist.poke()

    def loops(self) -> dict[str, Coroutine[Any, Any, None]]:
        """The background loops to run, by role: each delivery ("sender"), the clock."""
        found: dict[str, Coroutine[Any, Any, None]] = {"clock": self.clockwork.run()}
        for name, delivery in self.deliveries.items():
            found["sender" if len(self.deliveries) == 1 else f"{name} sender"] = delivery.run()
        if self.archivist is not None:
            found["archive"] = self.archivist.run()
        return found

    async def lang(self, chat: str) -> str:
        """The chat's language."""
        return await languages.chat_language(self.service, chat)

    async def translator(self, chat: str) -> Translator:
        """A translator in the chat's language."""
        return Translator(await self.lang(chat))

    async def refusal(self, chat: str, exc: YuqingError) -> str:
        """An expected error as the chat reads it: its language, the plan's names (plain text)."""
        plan = None
        with suppress(UnknownChat):
            plan = self.service.plans.for_chat(chat)
        try:
            t = await self.translator(chat)
        except StoreError:  # the chat's language is in the database; answer anyway
            t = Translator()
        return t(exc.key, **shown_params(exc.params, plan, t))
