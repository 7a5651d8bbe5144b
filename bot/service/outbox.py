"""What the service owes the chats: outbox message kinds, their payloads and who they tag."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.incident import Incident
from bot.domain.ladder import climbed_roles
from bot.domain.obligations import Reminder, spec_for, task_spec
from bot.domain.plan import Obligation, Plan, ReminderRules
from bot.domain.timing import reminder_rules
from bot.service import sendnow
from bot.store import Tx


class Kind(StrEnum):
    """The kinds of outbox message; each transport renders every kind."""

    QUESTION = "question"  # ask grading question ``index``; buttons answer it
    ANSWERED = "answered"  # show the answer on the question message
    CARD = "card"  # post (``announce``) or refresh the incident card
    NOTICE = "notice"  # a text: ``key`` + ``params``
    REMINDER = "reminder"  # an obligation warning, due or overdue reminder
    FOLLOW_UP = "follow_up"  # a 续报 prompt: no longer owed (reports are tasks); old rows drawn
    APPROVAL = "approval"  # submitted content awaiting an approver's buttons


def mentions(plan: Plan, roles: Iterable[str]) -> list[str]:
    """Person ids of every member of ``roles``, once each, in plan order."""
    return plan.members(list(roles))


def reminder_mentions(plan: Plan, incident: Incident, reminder: Reminder) -> list[str]:
    """Owner role members; approvers when content awaits approval; escalation roles too."""
    spec = _spec(plan, incident, reminder.obligation)
    roles = [spec.owner]
    if reminder.awaiting_approval:
        roles.extend(spec.approval)
    roles.extend(climbed_roles(rules_for(plan, incident, reminder.obligation), reminder.step))
    return mentions(plan, roles)


def _spec(plan: Plan, incident: Incident, obligation_id: str) -> Obligation:
    """A task's spec in the words of the level that set it."""
    try:
        state = incident.obligation(obligation_id)
    except KeyError:
        return spec_for(plan, incident.level_id or "", obligation_id)
    return task_spec(plan, incident.level_id, state)


def rules_for(plan: Plan, incident: Incident, obligation_id: str) -> ReminderRules:
    """The reminder rules (and ladder) in force for one of the incident's tasks."""
    state = next((s for s in incident.obligations if s.id == obligation_id), None)
    level_id = (state.level if state is not None else None) or incident.level_id or ""
    return reminder_rules(plan, level_id, obligation_id)


async def send(tx: Tx, incident: Incident, kind: Kind, at: datetime, **payload: Any) -> int:
    """Owe the incident's chat a message of ``kind`` (written in the caller's transaction).

    Inside ``sendnow.claiming()`` it is written claimed for the chat's engine, to go at once.
    """
    claiming = sendnow.current()
    owner = claiming.owner(incident.chat) if claiming else None
    item_id = await tx.enqueue(incident.chat, kind.value, payload, at, incident.id, owner)
    if claiming and owner:
        claiming.written(incident.chat, item_id)
    return item_id


async def notice(
    tx: Tx,
    incident: Incident,
    at: datetime,
    key: str,
    mention: Iterable[str] = (),
    **params: Any,
) -> int:
    """Owe the chat a text message ``key`` with ``params``, tagging ``mention``."""
    return await send(tx, incident, Kind.NOTICE, at, key=key, params=params, mentions=list(mention))
