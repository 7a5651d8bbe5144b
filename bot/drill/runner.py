"""The drill runner: the real service on a virtual clock, printing what the group would see."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.access import Actor
from bot.domain.errors import YuqingError
from bot.domain.incident import Incident
from bot.domain.plan import Plan
from bot.drill.screen import Tone, untinted
from bot.drill.transport import NAME as TRANSPORT
from bot.drill.transport import Terminal
from bot.i18n import Translator
from bot.render.errors import shown_params
from bot.service.clock import ManualClock
from bot.service.delivery import Delivery
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.service.transport import Outgoing
from bot.store import Store


@dataclass(frozen=True)
class Heard:
    """One message the group received during the drill, at a virtual offset from the start."""

    offset: timedelta
    kind: str
    payload: dict[str, object]
    text: str


class DrillStopped(Exception):
    """Ctrl-C: the drill stops at the next moment it waits, so the report can follow."""


@dataclass
class Drill:
    """One drill of one plan: a virtual chat, a manual clock, the real incident service."""

    plan: Plan
    store: Store
    clock: ManualClock
    t: Translator
    speed: float | None = None  # virtual seconds per real second; None = jump ("max")
    out: Callable[[str], None] = print
    tint: Callable[[str, Tone], str] = untinted  # colour, where the terminal shows it
    heard: list[Heard] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)  # set by Ctrl-C

    def __post_init__(self) -> None:
        self.start = self.clock.now()
        self.chat = f"{TRANSPORT}:{self.plan.id}"
        plans = PlanBook([self.plan])
        plans.bind(self.chat, self.plan.id)
        self.service = IncidentService(self.store, plans, self.clock)
        self.delivery = Delivery(
            Terminal(self._hear), self.store, self.service.resolver, self.clock, self._lang
        )
        self.incident_id: int | None = None
        self.reporter = Actor(TRANSPORT, None)

    async def _lang(self, chat: str) -> str:
        return self.t.lang

    def actor(self, roles: list[str]) -> Actor:
        """The first member of the first of ``roles`` that has one, acting as that plan person."""
        members = self.plan.members(roles)
        if not members:
            return Actor(TRANSPORT, None, None, "?")
        return Actor(TRANSPORT, members[0], None, self.plan.people[members[0]].name)

    async def incident(self) -> Incident:
        """The drill's incident as it stands."""
        assert self.incident_id is not None
        found = await self.store.get_incident(self.incident_id)
        assert found is not None
        return found

    async def run_until(self, target: datetime) -> None:
        """Let virtual time pass to ``target``, sending every reminder that falls due on the way."""
        while True:
            next_at = await self.service.tick(TRANSPORT)
            await self.flush()
            if next_at is None or next_at > target:
                break
            await self._pass_to(next_at)
        await self._pass_to(target)

    async def _pass_to(self, moment: datetime) -> None:
        """Let time pass, at ``speed``; DrillStopped (the clock where it got to) once stopped."""
        if self.stop.is_set():
            raise DrillStopped
        gap = moment - self.clock.now()
        if gap <= timedelta(0):
            return
        if self.speed:
            began = time.monotonic()
            # waiting for the stop, not sleeping: a store call is never cut off half-way
            with suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), gap.total_seconds() / self.speed)
            if self.stop.is_set():
                passed = timedelta(seconds=(time.monotonic() - began) * self.speed)
                self.clock.set(min(moment, self.clock.now() + passed))
                raise DrillStopped
        self.clock.set(moment)

    async def act(self, action: Callable[[], object]) -> bool:
        """Run one use case; a refusal is shown as the group would see it, and the drill goes on."""
        try:
            result = action()
            if asyncio.iscoroutine(result):
                await result
        except YuqingError as exc:
            params = shown_params(exc.params, self.plan, self.t)
            self._print(self.t("drill.refused", message=self.t(exc.key, **params)))
            return False
        finally:
            await self.flush()
        return True

    async def flush(self) -> None:
        """Deliver every message owed to the drill chat: printed, as the group would see it."""
        await self.delivery.drain()

    def _hear(self, out: Outgoing, text: str) -> None:
        """Keep and print one message the group received."""
        offset = self.clock.now() - self.start
        self.heard.append(Heard(offset, out.item.kind, dict(out.item.payload), text))
        self._print(text)

    def _print(self, text: str) -> None:
        now = self.clock.now()
        stamp = now.astimezone(self.plan.zone).strftime("%m-%d %H:%M:%S")
        offset = _offset(now - self.start)
        lines = text.splitlines() or [""]
        self.out(self.tint(f"[{stamp} {offset}]", "stamp") + f" {lines[0]}")
        for line in lines[1:]:
            self.out(f"{' ' * (len(stamp) + len(offset) + 4)}{line}")


def _offset(delta: timedelta) -> str:
    """``+2:00:00`` or ``+1d 2:00:00``."""
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours}:{minutes:02d}:{secs:02d}"
    return f"+{days}d {clock}" if days else f"+{clock}"
