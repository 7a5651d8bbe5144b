"""A Doc as Telegram renders it: HTML (escaped, mentions as user links, split at 4096), buttons."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.domain.plan import Person
from bot.render.doc import Doc, Seg, Style

LIMIT = 4096  # Telegram's limit on a message's text (after entity parsing)
TRANSPORT = "telegram"

_TAGS = {Style.BOLD: "b", Style.ITALIC: "i", Style.CODE: "code"}


def mention(seg: Seg, people: Mapping[str, Person]) -> Seg:
    """A plan person's mention with their Telegram handle as ``ref``; bold without a handle."""
    if seg.style is not Style.MENTION:
        return seg
    who = people.get(str(seg.ref))
    handle = who.handle(TRANSPORT) if who is not None else None
    if handle is None:
        return Seg(seg.text, Style.BOLD)
    return Seg(seg.text, Style.MENTION, handle)


def segment(seg: Seg) -> str:
    """One segment as HTML (a mention's ``ref``: a numeric user id or "@username")."""
    text = escape(seg.text, quote=False)
    if seg.style is Style.MENTION:
        if isinstance(seg.ref, int):
            return f'<a href="tg://user?id={seg.ref}">{text}</a>'
        return escape(str(seg.ref or seg.text), quote=False)
    if seg.style is Style.LINK and seg.ref:
        return f'<a href="{escape(str(seg.ref))}">{text}</a>'
    tag = _TAGS.get(seg.style)
    return f"<{tag}>{text}</{tag}>" if tag else text


def visible_length(seg: Seg) -> int:
    """How many characters Telegram counts for a segment."""
    if seg.style is Style.MENTION and not isinstance(seg.ref, int):
        return len(str(seg.ref or seg.text))
    return len(seg.text)


def _pieces(line: list[Seg], limit: int) -> list[list[Seg]]:
    """Cut an over-long line into lines that fit, splitting long plain segments."""
    out: list[list[Seg]] = [[]]
    used = 0
    for seg in line:
        text = seg.text
        while visible_length(Seg(text, seg.style, seg.ref)) + used > limit:
            room = limit - used
            if room <= 0 or seg.style is Style.MENTION:
                out.append([])
                used = 0
                continue
            out[-1].append(Seg(text[:room], seg.style, seg.ref))
            text = text[room:]
            out.append([])
            used = 0
        out[-1].append(Seg(text, seg.style, seg.ref))
        used += visible_length(Seg(text, seg.style, seg.ref))
    return [piece for piece in out if piece]


def to_html(doc: Doc, people: Mapping[str, Person] | None = None, limit: int = LIMIT) -> list[str]:
    """The document as HTML messages within ``limit`` visible characters; ``people``: the plan's."""
    messages: list[str] = []
    current: list[str] = []
    used = 0
    for line in doc.lines:
        resolved = [mention(seg, people or {}) for seg in line]
        for piece in _pieces(resolved, limit) or [[]]:
            size = sum(visible_length(seg) for seg in piece) + (1 if current else 0)
            if current and used + size > limit:
                messages.append("\n".join(current))
                current, used = [], 0
                size -= 1
            current.append("".join(segment(seg) for seg in piece))
            used += size
    if current:
        messages.append("\n".join(current))
    return messages or [""]


def keyboard(doc: Doc) -> dict[str, Any] | None:
    """The document's buttons as the Bot API's inline keyboard, in JSON."""
    if not doc.buttons:
        return None
    rows = [[{"text": b.label, "callback_data": b.data} for b in row] for row in doc.buttons]
    return {"inline_keyboard": rows}


def markup(doc: Doc) -> InlineKeyboardMarkup | None:
    """The document's buttons as python-telegram-bot's inline keyboard."""
    found = keyboard(doc)
    return None if found is None else InlineKeyboardMarkup.de_json(found)
