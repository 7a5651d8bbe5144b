"""Inline buttons: grading answers, leaders' decisions, done, approve and reject."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.domain.access import Actor
from bot.domain.incident import Incident
from bot.service.buttons import Action, ButtonData, StaleButton, unpack
from bot.service.incidents import IncidentService
from bot.telegram.common import use_case
from bot.telegram.runtime import Context, actor, chat_key, runtime


async def dispatch(service: IncidentService, data: ButtonData, who: Actor, chat: str) -> Incident:
    """Call the use case a button stands for (only on an incident of the pressing chat)."""
    found = await service.store.get_incident(data.incident_id)
    if found is None or found.chat != chat:
        raise StaleButton()
    match data.action:
        case Action.ANSWER:
            index, _, option = data.arg.partition("=")
            if not index.isdigit():
                raise StaleButton()
            return await service.answer(data.incident_id, who, int(index), option)
        case Action.CONFIRM:
            return await service.confirm(data.incident_id, who)
        case Action.REGRADE:
            return await service.regrade(data.incident_id, who, data.arg)
        case Action.CANCEL:
            return await service.cancel(data.incident_id, who)
        case Action.STABILISE:
            return await service.stabilise(data.incident_id, who)
        case Action.CLOSE:
            return await service.close(data.incident_id, who)
        case Action.DONE:
            return await service.done(data.incident_id, who, data.arg)
        case Action.APPROVE | Action.REJECT:
            obligation, versioned, digest = data.arg.partition("@")
            if not versioned:
                raise StaleButton()
            approve = data.action is Action.APPROVE
            return await service.decide_content(
                data.incident_id, who, obligation, approve, version=digest
            )


@use_case
async def pressed(update: Update, context: Context) -> None:
    """A button press: act for the presser, then acknowledge it."""
    query = update.callback_query
    assert query is not None
    data = unpack(query.data or "")
    await dispatch(runtime(context).service, data, actor(update), chat_key(update))
    await query.answer()


def handlers() -> list[CallbackQueryHandler[Context, None]]:
    """The button handler."""
    return [CallbackQueryHandler(pressed)]
