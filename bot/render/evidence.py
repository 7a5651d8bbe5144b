"""The evidence an incident keeps, as lines under its card (/status)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.evidence import Evidence, Kept
from bot.domain.messages import N_
from bot.domain.plan import Plan
from bot.i18n import Translator
from bot.render.card import ATTACHMENT_KEYS
from bot.render.doc import Doc, bold
from bot.render.words import when

SOURCE_KEYS = {
    "report": N_("evidence.source.report"),
    "update": N_("evidence.source.update"),
    "review": N_("evidence.source.review"),
    "draft": N_("evidence.source.draft"),
}
STATUS_KEYS = {
    Kept.PENDING: N_("evidence.status.pending"),
    Kept.KEPT: N_("evidence.status.kept"),
    Kept.TOO_BIG: N_("evidence.status.too_big"),
    Kept.LOST: N_("evidence.status.lost"),
}


def size_text(size: int | None) -> str:
    """A size for people: KB below a megabyte, else MB, one decimal; "—" if unknown."""
    if size is None:
        return "—"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def evidence_line(item: Evidence, plan: Plan, t: Translator) -> str:
    """One file: what it is, its name, where it came from, when, its size and whether kept."""
    what = t(ATTACHMENT_KEYS.get(item.kind, N_("card.attachment.document")))
    named = f"{what} {item.name}" if item.name else what
    return t(
        "evidence.line",
        file=named,
        source=t(SOURCE_KEYS.get(item.source, N_("evidence.source.report"))),
        at=when(item.at, plan),
        size=size_text(item.size),
        status=t(STATUS_KEYS[item.status]),
    )


def add_evidence(doc: Doc, items: Sequence[Evidence], plan: Plan, t: Translator) -> Doc:
    """Append the evidence list to ``doc`` (nothing if there is none)."""
    if items:
        kept = sum(1 for item in items if item.status is Kept.KEPT)
        doc.line(bold(t("evidence.heading", kept=kept, total=len(items))))
        for item in items:
            doc.line("· ", evidence_line(item, plan, t))
    return doc
