"""Telling a group, once, what its open incidents refer to that the edited plan no longer has."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.domain.fitting import Drift, Fitted, impact
from bot.domain.incident import Incident
from bot.domain.messages import N_
from bot.service.outbox import Kind, mentions, notice, send
from bot.service.reporting import Reporting
from bot.store import Tx

log = logging.getLogger(__name__)

TOLD = "plan_drift"  # kv: incident id -> the drift its group was told of


def drift_data(drift: Drift) -> dict[str, Any]:
    """A drift item as JSON for a notice's parameters."""
    name = drift.name.root if drift.name is not None else None
    return {"kind": drift.kind.value, "id": drift.id, "name": name, "question": drift.question}


class DriftNotices(Reporting):
    """What no longer maps after a plan edit: logged at every start, told to the group once."""

    async def tell_drift(self, incident: Incident, fitted: Fitted, now: datetime, tx: Tx) -> None:
        """Log the incident's drift; tell its group what is new since it was last told."""
        current = self.plans.current(incident.plan_id, incident.chat)
        found = impact(incident, fitted, current)
        if found.asked_again:
            await self._restart_grading(incident, now, tx)
        if not found.drift:
            return
        log.warning(
            "incident #%s: the plan no longer has %s",
            incident.number,
            ", ".join(f"{d.kind.value} {d.id!r}" for d in found.drift),
        )
        items = [drift_data(d) for d in found.drift]
        told = await self.store.kv_get(TOLD, str(incident.id)) or []
        new = [item for item in items if item not in told]
        if not new:
            return
        plan = fitted.plan
        level = incident.level_id
        approvers = plan.level(level).approve if level in plan.level_ids else []
        key = N_("notice.plan_gone") if current is None else N_("notice.plan_changed")
        title = (current or plan).title.root
        await notice(tx, incident, now, key, mentions(plan, approvers), drift=new, plan=title)
        await tx.kv_set(TOLD, str(incident.id), items, now)

    async def _restart_grading(self, incident: Incident, now: datetime, tx: Tx) -> None:
        """The questions changed under a report still being graded: ask them again."""
        log.warning("incident #%s: grading questions changed; asked again", incident.number)
        await tx.clear_answers(incident.id)
        await notice(tx, incident, now, N_("notice.grading_restarted"), ())
        await send(tx, incident, Kind.QUESTION, now, index=0, reporter=incident.reporter)
