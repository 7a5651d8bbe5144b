"""Plain text from a Doc, for terminals and logs: mentions as @names, buttons in brackets."""

from __future__ import annotations

from bot.render.doc import Doc, Seg, Style


def segment(seg: Seg) -> str:
    """One segment as plain text."""
    if seg.style is Style.MENTION:
        return str(seg.ref) if isinstance(seg.ref, str) else f"@{seg.text}"
    if seg.style is Style.LINK and seg.ref and seg.ref != seg.text:
        return f"{seg.text} ({seg.ref})"
    return seg.text


def to_plain(doc: Doc) -> str:
    """The document's lines, then one line per button row."""
    lines = ["".join(segment(seg) for seg in line) for line in doc.lines]
    lines.extend("  ".join(f"[{button.label}]" for button in row) for row in doc.buttons)
    return "\n".join(lines)
