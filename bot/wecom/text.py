"""Text as WeCom measures it: display width, whole characters, cuts, packing by UTF-8 bytes.

WeCom states its card limits in 字 (a Chinese character's width) and its message limits in
bytes. Widths here are in half-width units, so "10 字" is 20 units: a Chinese character or a
wide emoji counts 2, a Latin letter 1, marks and joiners 0.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from bot.render.doc import Doc, Seg, Style

ELLIPSIS = "…"
ZWJ = "\u200d"
FLAGS = range(0x1F1E6, 0x1F200)  # regional indicators: two of them make one flag
SKIN_TONES = range(0x1F3FB, 0x1F400)

Render = Callable[[Seg], str]


def _joins(char: str) -> bool:
    """Whether a code point is part of the character before it (a mark, selector or joiner)."""
    return unicodedata.category(char) in ("Mn", "Me", "Cf") or ord(char) in SKIN_TONES


def clusters(text: str) -> list[str]:
    """The text as the characters people see: marks, joined emoji and flags kept whole."""
    out: list[str] = []
    for char in text:
        flag = bool(out) and len(out[-1]) == 1 and ord(out[-1]) in FLAGS and ord(char) in FLAGS
        if out and (_joins(char) or out[-1].endswith(ZWJ) or flag):
            out[-1] += char
        else:
            out.append(char)
    return out


def _cluster_width(cluster: str) -> int:
    if unicodedata.east_asian_width(cluster[0]) in ("W", "F") or "\ufe0f" in cluster:
        return 2
    return 0 if _joins(cluster[0]) else 1


def width(text: str) -> int:
    """Display width in half-width units (a Chinese character is 2)."""
    return sum(_cluster_width(cluster) for cluster in clusters(text))


def cut(text: str, limit: int, always: bool = False) -> str:
    """The text within ``limit`` units, ending in "…" where cut (``always``: end in it anyway)."""
    if width(text) <= limit and not always:
        return text
    kept: list[str] = []
    used = width(ELLIPSIS)
    for cluster in clusters(text):
        used += _cluster_width(cluster)
        if used > limit:
            break
        kept.append(cluster)
    return "".join(kept).rstrip() + ELLIPSIS


def size(text: str) -> int:
    """UTF-8 bytes."""
    return len(text.encode())


def pack(lines: Sequence[Sequence[Seg]], render: Render, limit: int, sep: str) -> list[str]:
    """Rendered lines joined by ``sep`` into messages of at most ``limit`` bytes.

    A line too long for one message is cut between whole characters, and a styled segment cut
    in two is rendered as two, so no message ends inside a character or a markup pair.
    """
    messages: list[str] = []
    current: list[str] = []
    used = 0
    for line in lines:
        for piece in _pieces(line, render, limit):
            need = size(piece) + (size(sep) if current else 0)
            if current and used + need > limit:
                messages.append(sep.join(current))
                current, used, need = [], 0, size(piece)
            current.append(piece)
            used += need
    if current:
        messages.append(sep.join(current))
    return messages or [""]


def _pieces(line: Sequence[Seg], render: Render, limit: int) -> list[str]:
    """One line rendered, in as many pieces of at most ``limit`` bytes as it needs."""
    out = [""]
    for seg in line:
        rest: Seg | None = seg
        while rest is not None:
            head, left = _split(rest, render, limit - size(out[-1]))
            if head or left is None:
                out[-1] += head
                rest = left
                if rest is not None:
                    out.append("")
            elif out[-1]:
                out.append("")  # nothing of it fits after what the piece holds: a fresh piece
            elif rest.style is Style.LINK:
                rest = Seg(f"{rest.text} ({rest.ref})" if rest.ref else rest.text)
            else:
                raise ValueError(f"limit {limit} holds no character of {rest.text!r}")
    return [piece for piece in out if piece] or [""]


def _split(seg: Seg, render: Render, room: int) -> tuple[str, Seg | None]:
    """The longest start of ``seg`` whose rendering fits ``room`` bytes, and the rest."""
    whole = render(seg)
    if size(whole) <= room:
        return whole, None
    parts = clusters(seg.text)
    if seg.style is Style.LINK or len(parts) < 2:
        return "", seg

    def fits(count: int) -> bool:
        return size(render(Seg("".join(parts[:count]), seg.style, seg.ref))) <= room

    low, high = 0, len(parts) - 1
    while low < high:  # the rendering grows with the text, so bisect on the count of characters
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    if low == 0:
        return "", seg
    head = render(Seg("".join(parts[:low]), seg.style, seg.ref))
    return head, Seg("".join(parts[low:]), seg.style, seg.ref)


def lines_of(doc: Doc, at: str = "@") -> list[list[Seg]]:
    """The Doc's lines, a line break inside a segment starting a new line; mentions as text.

    No text the bot writes in WeCom notifies anyone (the robot's ``mentioned_list`` does), so
    a mention is the person's name after ``at`` (the robot's text: no "@", WeCom adds its own).
    """
    out: list[list[Seg]] = []
    for line in doc.lines:
        current: list[Seg] = []
        for seg in line:
            mention = seg.style is Style.MENTION
            style, ref = (Style.TEXT, None) if mention else (seg.style, seg.ref)
            text = f"{at}{seg.text}" if mention else seg.text
            first, *more = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            current.append(Seg(first, style, ref))
            for text in more:
                out.append(current)
                current = [Seg(text, style, ref)]
        out.append(current)
    return out


_ID_TRANS = re.compile(r"\$(?=(?:userName|departmentName)=)", re.IGNORECASE)


def neutral(text: str) -> str:
    """Text that cannot fake a mention (``<@userid>``) or an id translation (``$userName=…$``)."""
    return _ID_TRANS.sub("＄", text.replace("<", "＜"))


def plain(seg: Seg) -> str:
    """A segment as plain text: a link with its address."""
    if seg.style is Style.LINK and seg.ref and seg.ref != seg.text:
        return neutral(f"{seg.text} ({seg.ref})")
    return neutral(seg.text)


def plain_line(line: Sequence[Seg]) -> str:
    """A line as plain text."""
    return "".join(plain(seg) for seg in line)
