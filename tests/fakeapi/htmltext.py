"""Telegram-style text handling: HTML parse mode, entity detection, trimming.

Entity offsets and lengths are in UTF-16 code units, as in the real Bot API. The HTML parser
follows tdlib's ``parse_html`` (same tag set, same error wording) and, when ``strict`` is set,
additionally rejects a bare ``&`` or ``>`` that the Bot API documentation says must be escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Entity = dict[str, Any]
UserLookup = Callable[[int, str], dict[str, Any]]

ALLOWED_TAGS = frozenset(
    [
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    ]
)
SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
}
_CHAR_REF = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTR = re.compile(r"""\s*([^\s=>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")
_MENTION_URL = re.compile(r"tg://user\?id=(\d+)$")
_AUTO = re.compile(
    r"(?<![\w/@])(?P<cmd>/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?)(?![\w@/])"
    r"|(?<![\w@])(?P<mention>@[A-Za-z0-9_]{4,32})(?!\w)"
    r"|(?P<url>https?://[^\s<>\"]+)"
    r"|(?<![\w#])(?P<hashtag>#\w+)"
)
TRIM = " \t\r\n\u00a0\u2028\u2029"


class EntityParseError(ValueError):
    """The text cannot be parsed; ``str(err)`` is tdlib's message (without the API prefix)."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def utf16_slice(text: str, offset: int, length: int) -> str:
    raw = text.encode("utf-16-le")
    return raw[2 * offset : 2 * (offset + length)].decode("utf-16-le")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_refs(value: str) -> str:
    def sub(m: re.Match[str]) -> str:
        ref = m.group(1)
        if ref in _NAMED:
            return _NAMED[ref]
        code = int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])
        return chr(code) if 0 < code <= 0x10FFFF else m.group(0)

    return _CHAR_REF.sub(sub, value)


@dataclass
class _Open:
    tag: str
    attrs: dict[str, str]
    start: int  # UTF-16 offset in the output
    language: str | None = None
    children: list[str] = field(default_factory=list)


class _HtmlParser:
    def __init__(self, text: str, strict: bool, lookup_user: UserLookup | None) -> None:
        self.src = text
        self.strict = strict
        self.lookup_user = lookup_user
        self.out: list[str] = []
        self.pos16 = 0
        self.stack: list[_Open] = []
        self.entities: list[Entity] = []

    def fail(self, message: str) -> EntityParseError:
        return EntityParseError(message)

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.pos16 += utf16_len(chunk)

    def run(self) -> tuple[str, list[Entity]]:
        src, n, i = self.src, len(self.src), 0
        while i < n:
            c = src[i]
            if c == "&":
                m = _CHAR_REF.match(src, i)
                if m:
                    self.emit(_decode_refs(m.group(0)))
                    i = m.end()
                    continue
                if self.strict:
                    raise self.fail(f'Unescaped "&" at byte offset {_byte_offset(src, i)}')
            elif c == ">" and self.strict:
                raise self.fail(f'Unescaped ">" at byte offset {_byte_offset(src, i)}')
            if c != "<":
                self.emit(c)
                i += 1
                continue
            i = self.end_tag(i) if i + 1 < n and src[i + 1] == "/" else self.start_tag(i)
        if self.stack:
            tag = self.stack[-1].tag
            raise self.fail(f'Can\'t find end tag corresponding to start tag "{tag}"')
        return "".join(self.out), self.entities

    def start_tag(self, begin: int) -> int:
        src, n = self.src, len(self.src)
        j = begin + 1
        while j < n and not src[j].isspace() and src[j] != ">":
            j += 1
        if j >= n:
            raise self.fail(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        name = src[begin + 1 : j].lower()
        if name not in ALLOWED_TAGS:
            raise self.fail(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(src, begin)}'
            )
        attrs: dict[str, str] = {}
        while j < n and src[j] != ">":
            m = _ATTR.match(src, j)
            if not m or m.end() == j:
                break
            value = m.group(2) or ""
            if value[:1] in "\"'" and len(value) >= 2:
                value = value[1:-1]
            attrs[m.group(1).lower()] = _decode_refs(value)
            j = m.end()
            while j < n and src[j].isspace():
                j += 1
        if j >= n:
            raise self.fail(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        at = _byte_offset(src, begin)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise self.fail(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise self.fail(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {at}')
        self.stack.append(_Open(name, attrs, self.pos16))
        return j + 1

    def end_tag(self, begin: int) -> int:
        src, n = self.src, len(self.src)
        if not self.stack:
            raise self.fail(f"Unexpected end tag at byte offset {_byte_offset(src, begin)}")
        j = begin + 2
        while j < n and not src[j].isspace() and src[j] != ">":
            j += 1
        end_name = src[begin + 2 : j].lower()
        while j < n and src[j].isspace():
            j += 1
        if j >= n or src[j] != ">":
            raise self.fail(f"Unclosed end tag at byte offset {_byte_offset(src, begin)}")
        top = self.stack.pop()
        if end_name and end_name != top.tag:
            raise self.fail(
                f"Unmatched end tag at byte offset {_byte_offset(src, begin)}, "
                f'expected "</{top.tag}>", found "</{end_name}>"'
            )
        self.close(top)
        return j + 1

    def close(self, top: _Open) -> None:
        length = self.pos16 - top.start
        parent = self.stack[-1] if self.stack else None
        klass = top.attrs.get("class", "")
        if top.tag == "code" and parent and parent.tag == "pre" and klass.startswith("language-"):
            parent.language = klass.removeprefix("language-")
            return
        if length == 0:
            return
        entity: Entity = {"offset": top.start, "length": length}
        if top.tag in SIMPLE_TAGS:
            entity["type"] = SIMPLE_TAGS[top.tag]
        elif top.tag == "pre":
            entity["type"] = "pre"
            if top.language:
                entity["language"] = top.language
        elif top.tag == "blockquote":
            expandable = "expandable" in top.attrs
            entity["type"] = "expandable_blockquote" if expandable else "blockquote"
        elif top.tag == "tg-emoji":
            entity.update(type="custom_emoji", custom_emoji_id=top.attrs["emoji-id"])
        else:  # <a>
            text = utf16_slice("".join(self.out), top.start, length)
            url = top.attrs.get("href", text)
            m = _MENTION_URL.match(url)
            if m:
                user_id = int(m.group(1))
                user = (
                    self.lookup_user(user_id, text)
                    if self.lookup_user
                    else {"id": user_id, "is_bot": False, "first_name": text}
                )
                entity.update(type="text_mention", user=user)
            else:
                entity.update(type="text_link", url=url)
        self.entities.append(entity)


def parse_html(
    text: str, *, strict: bool = True, lookup_user: UserLookup | None = None
) -> tuple[str, list[Entity]]:
    """Return (plain text, entities) for ``parse_mode=HTML``; raise EntityParseError."""
    plain, entities = _HtmlParser(text, strict, lookup_user).run()
    return plain, sort_entities(entities)


def sort_entities(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def detect_entities(text: str, existing: list[Entity] | None = None) -> list[Entity]:
    """Entities Telegram finds on its own: bot_command, mention, url, hashtag (UTF-16 offsets).

    Detected spans overlapping an ``existing`` entity are skipped.
    """
    taken = [(e["offset"], e["offset"] + e["length"]) for e in existing or []]
    found: list[Entity] = []
    for m in _AUTO.finditer(text):
        kind = m.lastgroup or "url"
        offset = utf16_len(text[: m.start()])
        length = utf16_len(m.group(0))
        if any(offset < end and start < offset + length for start, end in taken):
            continue
        found.append(
            {"type": "bot_command" if kind == "cmd" else kind, "offset": offset, "length": length}
        )
    return found


def trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strip leading/trailing whitespace like Telegram does, shifting and clipping entities."""
    stripped = text.strip(TRIM)
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip(TRIM))])
    size = utf16_len(stripped)
    result: list[Entity] = []
    for e in entities:
        start = max(e["offset"] - shift, 0)
        end = min(e["offset"] + e["length"] - shift, size)
        if end > start:
            result.append({**e, "offset": start, "length": end - start})
    return stripped, result


def entity_text(text: str, entity: Entity) -> str:
    return utf16_slice(text, entity["offset"], entity["length"])
