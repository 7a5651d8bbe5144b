"""Reporting: open an incident, answer the grading questions, grade it and post the card."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.access import Actor, may_report
from bot.domain.errors import DomainError
from bot.domain.grading import GRADED, grade
from bot.domain.incident import Attachment, Incident, TimelineEvent
from bot.domain.lifecycle import Event, State
from bot.domain.messages import N_
from bot.domain.obligations import schedule
from bot.service import archive
from bot.service.base import Base, Editing
from bot.service.buttons import StaleButton
from bot.service.outbox import Kind, mentions, notice, send

MAX_DESCRIPTION = 20000  # characters kept of a description (the card shows its start)


class NotMonitor(DomainError):
    """The plan's monitor role has members and the reporter is not one of them."""

    key = N_("error.not_monitor")


class NotReporter(DomainError):
    """Only the person who reported may answer the grading questions."""

    key = N_("error.not_reporter")


class EmptyDescription(DomainError):
    """A report needs a description."""

    key = N_("error.empty_description")


class Reporting(Base):
    """Report and grading use cases."""

    async def open_report(
        self,
        chat: str,
        actor: Actor,
        description: str,
        attachments: Sequence[Attachment] = (),
        lang: str | None = None,
        drill: bool = False,
    ) -> Incident:
        """Open an incident in ``chat`` and ask its first grading question."""
        plan = self.plans.for_chat(chat)
        if not may_report(plan, actor):
            raise NotMonitor()
        text = description.strip()[:MAX_DESCRIPTION]
        if not text:
            raise EmptyDescription()
        now = self.clock.now()
        digest, body = self.plans.snapshot(plan)
        async with self.store.transaction() as tx:
            await tx.upsert_person(actor.key, actor.username, actor.name, now)
            if digest not in self.kept_plans:
                await tx.save_plan(digest, plan.id, body, now)
            incident = await tx.create_incident(
                plan_id=plan.id,
                chat=chat,
                reporter=actor.key,
                description=text,
                reported_at=now,
                attachments=attachments,
                lang=lang or plan.language,
                is_drill=drill,
                extra={"reporter_name": actor.display},
                plan_digest=digest,
            )
            data = {"actor_name": actor.name} if actor.name else {}
            await tx.add_event(TimelineEvent(incident.id, now, "reported", actor.key, data))
            await archive.record(tx, incident.id, attachments, "report", actor, now)
            await send(tx, incident, Kind.QUESTION, now, index=0, reporter=actor.key)
        self.kept_plans.add(digest)  # committed: copies are never deleted
        return incident

    async def answer(self, incident_id: int, actor: Actor, index: int, option: str) -> Incident:
        """Record the reporter's answer to question ``index``; grade after the last one."""
        async with self.editing(incident_id) as edit:
            incident, plan = edit.incident, edit.plan
            if incident.state is not State.REPORTED or index != len(incident.answers):
                raise StaleButton()
            if actor.key != incident.reporter:
                raise NotReporter()
            if index >= len(plan.questions):
                raise StaleButton()
            question = plan.questions[index]
            if option not in {candidate.id for candidate in question.options}:
                raise StaleButton()
            await edit.tx.set_answer(incident.id, question.id, option, actor.key, edit.now)
            await edit.event("answered", actor, question=question.id, option=option)
            await send(edit.tx, incident, Kind.ANSWERED, edit.now, index=index, option=option)
            if index + 1 < len(plan.questions):
                await send(
                    edit.tx,
                    incident,
                    Kind.QUESTION,
                    edit.now,
                    index=index + 1,
                    reporter=incident.reporter,
                )
                await edit.reload()
            else:
                await edit.reload()
                await self._grade(edit)
            return edit.incident

    async def _grade(self, edit: Editing) -> None:
        """Set the level from the answers, start the obligation clocks, post the card."""
        incident, plan = edit.incident, edit.plan
        result = grade(plan, incident.answers)
        obligations = schedule(plan, result.level.id, incident.anchors)
        await edit.tx.save_obligations(incident.id, obligations.states)
        reasons = [[reason.question, reason.option] for reason in result.reasons]
        graded = {"level": result.level.id, "reasons": reasons}
        await edit.move(
            Event.GRADE,
            level_id=result.level.id,
            graded_at=edit.now,
            extra={**incident.extra, GRADED: graded},
        )
        await edit.keep_plan()
        await edit.event("graded", None, level=result.level.id, reasons=reasons)
        tagged = mentions(plan, result.level.notify)
        await send(edit.tx, edit.incident, Kind.CARD, edit.now, announce=True, mentions=tagged)

    async def abandon(self, edit: Editing) -> None:
        """Give up a report whose questions were not answered in time."""
        await edit.move(Event.ABANDON, closed_at=edit.now)
        await edit.event("abandoned", None)
        reporter = {"reporter": edit.incident.reporter}
        await notice(edit.tx, edit.incident, edit.now, N_("notice.abandoned"), (), **reporter)
