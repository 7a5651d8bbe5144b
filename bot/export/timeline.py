"""The report's timeline (处置过程): every event, repeated reminders folded, escalations marked."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.incident import TimelineEvent
from bot.domain.messages import N_
from bot.domain.text import listed
from bot.export.model import Facts, Section, Table, at, name
from bot.i18n import Translator
from bot.render.words import level_name, role_title, task_name

FOLDED = frozenset({"reminder", "answered", "follow_up"})  # said again and again: one row each run


@dataclass
class _Row:
    first: TimelineEvent
    label: str
    about: str
    who: str
    count: int = 1
    last: TimelineEvent | None = None


def timeline(facts: Facts, t: Translator) -> Section:
    """One row per event; a run of the same reminder (or answer) is one row with its count."""
    section = Section(t("export.timeline"))
    rows: list[_Row] = []
    running: dict[tuple[str, str, str], _Row] = {}
    for event in facts.events:
        what = t(EVENT_KEYS[event.kind]) if event.kind in EVENT_KEYS else event.kind
        about = detail(facts, event, t)
        who = name(facts, event.actor) if event.actor else "—"
        key = (event.kind, about, who)
        if event.kind not in FOLDED:
            running.clear()  # something happened: a later reminder starts a new row
        elif key in running:
            row = running[key]
            row.count, row.last = row.count + 1, event
            continue
        row = _Row(event, what, about, who)
        rows.append(row)
        if event.kind in FOLDED:
            running[key] = row
    table = [[t("export.col.time"), t("export.col.event"), t("export.col.who")]]
    marked = set()
    for number, row in enumerate(rows, start=1):
        what = f"{row.label} {row.about}".strip()
        if row.count > 1 and row.last is not None:
            last = row.last.at.astimezone(facts.plan.zone).strftime("%H:%M")
            what = t("export.folded", what=row.label, count=row.count, last=last, task=row.about)
        if row.first.kind == "escalation":
            marked.add(number)
        table.append([at(facts, row.first.at), what, row.who])
    section.blocks.append(Table(table, (0.25, 0.55, 0.2), frozenset(marked)))
    return section


def named(facts: Facts, t: Translator, obligation: str = "", level: str = "") -> str:
    """A level or an obligation in the plan's words (one the level no longer has keeps its id)."""
    if level:
        return level_name(facts.plan, level, t.lang)
    return task_name(facts.plan, facts.incident.level_id, obligation, t.lang) if obligation else ""


def detail(facts: Facts, event: TimelineEvent, t: Translator) -> str:
    """What an event was about: its task or level; an escalation's step and the roles it added."""
    data = event.data
    task = named(facts, t, obligation=str(data.get("obligation") or ""))
    if event.kind == "escalation":
        roles = (role_title(facts.plan, role, t.lang) for role in data.get("roles", []))
        step, added = data.get("step", 0), listed(roles, t.lang)
        return t("export.escalation", task=task, step=step, roles=added)
    if event.kind in ("standby_owed", "standby_spared"):
        condition = named(facts, t, obligation=str(data.get("condition") or ""))
        key = STANDBY_KEYS[event.kind]
        if data.get("reason") == "dropped":
            key = N_("export.standby_spared_dropped")
        return t(key, task=task, condition=condition)
    if event.kind == "update" and task:
        return t("export.update_meets", task=task)
    return task or named(facts, t, level=str(data.get("level") or ""))


EVENT_KEYS = {
    "reported": N_("export.event.reported"),
    "answered": N_("export.event.answered"),
    "graded": N_("export.event.graded"),
    "confirm": N_("export.event.confirm"),
    "regrade": N_("export.event.regrade"),
    "cancel": N_("export.event.cancel"),
    "stabilise": N_("export.event.stabilise"),
    "met": N_("export.event.met"),
    "submitted": N_("export.event.submitted"),
    "rejected": N_("export.event.rejected"),
    "update": N_("export.event.update"),
    "reminder": N_("export.event.reminder"),
    "escalation": N_("export.event.escalation"),
    "report_opened": N_("export.event.report_opened"),
    "standby_owed": N_("export.event.standby_owed"),
    "standby_spared": N_("export.event.standby_spared"),
    "follow_up": N_("export.event.follow_up"),
    "closed": N_("export.event.closed"),
    "abandoned": N_("export.event.abandoned"),
}
STANDBY_KEYS = {
    "standby_owed": N_("export.standby_owed"),
    "standby_spared": N_("export.standby_spared"),
}
