"""Leaders' decisions on the card: confirm, regrade, cancel as false alarm, mark stabilised."""

from __future__ import annotations

from bot.domain.access import Actor, require_role
from bot.domain.errors import DomainError
from bot.domain.fitting import DriftKind
from bot.domain.incident import Incident
from bot.domain.lifecycle import Event
from bot.domain.messages import N_
from bot.domain.obligations import Anchors, schedule
from bot.service.base import Base, Editing
from bot.service.outbox import Kind, mentions, notice, send
from bot.store import Decision


class UnknownLevel(DomainError):
    """A regrade to a level the plan does not have."""

    key = N_("error.unknown_level")


class SameLevel(DomainError):
    """A regrade to the level the incident already has."""

    key = N_("error.same_level")


class Decisions(Base):
    """The approvers' buttons on the incident card."""

    async def confirm(self, incident_id: int, actor: Actor) -> Incident:
        """Confirm the level: the incident becomes active."""
        async with self.editing(incident_id) as edit:
            self._authorize(edit, actor)
            await edit.move(Event.CONFIRM, confirmed_at=edit.now)
            await self._record(edit, actor, "confirm", edit.incident.level_id)
            await notice(
                edit.tx,
                edit.incident,
                edit.now,
                N_("notice.confirmed"),
                (),
                level=edit.incident.level_id,
                actor=actor.display,
            )
            return edit.incident

    async def regrade(self, incident_id: int, actor: Actor, level_id: str) -> Incident:
        """Move the incident to another level and recompute its open obligations."""
        async with self.editing(incident_id) as edit:
            self._authorize(edit, actor)
            old = edit.incident.level_id
            retired = edit.fitted.retired(DriftKind.LEVEL, level_id)
            if level_id not in edit.plan.level_ids or retired:
                raise UnknownLevel(level=level_id)
            if level_id == old:
                raise SameLevel(level=level_id)
            result = schedule(edit.plan, level_id, edit.incident.anchors, edit.incident.obligations)
            await edit.tx.save_obligations(edit.incident.id, result.states)
            await edit.move(Event.REGRADE, level_id=level_id)
            await edit.keep_plan()
            await self._record(
                edit,
                actor,
                "regrade",
                level_id,
                old=old,
                added=list(result.added),
                dropped=list(result.dropped),
            )
            tagged = mentions(edit.plan, edit.plan.level(level_id).notify)
            await notice(
                edit.tx,
                edit.incident,
                edit.now,
                N_("notice.regraded"),
                tagged,
                old=old,
                new=level_id,
                actor=actor.display,
                added=list(result.added),
                dropped=list(result.dropped),
                changed=[change.id for change in result.changed],
            )
            return edit.incident

    async def cancel(self, incident_id: int, actor: Actor) -> Incident:
        """Close the incident as a false alarm: nothing more is sent for it."""
        async with self.editing(incident_id) as edit:
            self._authorize(edit, actor)
            await edit.move(Event.CANCEL, closed_at=edit.now)
            await self._record(edit, actor, "cancel", None)
            await notice(
                edit.tx, edit.incident, edit.now, N_("notice.cancelled"), (), actor=actor.display
            )
            return edit.incident

    async def stabilise(self, incident_id: int, actor: Actor) -> Incident:
        """Mark the incident as calmed down: follow-up and the review clock start."""
        async with self.editing(incident_id) as edit:
            self._authorize(edit, actor)
            anchors = Anchors(edit.incident.reported_at, edit.now, edit.incident.confirmed_at)
            assert edit.incident.level_id is not None
            result = schedule(edit.plan, edit.incident.level_id, anchors, edit.incident.obligations)
            await edit.tx.save_obligations(edit.incident.id, result.states)
            await edit.move(Event.STABILISE, stabilised_at=edit.now)
            await edit.keep_plan()
            await self._record(edit, actor, "stabilise", None)
            roles = [edit.plan.review.owner]
            follow_up = edit.plan.follow_up_for(edit.incident.level_id)
            if follow_up:
                roles.append(follow_up.owner)
            # 续报 after the calm only where the plan owes it; else the plan asks to keep watching
            key = N_("notice.stabilised") if follow_up else N_("notice.stabilised_watch")
            tagged = mentions(edit.plan, roles)
            await notice(edit.tx, edit.incident, edit.now, key, tagged, actor=actor.display)
            return edit.incident

    def _authorize(self, edit: Editing, actor: Actor) -> None:
        """Only the current level's approver roles decide."""
        level_id = edit.incident.level_id
        if level_id is None:  # still being graded: every level's approvers may act
            roles = sorted({role for level in edit.plan.levels for role in level.approve})
        else:
            roles = edit.plan.level(level_id).approve
        require_role(edit.plan, actor, roles)

    async def _record(
        self, edit: Editing, actor: Actor, kind: str, target: str | None, **data: object
    ) -> None:
        """The approval record, the timeline event and the refreshed card."""
        await edit.tx.add_approval(
            edit.incident.id,
            kind=kind,
            decision=Decision.APPROVED,
            actor=actor.key,
            at=edit.now,
            target=target,
        )
        await edit.event(kind, actor, target=target, **data)
        await send(edit.tx, edit.incident, Kind.CARD, edit.now, announce=False, mentions=[])
