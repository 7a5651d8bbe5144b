"""The incident card: level, reasons, guidance, description, obligations, decision buttons."""

from __future__ import annotations

from datetime import datetime

from bot.domain.grading import guidance, reason_text, reasons_for
from bot.domain.incident import Attachment, Incident
from bot.domain.ladder import climbed_roles
from bot.domain.lifecycle import FINAL_STATES, State
from bot.domain.messages import N_
from bot.domain.obligations import (
    ACTIVE_STATUSES,
    ObligationState,
    ObStatus,
    current_step,
    task_spec,
)
from bot.domain.plan import Obligation, Plan
from bot.domain.progress import superseded
from bot.domain.series import DEFAULT_TEXT, find_series
from bot.domain.tasks import card_tasks, reports
from bot.domain.text import listed
from bot.domain.verdicts import (
    Late,
    Standing,
    Verdict,
    closing_pending,
    late_kind,
    missed_reports,
    standing,
)
from bot.i18n import Translator
from bot.render.doc import Button, Doc, Seg, Style, bold, italic
from bot.render.words import duration, level_name, person, role_title, state_name, task_name, when
from bot.service.buttons import Cancel, Close, Confirm, Press, Regrade, Stabilise, pack

# The card is edited in place, so it must stay one message (4096): long reports show their start.
CARD_DESCRIPTION = 1500


def _shown(description: str) -> str:
    """The start of a long description, ending in an ellipsis."""
    if len(description) <= CARD_DESCRIPTION:
        return description
    return description[:CARD_DESCRIPTION].rstrip() + "……"


def titled(level: str, t: Translator) -> str:
    """A level name as a title: "重大" becomes "重大舆情"; "重大网络舆情" stays as it is."""
    noun = t("card.level_noun")
    return level if noun.strip().lower() in level.lower() else f"{level}{noun}"


def card(incident: Incident, plan: Plan, t: Translator, now: datetime, tag: list[str]) -> Doc:
    """The card for an incident as it stands at ``now``; ``tag`` lists person ids to mention."""
    lang = t.lang
    doc = Doc()
    level = level_name(plan, incident.level_id, lang)
    doc.line(
        bold(t("card.title", number=incident.number, level=titled(level, t))),
        " · ",
        state_name(t, incident.state),
    )
    if incident.level_id is not None:
        doc.line(t("card.reasons"), " ", reasons_line(incident, plan, t))
    for text in guidance(plan, incident.answers, lang):
        doc.line(t("card.guidance"), " ", text)
    doc.line(t("card.description"), " ", _shown(incident.description))
    if len(incident.description) > CARD_DESCRIPTION:
        doc.line(t("card.description_cut", total=len(incident.description), number=incident.number))
    for attachment in incident.attachments:
        doc.line("· ", *_attachment(attachment, t))
    reporter = str(incident.extra.get("reporter_name") or incident.reporter)
    doc.line(t("card.reported", at=when(incident.reported_at, plan), reporter=reporter))
    tasks = enumerate(card_tasks(incident), 1)  # typed commands name a task by this number
    lines = [_obligation(incident, plan, t, now, ob, n) for n, ob in tasks]
    shown = [line for line in lines if line is not None] + _reports(incident, plan, t, now)
    if shown:
        doc.line(bold(t("card.obligations")))
        for line in shown:
            doc.line(*line)
    if tag:
        parts: list[Seg | str] = [t("card.notify")]
        for person_id in tag:
            parts.extend([" ", person(plan, person_id)])
        doc.line(*parts)
    _buttons(doc, incident, plan, t)
    return doc


ATTACHMENT_KEYS = {
    "photo": N_("card.attachment.photo"),
    "document": N_("card.attachment.document"),
    "voice": N_("card.attachment.voice"),
    "text": N_("card.attachment.text"),
    "link": N_("card.attachment.link"),
}


def _attachment(attachment: Attachment, t: Translator) -> list[Seg | str]:
    """An attachment line: what it is, then the link, file name or quoted text."""
    label = t(ATTACHMENT_KEYS.get(attachment.kind, N_("card.attachment.link")))
    if attachment.kind == "link":
        return [label, " ", Seg(attachment.value, Style.LINK, attachment.value)]
    if attachment.kind == "text":
        return [label, " ", italic(attachment.value[:500])]
    return [label, " ", attachment.name or ""] if attachment.name else [label]


