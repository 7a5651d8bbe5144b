"""Every outbox kind as a Doc: questions, cards, notices, reminders, follow-ups, approvals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.fitting import DriftKind
from bot.domain.incident import Incident
from bot.domain.messages import N_
from bot.domain.obligations import REVIEW_ID, content_digest, spec_for
from bot.domain.plan import Plan
from bot.domain.text import LText, listed
from bot.i18n import Translator
from bot.render.card import ATTACHMENT_KEYS, card
from bot.render.doc import Button, Doc, Seg, bold
from bot.render.words import duration, level_name, person, role_title, task_name, when
from bot.service.buttons import Answer, Approve, Done, Reject, pack
from bot.service.outbox import Kind
from bot.store import OutboxItem


def compose(
    item: OutboxItem,
    incident: Incident,
    plan: Plan,
    t: Translator,
    now: datetime,
    content: str | None = None,
) -> Doc:
    """The message an outbox item stands for, rendered against the incident as it is now."""
    payload = item.payload
    kind = Kind(item.kind)
    if kind is Kind.CARD:
        return card(incident, plan, t, now, list(payload.get("mentions", [])))
    if kind in (Kind.QUESTION, Kind.ANSWERED):
        return question(incident, plan, t, int(payload["index"]), payload.get("option"))
    if kind is Kind.REMINDER:
        return reminder(incident, plan, t, now, payload)
    if kind is Kind.FOLLOW_UP:
        doc = Doc().line(
            t("follow_up.prompt", number=incident.number, n=payload["number"], of=payload["of"])
        )
        return _tag(doc, plan, payload)
    if kind is Kind.APPROVAL:
        return approval(incident, plan, t, payload, content or "")
    return notice(incident, plan, t, payload)


def question(
    incident: Incident, plan: Plan, t: Translator, index: int, answered: str | None
) -> Doc:
    """Grading question ``index`` with one button per option, or with the answer given."""
    if index >= len(plan.questions):  # the plan lost it since: say so instead of failing
        return Doc().line(bold(t("question.gone", number=incident.number, n=index + 1)))
    asked = plan.questions[index]
    doc = Doc().line(
        bold(t("question.title", number=incident.number, n=index + 1, of=len(plan.questions))),
        " ",
        asked.text.get(t.lang),
    )
    if asked.help is not None:
        doc.line(asked.help.get(t.lang))
    if answered is not None:
        chosen = next((o for o in asked.options if o.id == answered), None)
        return doc.line("→ ", bold(chosen.text.get(t.lang) if chosen else answered))
    for option in asked.options:
        doc.row(Button(option.text.get(t.lang), pack(Answer(incident.id, index, option.id))))
    return doc


def reminder(
    incident: Incident, plan: Plan, t: Translator, now: datetime, payload: dict[str, Any]
) -> Doc:
    """An obligation's warning, due or overdue reminder, with its done button."""
    assert incident.level_id is not None
    spec = spec_for(plan, incident.level_id, payload["obligation"])
    due = datetime.fromisoformat(payload["due_at"])
    params = {"number": incident.number, "task": spec.text.get(t.lang), "due": when(due, plan)}
    kind = payload["reminder"]
    if kind == "warning":
        doc = Doc().line(t("reminder.warning", left=duration(t, due - now), **params))
    elif kind == "due":
        doc = Doc().line(bold(t("reminder.due", **params)))
    else:
        doc = Doc().line(
            bold(t("reminder.overdue", late=duration(t, now - due), n=payload["number"], **params))
        )
    if payload.get("climbed"):
        roles = (role_title(plan, role, t.lang) for role in payload.get("roles", []))
        doc.line(t("reminder.climbed", step=payload["step"], roles=listed(roles, t.lang)))
    elif payload.get("escalate"):
        doc.line(t("reminder.escalated"))
    if spec.approval:
        waiting = payload.get("awaiting_approval")
        hint = N_("reminder.awaiting_approval") if waiting else N_("reminder.draft")
        if spec.id == REVIEW_ID and not waiting:
            hint = N_("reminder.review")
        doc.line(t(hint, number=incident.number, obligation=spec.id))
    else:
        doc.row(Button(t("button.done"), pack(Done(incident.id, spec.id))))
    return _tag(doc, plan, payload)


