"""Closing an incident: once the review is approved and every task is met, or by a leader."""

from __future__ import annotations

from bot.domain.access import Actor, require_role
from bot.domain.errors import DomainError
from bot.domain.incident import Incident
from bot.domain.lifecycle import Event
from bot.domain.messages import N_
from bot.domain.obligations import ObStatus
from bot.domain.verdicts import closing_pending, owed, reports_at_close
from bot.service.base import Base, Editing
from bot.service.outbox import Kind, mentions, notice, send
from bot.store import Decision


class NotClosable(DomainError):
    """Closing by hand needs the review approved first."""

    key = N_("error.not_closable")


class Closing(Base):
    """The end of an incident."""

    async def close(self, incident_id: int, actor: Actor) -> Incident:
        """Close now, with tasks still owed: they are frozen as unmet at close."""
        async with self.editing(incident_id) as edit:
            require_role(edit.plan, actor, edit.plan.review.approve)
            edit.allowed(Event.CLOSE)
            if not closing_pending(edit.incident):
                raise NotClosable(number=edit.incident.number)
            unmet = await self._freeze_and_close(edit, actor)
            await edit.tx.add_approval(
                edit.incident.id,
                kind="close",
                decision=Decision.APPROVED,
                actor=actor.key,
                at=edit.now,
            )
            await notice(
                edit.tx,
                edit.incident,
                edit.now,
                N_("notice.closed_unmet"),
                (),
                actor=actor.display,
                tasks=unmet,
            )
            await send(edit.tx, edit.incident, Kind.CARD, edit.now, announce=False, mentions=[])
            return edit.incident

    async def _close_or_ask(self, edit: Editing, actor: Actor, review_approved: bool) -> None:
        """Close when nothing else is owed; else, as the review is approved, ask the leaders."""
        pending = [ob.id for ob in owed(edit.incident)]
        if not pending:
            await self._freeze_and_close(edit, actor)
            key = N_("notice.closed") if review_approved else N_("notice.closed_all_met")
            await notice(edit.tx, edit.incident, edit.now, key, (), actor=actor.display)
        elif review_approved:
            approvers = mentions(edit.plan, edit.plan.review.approve)
            await notice(
                edit.tx,
                edit.incident,
                edit.now,
                N_("notice.close_pending"),
                approvers,
                actor=actor.display,
                tasks=pending,
            )

    async def _freeze_and_close(self, edit: Editing, actor: Actor) -> list[str]:
        """Freeze owed tasks as unmet at close, then close; the ids frozen."""
        unmet = [ob.id for ob in owed(edit.incident)]
        missed, not_due = reports_at_close(edit.incident, edit.now)
        for obligation_id in [*unmet, *missed]:
            await edit.tx.set_obligation(edit.incident.id, obligation_id, status=ObStatus.UNMET)
        for obligation_id in not_due:  # the incident ends before these reports fall due
            await edit.tx.set_obligation(edit.incident.id, obligation_id, status=ObStatus.DROPPED)
        await edit.reload()
        await edit.move(Event.CLOSE, closed_at=edit.now)
        await edit.event("closed", actor, unmet=unmet)
        return unmet
