"""Chart labels wrapped to a width, never split inside a bracketed phrase, a word or a number."""

from __future__ import annotations

import unicodedata

PAIRS = {"（": "）", "(": ")", "【": "】", "[": "]", "《": "》", "〈": "〉", "「": "」", "“": "”"}
# These never begin a line: they stay with what they follow.
TRAILING = frozenset("，。、；：！？）)】]》〉」』”’…%％·")


def columns(text: str) -> int:
    """How wide ``text`` is on screen: a hanzi counts two, a Latin letter one."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def _closing(text: str, start: int) -> int:
    """The index of the bracket closing the one at ``start`` (nesting counted), or -1."""
    opener, closer, depth = text[start], PAIRS[text[start]], 0
    for index in range(start, len(text)):
        depth += (text[index] == opener) - (text[index] == closer)
        if depth == 0:
            return index
    return -1


def _piece(text: str, start: int) -> int:
    """Where the unbreakable piece starting at ``start`` ends (exclusive)."""
    char = text[start]
    if char in PAIRS and (end := _closing(text, start)) > 0:
        return end + 1
    if char.isspace() or columns(char) == 2 or char in PAIRS:
        return start + 1
    end = start + 1
    while end < len(text):
        nxt = text[end]
        if nxt.isspace() or columns(nxt) == 2 or nxt in PAIRS or nxt in TRAILING:
            break
        end += 1
    return end


def pieces(text: str) -> list[str]:
    """``text`` cut where a line may break; closing punctuation kept with what precedes it."""
    found: list[str] = []
    index = 0
    while index < len(text):
        end = _piece(text, index)
        piece = text[index:end]
        if found and not found[-1].isspace() and piece[0] in TRAILING:
            found[-1] += piece
        else:
            found.append(piece)
        index = end
    return found


def _fit(piece: str, width: int) -> list[str]:
    """A piece too wide for a line, opened up: a bracketed phrase into its own pieces."""
    end = _closing(piece, 0) if piece[0] in PAIRS else -1
    inner = pieces(piece[1:end]) if end > 0 else []
    if columns(piece) <= width or len(inner) < 2:
        return [piece]
    inner[0] = piece[0] + inner[0]
    inner[-1] += piece[end:]  # the closing bracket, and the punctuation kept with it
    return [part for item in inner for part in _fit(item, width)]


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns where it can break; nothing left out."""
    lines: list[str] = []
    line = ""
    for piece in (part for item in pieces(text.strip()) for part in _fit(item, width)):
        if piece.isspace():
            line += " " if line and not line.endswith(" ") else ""
            continue
        if line and columns(line + piece) > width:
            lines.append(line.rstrip())
            line = piece
        else:
            line += piece
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]
