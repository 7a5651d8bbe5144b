"""Which open incidents a plan edit affects, before it bites (``check-plan --database``)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.fitting import Impact, PlanGone, impact
from bot.domain.incident import Incident
from bot.domain.lifecycle import LIVE_STATES
from bot.service.plans import PlanBook
from bot.service.resolve import PlanResolver
from bot.store import Store


@dataclass(frozen=True)
class Affected:
    """One open incident and what the loaded plans mean for it."""

    incident: Incident
    impact: Impact
    lost: bool = False  # its plan is gone and no copy of it was stored


async def affected(store: Store, plans: PlanBook) -> list[Affected]:
    """Every open incident (drills included) that ``plans`` change something for."""
    resolver = PlanResolver(store, plans)
    found = []
    for incident in await store.list_incidents(states=LIVE_STATES):
        current = plans.current(incident.plan_id, incident.chat)
        try:
            fitted = await resolver.fitted(incident)
        except PlanGone:
            found.append(Affected(incident, Impact(gone=True), lost=True))
            continue
        result = impact(incident, fitted, current)
        if result.affected:
            found.append(Affected(incident, result))
    return found
