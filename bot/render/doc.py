"""A small neutral document: lines of styled segments and rows of buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Style(StrEnum):
    """How a segment is shown."""

    TEXT = "text"
    BOLD = "bold"
    ITALIC = "italic"
    CODE = "code"
    MENTION = "mention"  # ``ref`` is the plan's person id; each renderer makes its own mention
    LINK = "link"  # ``ref`` is the URL


@dataclass(frozen=True)
class Seg:
    """A run of text in one style."""

    text: str
    style: Style = Style.TEXT
    ref: int | str | None = None


@dataclass(frozen=True)
class Button:
    """A button: its label and its packed data."""

    label: str
    data: str


@dataclass
class Doc:
    """A message: lines of segments, then rows of buttons."""

    lines: list[list[Seg]] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)

    def line(self, *parts: Seg | str) -> Doc:
        """Append a line; plain strings are plain text."""
        self.lines.append([part if isinstance(part, Seg) else Seg(part) for part in parts])
        return self

    def row(self, *buttons: Button) -> Doc:
        """Append a row of buttons."""
        if buttons:
            self.buttons.append(list(buttons))
        return self


def bold(text: str) -> Seg:
    """A bold segment."""
    return Seg(text, Style.BOLD)


def italic(text: str) -> Seg:
    """An italic segment."""
    return Seg(text, Style.ITALIC)
