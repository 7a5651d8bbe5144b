"""Read-side commands as service calls: what /status /list /stats /plan /export /help show.

Each returns neutral parts (Docs, and files as bytes) that any messenger renders its own way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.domain.access import Actor
from bot.domain.lifecycle import LIVE_STATES
from bot.i18n import Translator
from bot.render.card import card
from bot.render.doc import Doc
from bot.render.evidence import add_evidence
from bot.render.overview import help_text, incident_list, plan_summary
from bot.service.incidents import IncidentService


@dataclass(frozen=True)
class File:
    """A file to send: its bytes, its name, an optional plain-text caption; a chart is a picture."""

    data: bytes
    name: str
    caption: str = ""
    picture: bool = False


Part = Doc | File


async def status(service: IncidentService, chat: str, number: int, t: Translator) -> list[Part]:
    """The card of incident #``number`` of this chat, with its buttons and its evidence."""
    incident = await service.find(chat, number)
    plan = await service.plan_for(incident)
    shown = card(incident, plan, t, service.clock.now(), [])
    return [add_evidence(shown, await service.store.evidence(incident.id), plan, t)]


async def listing(service: IncidentService, chat: str, t: Translator) -> list[Part]:
    """The chat's open incidents with their next deadline."""
    incidents = await service.store.list_incidents(states=LIVE_STATES, chat=chat)
    shown = [(incident, await service.plan_for(incident)) for incident in incidents]
    return [incident_list(shown, t, service.clock.now())]


def show_plan(service: IncidentService, chat: str, t: Translator) -> list[Part]:
    """The plan the chat runs (UnknownChat if none)."""
    return [plan_summary(service.plans.for_chat(chat), t)]


async def stats(service: IncidentService, chat: str, days: int | None, t: Translator) -> list[Part]:
    """The chat's figures (drills excluded) over the last ``days``, with a chart if any."""
    from bot.export.chart import stats_chart  # the chart stack loads only when asked
    from bot.stats import compute, names_of, render

    plan = service.plans.for_chat(chat)
    now = service.clock.now()
    since = now - timedelta(days=days) if days is not None else None
    incidents = await service.store.list_incidents(chat=chat, include_drills=False)
    figures = compute(incidents, now, since, plan)
    names = await names_of(incidents, service.resolver)
    doc = Doc()
    for line in render(figures, plan, t, names):
        doc.line(line)
    parts: list[Part] = [doc]
    if figures.incidents:
        chart = stats_chart(figures.per_level, figures.on_time, plan, t, names)
        parts.append(File(chart, "stats.png", picture=True))
    return parts


async def export(
    service: IncidentService, chat: str, number: int, lang: str, t: Translator
) -> list[Part]:
    """Incident #``number``'s written report as a Word file, and its timeline chart."""
    from bot.export.command import render_report  # the export stack loads only when asked

    incident = await service.find(chat, number)
    now = service.clock.now()
    data, chart, _ = await render_report(
        service.store, service.plans, incident.number, "docx", lang, now, service.shelf
    )
    name = f"yuqing-{incident.number}"
    parts: list[Part] = [File(data, f"{name}.docx", t("export.caption", number=incident.number))]
    if chart is not None:
        parts.append(File(chart, f"{name}.png", picture=True))
    return parts


def help_for(service: IncidentService, chat: str, who: Actor, t: Translator) -> list[Part]:
    """What the bot does, with the ids a plan names this chat and this person by."""
    user = str(who.user_id) if who.user_id is not None else "—"
    messenger, _, native = chat.partition(":")
    return [help_text(t, native, user, chat in service.plans.chats(), messenger)]
