"""Meeting obligations: done, drafts for approval (通稿), progress updates (续报), the review."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.access import Actor, require_role
from bot.domain.errors import DomainError
from bot.domain.incident import Attachment, Incident
from bot.domain.lifecycle import State
from bot.domain.messages import N_
from bot.domain.obligations import REVIEW_ID, ObStatus, content_digest, spec_for
from bot.domain.plan import Obligation
from bot.domain.progress import report_met_by_update
from bot.domain.tasks import open_tasks, resolve_task
from bot.service import archive
from bot.service.base import Editing
from bot.service.closing import Closing
from bot.service.outbox import Kind, mentions, notice, send
from bot.store import Decision

MAX_TEXT = 20000  # characters kept of a draft, update or review


class UnknownObligation(DomainError):
    """The incident has no open obligation by that id."""

    key = N_("error.unknown_obligation")


class NeedsApproval(DomainError):
    """This obligation is met by submitting content that an approver approves."""

    key = N_("error.needs_approval")


class NoApprovalNeeded(DomainError):
    """This obligation is met with 'done'; it takes no draft."""

    key = N_("error.no_approval_needed")


class AlreadyMet(DomainError):
    """The obligation was already met."""

    key = N_("error.already_met")


class NothingSubmitted(DomainError):
    """There is no submitted content to approve or reject."""

    key = N_("error.nothing_submitted")


class NotYetOwed(DomainError):
    """The obligation's clock has not started: it runs from the incident calming down."""

    key = N_("error.not_yet_owed")


class OnStandby(DomainError):
    """The task is owed only if another task is not met by its deadline, and that has not come."""

    key = N_("error.on_standby")


class NotOwedAnyMore(DomainError):
    """The task was dropped in a regrade, or a standby task was spared; ``tasks`` are open."""

    key = N_("error.not_owed_any_more")


class DraftSuperseded(DomainError):
    """The button belongs to an older draft: a newer one was submitted since."""

    key = N_("error.draft_superseded")


class EmptyText(DomainError):
    """A draft, update or review needs text."""

    key = N_("error.empty_text")


class NotLive(DomainError):
    """The incident is closed, cancelled or abandoned."""

    key = N_("error.not_live")


class NotYetGraded(DomainError):
    """The incident's grading questions are still being answered."""

    key = N_("error.not_yet_graded")


def _require_live(incident: Incident) -> None:
    """NotYetGraded while grading, NotLive once over."""
    if incident.state is State.REPORTED:
        raise NotYetGraded(number=incident.number)
    if incident.state not in (State.GRADED, State.ACTIVE, State.STABILISED):
        raise NotLive(state=incident.state.value, number=incident.number)


