"""Overviews for read-side commands: /list, /plan and /help."""

from __future__ import annotations

from datetime import datetime

from bot.domain.incident import Incident
from bot.domain.lifecycle import LIVE_STATES
from bot.domain.obligations import ACTIVE_STATUSES, obligation_specs, task_spec
from bot.domain.plan import Plan
from bot.i18n import Translator
from bot.render.doc import Doc, bold
from bot.render.words import duration, level_name, state_name, when


def incident_list(incidents: list[tuple[Incident, Plan]], t: Translator, now: datetime) -> Doc:
    """Open incidents (each with its plan), one line each, with the next deadline."""
    live = [(incident, plan) for incident, plan in incidents if incident.state in LIVE_STATES]
    if not live:
        return Doc().line(t("list.empty"))
    doc = Doc().line(bold(t("list.title", count=len(live))))
    for incident, plan in live:
        level = level_name(plan, incident.level_id, t.lang)
        head = f"#{incident.number} {level} · {state_name(t, incident.state)}"
        nxt = _next_deadline(incident, plan, t)
        summary = incident.description.splitlines()[0][:60] if incident.description else ""
        doc.line(f"{head} · {nxt} — {summary}" if nxt else f"{head} — {summary}")
    return doc


def _next_deadline(incident: Incident, plan: Plan, t: Translator) -> str:
    """The earliest open obligation: its text and due time."""
    open_ones = [o for o in incident.obligations if o.status in ACTIVE_STATUSES and o.due_at]
    if not open_ones or incident.level_id is None:
        return ""
    first = min(open_ones, key=lambda o: o.due_at or incident.reported_at)
    assert first.due_at is not None
    task = task_spec(plan, incident.level_id, first).text.get(t.lang)
    return t("list.next", task=task, due=when(first.due_at, plan))


def plan_summary(plan: Plan, t: Translator) -> Doc:
    """The plan: its levels with criteria, who is told, who decides, and the deadlines."""
    lang = t.lang
    doc = Doc().line(bold(plan.title.get(lang)))
    doc.line(t("plan.timezone", zone=plan.timezone))
    for level in plan.levels:
        doc.line("")
        doc.line(bold(level.name.get(lang)))
        if level.description:
            doc.line(level.description.get(lang))
        roles = {
            "notify": "、".join(plan.roles[r].title.get(lang) for r in level.notify) or "—",
            "approve": "、".join(plan.roles[r].title.get(lang) for r in level.approve),
        }
        doc.line(t("plan.roles", **roles))
        for spec in obligation_specs(plan, level.id):
            owner = plan.roles[spec.owner].title.get(lang)
            start = t("plan.after_stabilised") if spec.after == "stabilised" else ""
            doc.line(
                "· ",
                t(
                    "plan.deadline",
                    task=spec.text.get(lang),
                    owner=owner,
                    within=duration(t, spec.within),
                    start=start,
                ),
            )
    if plan.follow_up:
        follow = plan.follow_up
        doc.line("")
        doc.line(
            t("plan.follow_up", every=duration(t, follow.every), total=duration(t, follow.for_))
        )
    return doc


def help_text(t: Translator, chat: str, user: str, bound: bool, messenger: str) -> Doc:
    """What the bot does, its commands, the ids a plan names, and whether the chat is bound."""
    ids = t("help.ids", chat=chat, user=user, messenger=messenger)
    doc = Doc().line(t("help.text")).line("").line(ids)
    if not bound:
        doc.line(t("help.unbound", messenger=messenger))
    return doc
