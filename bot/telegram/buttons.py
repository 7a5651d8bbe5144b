"""Inline buttons: grading answers, leaders' decisions, done, approve and reject."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.domain.access import Actor
from bot.domain.incident import Incident
from bot.service.buttons import (
    Answer,
    Approve,
    Cancel,
    Close,
    Confirm,
    Done,
    Press,
    Regrade,
    Reject,
    Stabilise,
    StaleButton,
    unpack,
)
from bot.service.incidents import IncidentService
from bot.telegram.common import use_case
from bot.telegram.runtime import Context, actor, chat_key, runtime


async def dispatch(service: IncidentService, press: Press, who: Actor, chat: str) -> Incident:
    """Call the use case a button stands for (only on an incident of the pressing chat)."""
    found = await service.store.get_incident(press.incident_id)
    if found is None or found.chat != chat:
        raise StaleButton()
    number = press.incident_id
    match press:
        case Answer(index=index, option=option):
            return await service.answer(number, who, index, option)
        case Confirm():
            return await service.confirm(number, who)
        case Regrade(level=level):
            return await service.regrade(number, who, level)
        case Cancel():
            return await service.cancel(number, who)
        case Stabilise():
            return await service.stabilise(number, who)
        case Close():
            return await service.close(number, who)
        case Done(obligation=obligation):
            return await service.done(number, who, obligation)
        case Approve(obligation=obligation, digest=digest):
            return await service.decide_content(number, who, obligation, True, digest)
        case Reject(obligation=obligation, digest=digest):
            return await service.decide_content(number, who, obligation, False, digest)


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