def reasons_line(incident: Incident, plan: Plan, t: Translator) -> str:
    """Why the incident has its level: the grading reasons, or that a leader set it."""
    reasons = reasons_for(incident, plan)
    if reasons is None:
        return t("card.regraded_by_hand")
    texts = [reason_text(plan, reason, t.lang) for reason in reasons]
    return t("cli.grade.separator").join(texts) or t("cli.grade.default_reason")


def _reports(incident: Incident, plan: Plan, t: Translator, now: datetime) -> list[list[Seg | str]]:
    """Progress reports (续报): per series one line counting those met or missed, then each owed.

    A report every two hours would make the card long: only the ones still owed are drawn in full.
    """
    missed_ids = missed_reports(incident, now)
    silent = superseded(incident.obligations, now)
    over = incident.state in FINAL_STATES
    series: dict[str, list[ObligationState]] = {}
    for state in reports(incident):
        series.setdefault(state.id.rsplit("-", 1)[0], []).append(state)
    lines: list[list[Seg | str]] = []
    for series_id, states in series.items():
        verdicts = [standing(incident, state, now).verdict for state in states]
        on_time, late = verdicts.count(Verdict.ON_TIME), verdicts.count(Verdict.LATE)
        missed = sum(1 for state in states if state.id in missed_ids)
        if on_time + late + missed:
            name = _series_name(plan, incident, series_id, t.lang)
            text = t("card.reports", task=name, met=on_time + late, on_time=on_time, late=late)
            lines.append([text, t("card.reports_missed", missed=missed) if missed else ""])
        for state in states:
            if state.status in ACTIVE_STATUSES and state.id not in silent and not over:
                lines.append(_obligation(incident, plan, t, now, state, None) or [])
    return lines


def _series_name(plan: Plan, incident: Incident, series_id: str, lang: str) -> str:
    """A series of reports by its plan text (续报), unnumbered."""
    found = find_series(plan, incident.level_id, series_id)
    text = found.text if found is not None else DEFAULT_TEXT.get(series_id)
    return text.get(lang) if text is not None else series_id


def _climbed(plan: Plan, spec: Obligation, ob: ObligationState, t: Translator) -> str:
    """ " · escalated to step 2 (deputy, leader)" for a late task whose reminders climbed."""
    rules = plan.reminder_rules(spec)
    step = current_step(rules, ob)
    if not step:
        return ""
    roles = listed((role_title(plan, role, t.lang) for role in climbed_roles(rules, step)), t.lang)
    return " · " + t("card.escalated", step=step, roles=roles)


def _obligation(
    incident: Incident,
    plan: Plan,
    t: Translator,
    now: datetime,
    ob: ObligationState,
    n: int | None,
) -> list[Seg | str] | None:
    """One task's line: numbered (a report is not), its owner, and how it stands."""
    if incident.level_id is None:
        return None
    spec = task_spec(plan, incident.level_id, ob)
    owner = role_title(plan, spec.owner, t.lang)
    head: list[Seg | str] = [
        f"{n}. " if n is not None else "· ",
        spec.text.get(t.lang),
        f"（{owner}）" if t.lang == "zh_CN" else f" ({owner})",
        " ",
    ]
    found = standing(incident, ob, now)
    waiting = t("card.awaiting_approval") if ob.status is ObStatus.SUBMITTED else ""
    match found.verdict:
        case Verdict.ON_TIME | Verdict.LATE if ob.met_at is not None and found.margin is not None:
            return [*head, italic(_met(incident, plan, t, ob, found))]
        case Verdict.NOT_STARTED:
            return [*head, italic(t("card.after_stabilised", within=duration(t, spec.within)))]
        case Verdict.BREACHED if incident.state in FINAL_STATES:
            assert found.margin is not None
            return [*head, bold(t("card.unmet_late", late=duration(t, found.margin)))]
        case Verdict.BREACHED:
            assert ob.due_at is not None and found.margin is not None
            late = duration(t, found.margin)
            overdue = t("card.overdue", due=when(ob.due_at, plan), late=late)
            return [*head, bold(overdue), _climbed(plan, spec, ob, t), waiting]
        case Verdict.OPEN:
            assert ob.due_at is not None
            return [*head, t("card.due", due=when(ob.due_at, plan)), waiting]
        case Verdict.STANDBY | Verdict.SPARED if spec.if_overdue is not None:
            return [*head, italic(_conditional(incident, plan, t, ob, spec.if_overdue))]
    return [*head, italic(t(VERDICT_KEYS[found.verdict]))]


