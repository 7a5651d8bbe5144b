"""What every use case shares: the store, the plans, the clock, and one editing transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.access import Actor
from bot.domain.errors import DomainError, IllegalTransition
from bot.domain.fitting import Fitted
from bot.domain.incident import Incident, TimelineEvent
from bot.domain.lifecycle import Event, State, transition
from bot.domain.messages import N_
from bot.domain.plan import Plan
from bot.service.clock import Clock
from bot.service.firstlook import FirstLook
from bot.service.plans import PlanBook
from bot.service.resolve import PlanResolver, readable
from bot.service.shelf import Shelf
from bot.store import Store, Tx

SQLITE_MAX_INT = 2**63 - 1  # a larger number cannot be an incident (nor be looked up)


class UnknownIncident(DomainError):
    """No incident with that number (in this chat)."""

    key = N_("error.unknown_incident")


@dataclass
class Editing:
    """One open transaction on one incident, with its plan and the time it started."""

    store: Store
    tx: Tx
    incident: Incident
    fitted: Fitted
    plans: PlanBook
    now: datetime

    @property
    def plan(self) -> Plan:
        """The incident's plan, fitted to what the incident refers to."""
        return self.fitted.plan

    async def event(self, kind: str, actor: Actor | None, **data: Any) -> None:
        """Append a timeline event for this incident."""
        who = actor.key if actor else None
        if actor and actor.name:
            data.setdefault("actor_name", actor.name)
        await self.tx.add_event(TimelineEvent(self.incident.id, self.now, kind, who, data))

    async def move(self, event: Event, **fields: Any) -> State:
        """Apply a lifecycle event (IllegalTransition if the table refuses) and save fields."""
        state = self.allowed(event)
        await self.save(state=state, **fields)
        return state

    def allowed(self, event: Event) -> State:
        """The state ``event`` leads to; IllegalTransition (naming the incident) if none."""
        try:
            return transition(self.incident.state, event)
        except IllegalTransition as exc:
            exc.params["number"] = self.incident.number
            raise

    async def keep_plan(self) -> None:
        """Keep a copy of the plan the incident is scheduled with, so its names outlive edits.

        After an edit, that is the loaded plan completed with what the incident still refers
        to (unless that cannot be read back; the older copy then stays).
        """
        current = self.plans.current(self.incident.plan_id, self.incident.chat)
        if current is None:
            return
        plan = self.fitted.plan if self.fitted.drift else current
        digest, body = self.plans.snapshot(plan)
        if self.incident.plan_digest == digest or not (plan is current or readable(body)):
            return
        await self.tx.save_plan(digest, current.id, body, self.now)
        await self.save(plan_digest=digest)

    async def save(self, **fields: Any) -> None:
        """Change incident fields (optimistically, against the version read)."""
        await self.tx.update_incident(self.incident.id, self.incident.version, **fields)
        await self.reload()

    async def reload(self) -> None:
        """Read the incident again inside this transaction (it sees its own writes)."""
        fresh = await self.store.get_incident(self.incident.id)
        assert fresh is not None
        self.incident = fresh


@dataclass
class Base:
    """The ports every use case works through."""

    store: Store
    plans: PlanBook
    clock: Clock
    shelf: Shelf | None = None  # where attached files are kept (None: not kept, e.g. drills)
    # per transport: how far the clock's first look at the live incidents has come since start
    looked: dict[str | None, FirstLook] = field(default_factory=dict, init=False, repr=False)
    resolver: PlanResolver = field(init=False, repr=False)
    # incidents the clock set aside (plan gone, or a tick that failed): logged once each
    aside: set[int] = field(default_factory=set, init=False, repr=False)
    # digests of plan copies known to be in the store (a report need not write them again)
    kept_plans: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        self.resolver = PlanResolver(self.store, self.plans)

    @asynccontextmanager
    async def editing(self, incident_id: int, chat: str | None = None) -> AsyncIterator[Editing]:
        """Open a transaction on an incident; UnknownIncident if absent (or of another chat)."""
        async with self.store.transaction() as tx:
            incident = await self.store.get_incident(incident_id)
            if incident is None or (chat is not None and incident.chat != chat):
                raise UnknownIncident(number=incident_id)
            fitted = await self.resolver.fitted(incident)
            yield Editing(self.store, tx, incident, fitted, self.plans, self.clock.now())

    async def plan_for(self, incident: Incident) -> Plan:
        """The plan to show and handle ``incident`` with (PlanGone if none is left)."""
        return await self.resolver.plan(incident)

    async def find(self, chat: str, number: int) -> Incident:
        """The incident #``number`` of this chat; UnknownIncident otherwise."""
        if not 0 < number <= SQLITE_MAX_INT:
            raise UnknownIncident(number=number)
        incident = await self.store.get_by_number(number)
        if incident is None or incident.chat != chat:
            raise UnknownIncident(number=number)
        return incident
