"""Plain text from a Doc, for terminals and logs: mentions as @names, buttons in brackets."""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.plan import Person
from bot.render.doc import Doc, Seg, Style


def segment(seg: Seg, people: Mapping[str, Person] | None = None) -> str:
    """One segment as plain text; a person no messenger can reach is named without an @."""
    if seg.style is Style.MENTION:
        who = people.get(str(seg.ref)) if people else None
        return seg.text if who is not None and not who.handles() else f"@{seg.text}"
    if seg.style is Style.LINK and seg.ref and seg.ref != seg.text:
        return f"{seg.text} ({seg.ref})"
    return seg.text


def to_plain(doc: Doc, people: Mapping[str, Person] | None = None) -> str:
    """The document's lines, then one line per button row; ``people`` are the plan's."""
    lines = ["".join(segment(seg, people) for seg in line) for line in doc.lines]
    lines.extend("  ".join(f"[{button.label}]" for button in row) for row in doc.buttons)
    return "\n".join(lines)