class Work(Closing):
    """Use cases that meet obligations."""

    async def done(self, incident_id: int, actor: Actor, task: str) -> Incident:
        """Mark a task met (the owner role or the level's approvers); ``task`` as typed."""
        async with self.editing(incident_id) as edit:
            obligation_id, spec = self._open(edit, task)
            if spec.approval:
                raise NeedsApproval(obligation=obligation_id)
            require_role(edit.plan, actor, [spec.owner, *self._approvers(edit)])
            await self._meet(edit, actor, obligation_id)
            return edit.incident

    async def submit(
        self,
        incident_id: int,
        actor: Actor,
        task: str,
        text: str,
        attachments: Sequence[Attachment] = (),
    ) -> Incident:
        """Hand in content (a release draft, the review) for approval; ``task`` as typed."""
        body = text.strip()[:MAX_TEXT]
        if not body:
            raise EmptyText()
        async with self.editing(incident_id) as edit:
            obligation_id, spec = self._open(edit, task)
            if not spec.approval:
                raise NoApprovalNeeded(obligation=obligation_id)
            require_role(edit.plan, actor, [spec.owner, *spec.approval])
            await edit.tx.set_obligation(
                edit.incident.id, obligation_id, status=ObStatus.SUBMITTED, content=body
            )
            await edit.event("submitted", actor, obligation=obligation_id, text=body)
            source = "review" if obligation_id == REVIEW_ID else "draft"
            await archive.record(edit.tx, edit.incident.id, attachments, source, actor, edit.now)
            await send(
                edit.tx,
                edit.incident,
                Kind.APPROVAL,
                edit.now,
                obligation=obligation_id,
                actor=actor.display,
                mentions=mentions(edit.plan, spec.approval),
            )
            await edit.reload()
            return edit.incident

    async def decide_content(
        self,
        incident_id: int,
        actor: Actor,
        obligation_id: str,
        approve: bool,
        version: str | None = None,
    ) -> Incident:
        """Approve (meets the obligation; the review closes the incident) or reject content.

        ``version`` (a ``content_digest``) is the draft the approver saw; a newer one was not.
        """
        async with self.editing(incident_id) as edit:
            obligation_id, spec = self._open(edit, obligation_id)
            if edit.incident.obligation(obligation_id).status is not ObStatus.SUBMITTED:
                raise NothingSubmitted(obligation=obligation_id)
            require_role(edit.plan, actor, spec.approval)
            if version is not None:
                current = await self.store.obligation_content(edit.incident.id, obligation_id)
                if content_digest(current or "") != version:
                    raise DraftSuperseded(obligation=obligation_id)
            decision = Decision.APPROVED if approve else Decision.REJECTED
            await edit.tx.add_approval(
                edit.incident.id,
                kind="content",
                decision=decision,
                actor=actor.key,
                at=edit.now,
                target=obligation_id,
            )
            if approve:
                await self._meet(edit, actor, obligation_id)
            else:
                await edit.tx.set_obligation(
                    edit.incident.id, obligation_id, status=ObStatus.OPEN, content=""
                )
                await edit.event("rejected", actor, obligation=obligation_id)
                await notice(
                    edit.tx,
                    edit.incident,
                    edit.now,
                    N_("notice.rejected"),
                    mentions(edit.plan, [spec.owner]),
                    obligation=obligation_id,
                    actor=actor.display,
                )
            await edit.reload()
            return edit.incident

    async def update(
        self, incident_id: int, actor: Actor, text: str, attachments: Sequence[Attachment] = ()
    ) -> Incident:
        """Record a progress report (续报) from anyone holding a role in the plan."""
        body = text.strip()[:MAX_TEXT]
        if not body:
            raise EmptyText()
        async with self.editing(incident_id) as edit:
            _require_live(edit.incident)
            require_role(edit.plan, actor, list(edit.plan.roles))
            await edit.save(last_update_at=edit.now)
            report = report_met_by_update(edit.incident.obligations, edit.now)
            await edit.event("update", actor, text=body, obligation=report)
            await archive.record(edit.tx, edit.incident.id, attachments, "update", actor, edit.now)
            if report is not None:
                await self._meet(edit, actor, report)  # the progress report this update files
            else:
                await send(edit.tx, edit.incident, Kind.CARD, edit.now, announce=False, mentions=[])
            return edit.incident

    def _approvers(self, edit: Editing) -> list[str]:
        level_id = edit.incident.level_id
        return list(edit.plan.level(level_id).approve) if level_id else []

    def _open(self, edit: Editing, task: str) -> tuple[str, Obligation]:
        """The id and spec of the task ``task`` names, which the incident still owes."""
        incident = edit.incident
        _require_live(incident)
        obligation_id = resolve_task(edit.plan, incident, task)
        try:
            state = incident.obligation(obligation_id)
            assert incident.level_id is not None
            spec = spec_for(edit.plan, incident.level_id, obligation_id)
        except KeyError:
            raise UnknownObligation(obligation=obligation_id, number=incident.number) from None
        if state.status is ObStatus.MET:
            raise AlreadyMet(obligation=obligation_id)
        if state.status is ObStatus.WAITING:
            raise NotYetOwed(obligation=obligation_id, number=incident.number)
        if state.status is ObStatus.STANDBY:
            condition = spec.if_overdue or ""
            raise OnStandby(obligation=obligation_id, condition=condition, number=incident.number)
        if state.status in (ObStatus.DROPPED, ObStatus.SPARED):
            tasks = open_tasks(incident)
            raise NotOwedAnyMore(obligation=obligation_id, number=incident.number, tasks=tasks)
        return obligation_id, spec

    async def _meet(self, edit: Editing, actor: Actor, obligation_id: str) -> None:
        """Mark a task met; once the review is approved, the last task met closes the incident."""
        await edit.tx.set_obligation(
            edit.incident.id, obligation_id, status=ObStatus.MET, met_at=edit.now, met_by=actor.key
        )
        await edit.event("met", actor, obligation=obligation_id)
        await edit.reload()
        review = edit.incident.obligation(REVIEW_ID)
        if edit.incident.state is State.STABILISED and review.status is ObStatus.MET:
            await self._close_or_ask(edit, actor, obligation_id == REVIEW_ID)
        await send(edit.tx, edit.incident, Kind.CARD, edit.now, announce=False, mentions=[])
