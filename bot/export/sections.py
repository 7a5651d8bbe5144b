"""The report's sections on the incident itself: facts, grading, tasks, reports, review."""

from __future__ import annotations

from bot.domain.messages import N_
from bot.domain.obligations import task_spec
from bot.domain.series import parse_instance
from bot.domain.text import listed
from bot.domain.verdicts import Late, Standing, Verdict, late_kind, missed_reports, standing
from bot.export.model import Facts, Para, Section, Table, at, name
from bot.export.timeline import detail
from bot.i18n import Translator
from bot.render.card import reasons_line
from bot.render.words import duration, level_name, role_title

ATTACHMENT_KEYS = {
    "link": N_("export.kind.link"),
    "text": N_("export.kind.text"),
    "photo": N_("export.kind.photo"),
    "document": N_("export.kind.document"),
    "voice": N_("export.kind.voice"),
}


def basics(facts: Facts, t: Translator) -> Section:
    """When it was found, by whom, what it says, what came with it."""
    incident = facts.incident
    section = Section(t("export.basics"))
    section.says(
        t("export.found_at", at=at(facts, incident.reported_at)),
        t("export.reporter", name=name(facts, incident.reporter)),
        t("export.description", text=incident.description),
    )
    for attachment in incident.attachments:
        kind = t(ATTACHMENT_KEYS.get(attachment.kind, N_("export.kind.document")))
        shown = attachment.name or (attachment.value if attachment.kind in ("link", "text") else "")
        section.says(t("export.attachment", kind=kind, value=shown or "—"))
    if incident.is_drill:
        section.says(t("export.is_drill"))
    return section


def grading(facts: Facts, t: Translator) -> Section:
    """The level, each grading question with the answer given, and why."""
    incident, plan = facts.incident, facts.plan
    section = Section(t("export.grading"))
    section.says(t("export.level", level=level_name(plan, incident.level_id, t.lang)))
    if incident.level_id is not None:
        section.says(t("export.reasons", reasons=reasons_line(incident, plan, t)))
    rows = [[t("export.col.question"), t("export.col.answer"), t("export.col.reason")]]
    for question in plan.questions:
        chosen = incident.answers.get(question.id)
        option = next((o for o in question.options if o.id == chosen), None)
        if chosen is None:
            continue
        answer = option.text.get(t.lang) if option else chosen
        reason = option.reason.get(t.lang) if option and option.reason else "—"
        rows.append([question.text.get(t.lang), answer, reason])
    if len(rows) > 1:
        section.blocks.append(Table(rows, (0.4, 0.2, 0.4)))
    if incident.level_id:
        notified = plan.members(plan.level(incident.level_id).notify)
        names = "、".join(plan.people[p].name for p in notified) or "—"
        section.says(t("export.notified", names=names))
    return section


def obligations(facts: Facts, t: Translator) -> Section:
    """Each task: owner, deadline, when met, how it is met, and the verdict (escalations named)."""
    incident, plan = facts.incident, facts.plan
    section = Section(t("export.obligations"))
    keys = (
        N_("export.col.task"),
        N_("export.col.owner"),
        N_("export.col.due"),
        N_("export.col.met"),
        N_("export.col.met_when"),
        N_("export.col.result"),
    )
    rows = [[t(key) for key in keys]]
    missed = missed_reports(incident, facts.now)
    climbed = _climbs(facts)
    for ob in incident.obligations:
        if incident.level_id is None:
            continue
        spec = task_spec(plan, incident.level_id, ob)
        kind = late_kind(plan, incident.level_id, ob)
        result = _result(standing(incident, ob, facts.now), t, ob.id in missed, ob.id, kind)
        if ob.id in climbed:
            result += t("export.escalated", step=climbed[ob.id])
        rows.append(
            [
                spec.text.get(t.lang),
                role_title(plan, spec.owner, t.lang),
                at(facts, ob.due_at),
                at(facts, ob.met_at),
                _met_when(facts, t, spec.approval, bool(parse_instance(ob.id))),
                result,
            ]
        )
    if len(rows) > 1:
        section.blocks.append(Table(rows, (0.27, 0.15, 0.13, 0.13, 0.14, 0.18)))
    else:
        section.says(t("export.none"))
    return section


def _climbs(facts: Facts) -> dict[str, int]:
    """The highest escalation step each task reached."""
    steps: dict[str, int] = {}
    for event in facts.events:
        if event.kind == "escalation":
            task = str(event.data.get("obligation") or "")
            steps[task] = max(steps.get(task, 0), int(event.data.get("step", 0)))
    return steps


def _met_when(facts: Facts, t: Translator, approvers: list[str], report: bool) -> str:
    """How a task counts as done: approved by whom, a 续报 filed, or its owner saying so."""
    if approvers:
        roles = (role_title(facts.plan, role, t.lang) for role in approvers)
        return t("export.met_when.approved", roles=listed(roles, t.lang))
    return t(N_("export.met_when.update") if report else N_("export.met_when.done"))


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
    """A task's verdict in the report's words (the lateness where it has one); 漏报 for a report."""
    late = duration(t, found.margin) if found.margin is not None else ""
    if missed:
        return t("export.result.report_missed", late=late)
    if parse_instance(task) and found.verdict is Verdict.DROPPED:  # the calm or close came first
        return t("export.result.report_dropped")
    if found.verdict is Verdict.LATE and kind is Late.TASK:  # 逾期完成, not 迟报
        return t("export.result.late_task", late=late)
    return t(RESULT_KEYS[found.verdict], late=late)


def updates(facts: Facts, t: Translator) -> Section:
    """The progress reports (续报) as filed."""
    section = Section(t("export.updates"))
    for event in facts.events:
        if event.kind == "update":
            meets = detail(facts, event, t)
            said = f"{meets}：" if meets else "："
            text = event.data.get("text", "")
            section.says(f"{at(facts, event.at)} {name(facts, event.actor)}{said}{text}")
    if not section.blocks:
        section.says(t("export.none"))
    return section


def review(facts: Facts, t: Translator) -> Section:
    """The written review (总结评估) as approved."""
    section = Section(t("export.review"))
    text = facts.contents.get("review") or t("export.none")
    section.blocks.extend(Para(line) for line in text.splitlines() if line.strip())
    return section
