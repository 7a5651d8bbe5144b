"""Which plan an incident is shown and handled with: the loaded one, fitted to the incident."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from bot.domain.fitting import Fitted, fit
from bot.domain.incident import Incident
from bot.domain.plan import Plan
from bot.service.plans import PlanBook
from bot.store import Store

log = logging.getLogger(__name__)


class PlanResolver:
    """Fits the loaded plans to incidents, reading stored plan copies only when needed."""

    def __init__(self, store: Store, plans: PlanBook) -> None:
        self.store, self.plans = store, plans
        self._stored: dict[str, Plan | None] = {}

    async def fitted(self, incident: Incident) -> Fitted:
        """The incident's plan, completed with what it refers to; PlanGone if there is none."""
        current = self.plans.current(incident.plan_id, incident.chat)
        if current is not None:
            quick = fit(current, None, incident)
            if not quick.drift or incident.plan_digest is None:
                return quick
        return fit(current, await self.stored(incident.plan_digest), incident)

    async def plan(self, incident: Incident) -> Plan:
        """The plan to show and handle the incident with."""
        return (await self.fitted(incident)).plan

    async def stored(self, digest: str | None) -> Plan | None:
        """The plan copy kept under ``digest`` (cached), or None."""
        if digest is None:
            return None
        if digest not in self._stored:
            body = await self.store.stored_plan(digest)
            self._stored[digest] = _revive(digest, body)
        return self._stored[digest]


def _revive(digest: str, body: dict[str, Any] | None) -> Plan | None:
    """A stored plan copy as a Plan (None, logged, if this version cannot read it)."""
    if body is None:
        return None
    found = _read(body)
    if found is None:
        log.warning("stored plan %s cannot be read; ids are shown", digest)
    return found


def _read(body: dict[str, Any]) -> Plan | None:
    """A plan's JSON form as a Plan, or None when it is not a valid plan."""
    try:
        return Plan.model_validate(body)
    except ValidationError:
        return None


def readable(body: dict[str, Any]) -> bool:
    """Whether a plan's JSON form reads back as a valid plan."""
    return _read(body) is not None