def _met(
    incident: Incident, plan: Plan, t: Translator, ob: ObligationState, found: Standing
) -> str:
    """When a task was met; if late, 迟报 for a report, else 逾期."""
    assert ob.met_at is not None and found.margin is not None
    if found.verdict is not Verdict.LATE:
        return t("card.met", at=when(ob.met_at, plan), late="")
    report = late_kind(plan, incident.level_id, ob) is Late.REPORT
    key = N_("card.met_late_report") if report else N_("card.met_late")
    return t(key, at=when(ob.met_at, plan), late=duration(t, found.margin))


def _conditional(
    incident: Incident, plan: Plan, t: Translator, ob: ObligationState, condition: str
) -> str:
    """A standby task: owed only if ``condition`` goes overdue; or spared, and why."""
    name = task_name(plan, incident.level_id, condition, t.lang)
    if ob.status is ObStatus.STANDBY:
        due = when(ob.due_at, plan) if ob.due_at is not None else "—"
        return t("card.standby", condition=name, due=due)
    other = next((s for s in incident.obligations if s.id == condition), None)
    met = other is not None and other.status is ObStatus.MET
    key = N_("card.spared") if met else N_("card.spared_dropped")
    return t(key, condition=name)


# What the card says of a task when it has no more to say (the cases above say more).
VERDICT_KEYS = {
    Verdict.DROPPED: N_("card.dropped"),
    Verdict.UNMET: N_("card.unmet"),
    Verdict.CANCELLED: N_("card.cancelled_task"),
    Verdict.ON_TIME: N_("card.met_unknown"),
    Verdict.LATE: N_("card.met_unknown"),
    Verdict.OPEN: N_("card.verdict.open"),
    Verdict.BREACHED: N_("card.verdict.breached"),
    Verdict.NOT_STARTED: N_("card.verdict.not_started"),
    Verdict.STANDBY: N_("card.verdict.standby"),
    Verdict.SPARED: N_("card.verdict.spared"),
}


def _jumps(incident: Incident, plan: Plan, t: Translator, index: int) -> list[Button]:
    """A regrade straight to each level more than one step away (casualties: 一般 → 特别重大)."""
    found = []
    for at, level in enumerate(plan.levels):
        if abs(at - index) > 1:
            key = N_("button.regrade_jump_up") if at > index else N_("button.regrade_jump_down")
            press = Regrade(incident.id, level.id)
            found.append(Button(t(key, level=level.name.get(t.lang)), pack(press)))
    return found


def _buttons(doc: Doc, incident: Incident, plan: Plan, t: Translator) -> None:
    if incident.state not in (State.GRADED, State.ACTIVE, State.STABILISED):
        return
    ids = [level.id for level in plan.levels]
    index = ids.index(incident.level_id) if incident.level_id in ids else 0

    def button(key: str, press: Press) -> Button:
        return Button(t(key), pack(press))

    first = []
    if incident.state is State.GRADED:
        first.append(button(N_("button.confirm"), Confirm(incident.id)))
    if incident.state is State.ACTIVE:
        first.append(button(N_("button.stabilise"), Stabilise(incident.id)))
    if closing_pending(incident):
        first.append(button(N_("button.close"), Close(incident.id)))
    doc.row(*first)
    regrade = []
    if index + 1 < len(ids):
        regrade.append(button(N_("button.regrade_up"), Regrade(incident.id, ids[index + 1])))
    if index > 0:
        regrade.append(button(N_("button.regrade_down"), Regrade(incident.id, ids[index - 1])))
    doc.row(*regrade)
    doc.row(*_jumps(incident, plan, t, index))
    doc.row(button(N_("button.cancel"), Cancel(incident.id)))
