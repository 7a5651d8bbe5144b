"""The drill's terminal output: lines wrapped to the terminal keeping their indent, and colour.

Colour and wrapping apply only to a terminal: piped into a file or another program, or with
NO_COLOR set (https://no-color.org), the drill prints its lines as they are.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from typing import Literal, TextIO

Tone = Literal["stamp", "prompt", "choice", "error", "title"]
TONES: dict[Tone, str] = {
    "stamp": "\x1b[2m",  # dim
    "prompt": "\x1b[1;36m",  # bold cyan
    "choice": "\x1b[1m",  # bold
    "error": "\x1b[1;31m",  # bold red
    "title": "\x1b[1m",
}
RESET = "\x1b[0m"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# what a continuation line hangs under: the indent, a drill stamp, a list marker
HANG = re.compile(r"\s*(?:\[\d\d-\d\d [^\]]*\] )?(?:\d+[.)] |[·•→] )?")
NO_LINE_START = set("，。、；：？！）」』”’》〉,.;:?!)]")  # kept on the line before (禁则)


def untinted(text: str, tone: Tone) -> str:
    """No colour."""
    return text


def cells(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) characters take two."""
    width = 0
    for char in ANSI.sub("", text):
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return width


class Screen:
    """Prints the drill's lines to ``stream``: wrapped and coloured if it is a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.tty = _isatty(self.stream)
        self.colour = (
            self.tty and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        )

    def __call__(self, line: str) -> None:
        """Print one line at once (a drill piped into another program shows it as it happens)."""
        width = self.width()
        rows = wrap(line, width) if width else [line]
        print("\n".join(rows), file=self.stream, flush=True)

    def tint(self, text: str, tone: Tone) -> str:
        """``text`` in the colour of ``tone``, where the terminal shows colour."""
        return f"{TONES[tone]}{text}{RESET}" if self.colour and text else text

    def width(self) -> int | None:
        """The terminal's width now (it may have been resized), None when not a terminal."""
        if not self.tty:
            return None
        try:
            return os.get_terminal_size(self.stream.fileno()).columns or None
        except (OSError, ValueError):
            return None


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except ValueError:  # closed
        return False


def wrap(line: str, width: int) -> list[str]:
    """``line`` cut into rows of at most ``width`` columns, continued under its hanging indent.

    Latin text breaks at a space, Chinese anywhere but before closing punctuation; colour codes
    take no columns and are closed and reopened around each break.
    """
    if cells(line) <= width:
        return [line]
    hang = match.group(0) if (match := HANG.match(ANSI.sub("", line))) else ""
    indent = " " * min(cells(hang), width // 2)
    rows: list[str] = []
    row: list[str] = []  # characters and colour codes of the row being filled
    used, colour = 0, ""
    for token in re.findall(r"\x1b\[[0-9;]*m|.", line):
        if ANSI.fullmatch(token):
            colour = "" if token == RESET else token
            row.append(token)
            continue
        size = cells(token)
        if used + size > width and used > len(indent):
            row, carried = _break(row, token, len(indent))
            rows.append("".join(row) + (RESET if colour else ""))
            row = [indent, colour, *carried]
            used = len(indent) + sum(cells(c) for c in carried)
            if token == " " and not carried:
                continue
        row.append(token)
        used += size
    rows.append("".join(row))
    return [row.rstrip() for row in rows]


def _break(row: list[str], next_char: str, floor: int) -> tuple[list[str], list[str]]:
    """Where to cut ``row`` before ``next_char``: (what stays, what moves on); never in the hang."""
    if next_char == " ":
        return row, []
    if next_char.isascii() and next_char.isalnum():  # a Latin word: move it whole, if it can
        for at in range(len(row) - 1, 0, -1):
            if row[at] == " " and cells("".join(row[:at])) > floor:
                return row[:at], row[at + 1 :]
            if not row[at].isascii():
                break
    if next_char in NO_LINE_START and len(row) > 1 and not ANSI.fullmatch(row[-1]):
        return row[:-1], row[-1:]
    return row, []
