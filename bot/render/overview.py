"""Overviews for read-side commands: /list, /plan and /help."""

from __future__ import annotations

from datetime import datetime

from bot.domain.incident import Incident
from bot.domain.lifecycle import LIVE_STATES
from bot.domain.obligations import ACTIVE_STATUSES, obligation_specs, task_spec
from bot.domain.plan import Level, Obligation, Plan, ReminderRules
from bot.domain.text import listed
from bot.i18n import Translator
from bot.render.doc import Doc, bold
from bot.render.words import duration, level_name, role_title, state_name, task_name, when


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
    """The plan: its levels with criteria, who is told, who decides, deadlines, 续报 and ladders."""
    lang = t.lang
    doc = Doc().line(bold(plan.title.get(lang)))
    doc.line(t("plan.timezone", zone=plan.timezone))
    if plan.reminders.escalate:
        doc.line(ladder(plan, plan.reminders, t))
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
            doc.line("· ", _deadline(plan, level.id, spec, t))
            if spec.reminders is not None and spec.reminders.escalate:
                doc.line("  ", ladder(plan, spec.reminders, t))
        for line in _cadence(plan, level, t):
            doc.line("· ", line)
    if plan.follow_up:
        follow = plan.follow_up
        doc.line("")
        doc.line(
            t("plan.follow_up", every=duration(t, follow.every), total=duration(t, follow.for_))
        )
    return doc


def _deadline(plan: Plan, level_id: str, spec: Obligation, t: Translator) -> str:
    """A task and its time limit; a conditional one says what it waits on."""
    params = {
        "task": spec.text.get(t.lang),
        "owner": role_title(plan, spec.owner, t.lang),
        "within": duration(t, spec.within),
        "start": t("plan.after_stabilised") if spec.after == "stabilised" else "",
    }
    if spec.if_overdue is None:
        return t("plan.deadline", **params)
    condition = task_name(plan, level_id, spec.if_overdue, t.lang)
    return t("plan.conditional", condition=condition, **params)


def _cadence(plan: Plan, level: Level, t: Translator) -> list[str]:
    """The level's progress reports (续报): while it is handled, and its own after it calms."""
    found = []
    if level.progress is not None:
        every, owner = (
            duration(t, level.progress.every),
            role_title(plan, level.progress.owner, t.lang),
        )
        total = level.progress.for_
        if total is None:
            found.append(t("plan.progress", every=every, owner=owner))
        else:
            found.append(t("plan.progress_for", every=every, total=duration(t, total), owner=owner))
    if level.follow_up is not None:
        follow = level.follow_up
        found.append(
            t(
                "plan.follow_up_level",
                every=duration(t, follow.every),
                total=duration(t, follow.for_),
                owner=role_title(plan, follow.owner, t.lang),
            )
        )
    return found


def ladder(plan: Plan, rules: ReminderRules, t: Translator) -> str:
    """The escalation ladder in words: "逾期后：第1次提醒未回应→副组长；逾期2小时→组长"."""
    steps = []
    for step in rules.escalate:
        roles = listed((role_title(plan, role, t.lang) for role in step.to), t.lang)
        if step.overdue is not None:
            steps.append(t("plan.step_overdue", after=duration(t, step.overdue), roles=roles))
        elif step.reminders:
            steps.append(t("plan.step_reminders", n=step.reminders, roles=roles))
        else:
            steps.append(t("plan.step_due", roles=roles))
    return t("plan.ladder", steps=("；" if t.lang == "zh_CN" else "; ").join(steps))


def help_text(t: Translator, chat: str, user: str, bound: bool, messenger: str) -> Doc:
    """What the bot does, its commands, the ids a plan names, and whether the chat is bound."""
    ids = t("help.ids", chat=chat, user=user, messenger=messenger)
    doc = Doc().line(t("help.text")).line("").line(ids)
    if not bound:
        doc.line(t("help.unbound", messenger=messenger))
    return doc