def approval(
    incident: Incident, plan: Plan, t: Translator, payload: dict[str, Any], content: str
) -> Doc:
    """Submitted content with approve / reject buttons for the approvers."""
    assert incident.level_id is not None
    spec = spec_for(plan, incident.level_id, payload["obligation"])
    doc = Doc().line(
        bold(
            t(
                "approval.title",
                number=incident.number,
                task=spec.text.get(t.lang),
                actor=payload.get("actor", ""),
            )
        )
    )
    for text_line in content.splitlines() or [""]:
        doc.line(text_line)
    # The buttons name the version shown, so pressing them on an older draft decides nothing.
    digest = content_digest(content)
    doc.row(
        Button(t("button.approve"), pack(Approve(incident.id, spec.id, digest))),
        Button(t("button.reject"), pack(Reject(incident.id, spec.id, digest))),
    )
    return _tag(doc, plan, payload)


def notice(incident: Incident, plan: Plan, t: Translator, payload: dict[str, Any]) -> Doc:
    """A notice: its message with ids shown as the plan's names."""
    raw = dict(payload.get("params", {}))
    params = dict(raw)
    for name in ("level", "old", "new"):
        if name in params:
            params[name] = level_name(plan, params[name], t.lang)
    for name in ("obligation", "condition"):
        if name in params:
            params[name] = task_name(plan, incident.level_id, params[name], t.lang)
    if params.get("due_at"):
        params["due"] = when(datetime.fromisoformat(params.pop("due_at")), plan)
    if "tasks" in params:
        names = (task_name(plan, incident.level_id, task, t.lang) for task in params["tasks"])
        params["tasks"] = listed(names, t.lang)
    if "plan" in params:  # a plan title, in every language it has
        params["plan"] = LText(params["plan"]).get(t.lang)
    if "drift" in params:
        params["items"] = listed((drift_item(item, t) for item in params.pop("drift")), t.lang)
    if "kind" in params:  # a file without a name: said as what it is
        params["file"] = t(ATTACHMENT_KEYS.get(params.pop("kind"), N_("card.attachment.document")))
    params.setdefault("number", incident.number)
    key = str(payload["key"])
    doc = Doc().line(t(key, **params))
    if key == N_("notice.regraded"):
        _regrade_lines(doc, incident, plan, t, raw)
    return _tag(doc, plan, payload)


def _regrade_lines(
    doc: Doc, incident: Incident, plan: Plan, t: Translator, params: dict[str, Any]
) -> None:
    """Under a regrade notice: each task added or moved with its deadline, each one dropped."""
    moved = [*params.get("added", []), *params.get("changed", [])]
    states = {state.id: state for state in incident.obligations}
    for state in incident.obligations:
        if state.id in moved and state.due_at is not None:
            task = task_name(plan, incident.level_id, state, t.lang)
            doc.line("· ", t("card.due_task", task=task, due=when(state.due_at, plan)))
    for dropped in params.get("dropped", []):  # in the words of the level it was dropped from
        task = task_name(plan, params.get("old"), states.get(dropped) or dropped, t.lang)
        doc.line("· ", t("notice.regraded_dropped", task=task))


DRIFT_KEYS = {
    DriftKind.PLAN: N_("drift.plan"),
    DriftKind.LEVEL: N_("drift.level"),
    DriftKind.TASK: N_("drift.task"),
    DriftKind.QUESTION: N_("drift.question"),
    DriftKind.OPTION: N_("drift.option"),
    DriftKind.ROLE: N_("drift.role"),
}


def drift_item(item: dict[str, Any], t: Translator) -> str:
    """One thing the plan no longer has, as stored in a notice: kind and name."""
    name = item.get("name")
    shown = LText(name).get(t.lang) if name else str(item.get("id"))
    return t(DRIFT_KEYS[DriftKind(item["kind"])], name=shown)


def _tag(doc: Doc, plan: Plan, payload: dict[str, Any]) -> Doc:
    """Add a line mentioning the payload's people."""
    people = list(payload.get("mentions", []))
    if people:
        parts: list[Seg | str] = []
        for person_id in people:
            parts.extend([person(plan, person_id), " "])
        doc.line(*parts[:-1])
    return doc
