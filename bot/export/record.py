"""The report's sections on decisions and material: approvals with approved texts, evidence."""

from __future__ import annotations

from bot.domain.messages import N_
from bot.export.model import Facts, Figure, Para, Section, Sub, Table, at, name
from bot.export.sections import ATTACHMENT_KEYS
from bot.export.timeline import named
from bot.i18n import Translator
from bot.store import Approval

APPROVAL_KEYS = {
    "confirm": N_("export.event.confirm"),
    "regrade": N_("export.event.regrade"),
    "cancel": N_("export.event.cancel"),
    "stabilise": N_("export.event.stabilise"),
    "content": N_("export.approval.content"),
    "close": N_("export.approval.close"),
}
DECISION_KEYS = {
    "approved": N_("export.decision.approved"),
    "rejected": N_("export.decision.rejected"),
}
ORDINALS = "一二三四五六七八九十"
IMAGE_KINDS = frozenset({"photo"})


def approvals(facts: Facts, t: Translator) -> Section:
    """Every decision in a table, then each approved text (通稿, 方案, …) in full as approved."""
    section = Section(t("export.approvals"))
    keys = (
        N_("export.col.time"),
        N_("export.col.who"),
        N_("export.col.what"),
        N_("export.col.decision"),
    )
    rows = [[t(key) for key in keys]]
    for approval in facts.approvals:
        rows.append(
            [
                at(facts, approval.at),
                name(facts, approval.actor),
                _subject(facts, approval, t),
                t(DECISION_KEYS[approval.decision.value]),
            ]
        )
    if len(rows) > 1:
        section.blocks.append(Table(rows, (0.22, 0.2, 0.43, 0.15)))
    else:
        section.says(t("export.none"))
    approved = [
        a
        for a in facts.approvals
        if a.kind == "content" and a.decision.value == "approved" and a.target != "review"
    ]
    for index, approval in enumerate(approved):
        task = named(facts, t, obligation=approval.target or "")
        number = ORDINALS[index] if index < len(ORDINALS) else str(index + 1)
        section.blocks.append(Sub(t("export.approved_text", number=number, task=task)))
        author, text = _as_approved(facts, approval)
        by = t("export.approved_by", author=author, approver=name(facts, approval.actor))
        section.blocks.append(Para(f"{by}（{at(facts, approval.at)}）", plain=True))
        section.blocks.extend(Para(line) for line in text.splitlines() if line.strip())
    return section


def _as_approved(facts: Facts, approval: Approval) -> tuple[str, str]:
    """Who submitted the text the approval was for, and that text (the last draft before it)."""
    drafts = [
        event
        for event in facts.events
        if event.kind == "submitted"
        and event.data.get("obligation") == approval.target
        and event.at <= approval.at
    ]
    if drafts:
        return name(facts, drafts[-1].actor), str(drafts[-1].data.get("text", ""))
    return "—", facts.contents.get(approval.target or "", "")


def _subject(facts: Facts, approval: Approval, t: Translator) -> str:
    """What was decided: the kind, and the level or the obligation it was about."""
    what = t(APPROVAL_KEYS[approval.kind]) if approval.kind in APPROVAL_KEYS else approval.kind
    target = approval.target or ""
    if approval.kind in ("confirm", "regrade"):
        target = named(facts, t, level=target)
    elif approval.kind == "content":
        target = named(facts, t, obligation=target)
    return f"{what}：{target}" if target else what


def evidence(facts: Facts, t: Translator) -> Section:
    """The files kept with the incident: pictures shown, other files listed."""
    section = Section(t("export.evidence"))
    pictures = files = 0
    for item in facts.evidence:
        kind = t(ATTACHMENT_KEYS.get(item.kind, N_("export.kind.document")))
        about = t("export.evidence_about", at=at(facts, item.at), size=_size(item.size))
        if item.kind in IMAGE_KINDS and item.path is not None and item.path.is_file():
            pictures += 1
            caption = t("export.figure", number=pictures, name=item.name, about=about)
            section.blocks.append(Figure(item.path, caption, width=0.7))
            continue
        files += 1
        kept = about if item.path is not None else t("export.evidence_lost", about=about)
        section.says(t("export.evidence_file", number=files, kind=kind, name=item.name, about=kept))
    if not section.blocks:
        section.says(t("export.none"))
    return section


def _size(size: int) -> str:
    """A file size a clerk reads: KB below a megabyte, else MB with one decimal."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1024 / 1024:.1f} MB"
