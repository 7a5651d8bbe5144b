"""The report as neutral data: sections of paragraphs and tables, built from one incident."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.incident import Incident, TimelineEvent
from bot.domain.messages import N_
from bot.domain.obligations import task_spec
from bot.domain.plan import Plan
from bot.domain.series import parse_instance
from bot.domain.text import listed
from bot.domain.verdicts import Late, Standing, Verdict, late_kind, missed_reports, standing
from bot.i18n import Translator
from bot.render.card import reasons_line
from bot.render.words import duration, level_name, role_title, state_name, task_name
from bot.store import Approval


@dataclass
class Section:
    """A heading, its paragraphs, and an optional table (header row first)."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)


@dataclass
class Report:
    """The whole written report."""

    title: str
    subtitle: str
    sections: list[Section]


@dataclass(frozen=True)
class Facts:
    """Everything the report is made from, read from the store."""

    incident: Incident
    plan: Plan
    events: list[TimelineEvent]
    approvals: list[Approval]
    contents: dict[str, str]  # obligation id -> submitted content (release text, review)
    names: dict[str, str]  # person key -> display name
    now: datetime


def _at(facts: Facts, moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(facts.plan.zone).strftime("%Y-%m-%d %H:%M")


def _name(facts: Facts, key: str | None) -> str:
    return facts.names.get(key or "", key or "—")


def build(facts: Facts, t: Translator) -> Report:
    """The report's sections, in the order the source plans ask for."""
    incident, plan = facts.incident, facts.plan
    return Report(
        title=t("export.title"),
        subtitle=t(
            "export.subtitle",
            number=incident.number,
            plan=plan.title.get(t.lang),
            level=level_name(plan, incident.level_id, t.lang),
            state=state_name(t, incident.state),
        ),
        sections=[
            _basics(facts, t),
            _grading(facts, t),
            _obligations(facts, t),
            _approvals(facts, t),
            _updates(facts, t),
            _timeline(facts, t),
            _review(facts, t),
        ],
    )


def _basics(facts: Facts, t: Translator) -> Section:
    incident = facts.incident
    section = Section(t("export.basics"))
    section.paragraphs += [
        t("export.found_at", at=_at(facts, incident.reported_at)),
        t("export.reporter", name=_name(facts, incident.reporter)),
        t("export.description", text=incident.description),
    ]
    for attachment in incident.attachments:
        label = attachment.name or attachment.value
        section.paragraphs.append(t("export.attachment", kind=attachment.kind, value=label))
    if incident.is_drill:
        section.paragraphs.append(t("export.is_drill"))
    return section


def _grading(facts: Facts, t: Translator) -> Section:
    incident, plan = facts.incident, facts.plan
    section = Section(t("export.grading"))
    level = level_name(plan, incident.level_id, t.lang)
    section.paragraphs.append(t("export.level", level=level))
    if incident.level_id is not None:
        section.paragraphs.append(t("export.reasons", reasons=reasons_line(incident, plan, t)))
    if incident.level_id:
        notified = plan.members(plan.level(incident.level_id).notify)
        names = "、".join(plan.people[p].name for p in notified) or "—"
        section.paragraphs.append(t("export.notified", names=names))
    return section


def _obligations(facts: Facts, t: Translator) -> Section:
    incident, plan = facts.incident, facts.plan
    section = Section(t("export.obligations"))
    section.table.append(
        [
            t("export.col.task"),
            t("export.col.owner"),
            t("export.col.due"),
            t("export.col.met"),
            t("export.col.result"),
        ]
    )
    missed = missed_reports(incident, facts.now)
    for ob in incident.obligations:
        if incident.level_id is None:
            continue
        spec = task_spec(plan, incident.level_id, ob)
        kind = late_kind(plan, incident.level_id, ob)
        section.table.append(
            [
                spec.text.get(t.lang),
                role_title(plan, spec.owner, t.lang),
                _at(facts, ob.due_at),
                _at(facts, ob.met_at),
                _result(standing(incident, ob, facts.now), t, ob.id in missed, ob.id, kind),
            ]
        )
    return section


RESULT_KEYS = {
    Verdict.ON_TIME: N_("export.result.on_time"),
    Verdict.LATE: N_("export.result.late"),
    Verdict.BREACHED: N_("export.result.breached"),
    Verdict.OPEN: N_("export.result.open"),
    Verdict.NOT_STARTED: N_("export.result.not_started"),
    Verdict.DROPPED: N_("export.result.dropped"),
    Verdict.UNMET: N_("export.result.unmet"),
    Verdict.CANCELLED: N_("export.result.cancelled"),
    Verdict.STANDBY: N_("export.result.standby"),
    Verdict.SPARED: N_("export.result.spared"),
}


def _result(
    found: Standing, t: Translator, missed: bool = False, task: str = "", kind: Late = Late.TASK
) -> str:
    """A task's verdict in the report's words (lateness: 迟报 for a report, else 逾期完成)."""
    late = duration(t, found.margin) if found.margin is not None else ""
    if missed:
        return t("export.result.report_missed", late=late)
    if parse_instance(task) and found.verdict is Verdict.DROPPED:  # the calm or close came first
        return t("export.result.report_dropped")
    if found.verdict is Verdict.LATE and kind is Late.TASK:
        return t("export.result.late_task", late=late)
    return t(RESULT_KEYS[found.verdict], late=late)


def _approvals(facts: Facts, t: Translator) -> Section:
    section = Section(t("export.approvals"))
    section.table.append(
        [t("export.col.time"), t("export.col.who"), t("export.col.what"), t("export.col.decision")]
    )
    for approval in facts.approvals:
        section.table.append(
            [
                _at(facts, approval.at),
                _name(facts, approval.actor),
                _approval_subject(facts, approval, t),
                t(DECISION_KEYS[approval.decision.value]),
            ]
        )
    return section


APPROVAL_KEYS = {
    "confirm": N_("export.event.confirm"),
    "regrade": N_("export.event.regrade"),
    "cancel": N_("export.event.cancel"),
    "stabilise": N_("export.event.stabilise"),
    "content": N_("export.approval.content"),
    "close": N_("export.approval.close"),
}


def _approval_subject(facts: Facts, approval: Approval, t: Translator) -> str:
    """What was decided: the kind, and the level or the obligation it was about."""
    what = t(APPROVAL_KEYS[approval.kind]) if approval.kind in APPROVAL_KEYS else approval.kind
    target = approval.target or ""
    if approval.kind in ("confirm", "regrade"):
        target = _named(facts, t, level=target)
    elif approval.kind == "content":
        target = _named(facts, t, obligation=target)
    return f"{what}：{target}" if target else what


def _named(facts: Facts, t: Translator, obligation: str = "", level: str = "") -> str:
    """A level or an obligation in the plan's words (one the level no longer has keeps its id)."""
    if level:
        return level_name(facts.plan, level, t.lang)
    return task_name(facts.plan, facts.incident.level_id, obligation, t.lang) if obligation else ""


def _updates(facts: Facts, t: Translator) -> Section:
    section = Section(t("export.updates"))
    for event in facts.events:
        if event.kind == "update":
            meets = _detail(facts, event, t)
            said = f"{meets}：" if meets else "："
            text = event.data.get("text", "")
            section.paragraphs.append(
                f"{_at(facts, event.at)} {_name(facts, event.actor)}{said}{text}"
            )
    if not section.paragraphs:
        section.paragraphs.append(t("export.none"))
    return section


def _timeline(facts: Facts, t: Translator) -> Section:
    section = Section(t("export.timeline"))
    section.table.append([t("export.col.time"), t("export.col.event"), t("export.col.who")])
    for event in facts.events:
        what = t(EVENT_KEYS[event.kind]) if event.kind in EVENT_KEYS else event.kind
        section.table.append(
            [
                _at(facts, event.at),
                f"{what} {_detail(facts, event, t)}".strip(),
                _name(facts, event.actor) if event.actor else "—",
            ]
        )
    return section


def _detail(facts: Facts, event: TimelineEvent, t: Translator) -> str:
    """What an event was about: its task or level; an escalation's step and the roles it added."""
    data = event.data
    task = _named(facts, t, obligation=str(data.get("obligation") or ""))
    if event.kind == "escalation":
        roles = (role_title(facts.plan, role, t.lang) for role in data.get("roles", []))
        step, added = data.get("step", 0), listed(roles, t.lang)
        return t("export.escalation", task=task, step=step, roles=added)
    if event.kind in ("standby_owed", "standby_spared"):
        condition = _named(facts, t, obligation=str(data.get("condition") or ""))
        key = STANDBY_KEYS[event.kind]
        if data.get("reason") == "dropped":
            key = N_("export.standby_spared_dropped")
        return t(key, task=task, condition=condition)
    if event.kind == "update" and task:
        return t("export.update_meets", task=task)
    return task or _named(facts, t, level=str(data.get("level") or ""))


def _review(facts: Facts, t: Translator) -> Section:
    section = Section(t("export.review"))
    section.paragraphs.extend((facts.contents.get("review") or t("export.none")).splitlines())
    return section


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
DECISION_KEYS = {
    "approved": N_("export.decision.approved"),
    "rejected": N_("export.decision.rejected"),
}
