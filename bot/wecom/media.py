"""The images and files a WeCom message carries: read from its items, kept as evidence refs.

In long-connection mode each image or file arrives as ``{"url", "aeskey"}``: a download URL
(valid five minutes) of content encrypted with that item's own key. A ``mixed`` message (图文混排,
the one kind with images that reaches a group) holds them in ``mixed.msg_item[i].image``; a
one-to-one ``image`` or ``file`` message in ``image`` or ``file``; a quoted message in
``quote`` in the same shapes. Sources: the official SDK's types (WecomTeam/aibot-node-sdk,
``src/types/message.ts``) and docs/evidence.md. An item of any other shape is skipped with a
log line: a new WeCom field never stops a report.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

KINDS = {"image": "photo", "file": "document"}  # WeCom's msgtype -> the evidence kind
_KEY_VALUE = re.compile(r'("aeskey"\s*:\s*")[^"]*"')


class BadRef(ValueError):
    """An evidence ref that is not one this module made."""


@dataclass(frozen=True)
class Media:
    """One encrypted image or file: where to download it and the key that opens it."""

    kind: str  # "photo" | "document"
    url: str
    aeskey: str

    def __repr__(self) -> str:  # never the key, nor the URL (a short-lived credential)
        return f"Media(kind={self.kind!r})"

    @property
    def ref(self) -> str:
        """The evidence ref: what a later fetch needs (the key stays in the store, never logs)."""
        return json.dumps({"url": self.url, "aeskey": self.aeskey}, separators=(",", ":"))


def from_ref(ref: str) -> tuple[str, str]:
    """The URL and key of an evidence ref; BadRef if it is not one."""
    try:
        found = json.loads(ref)
    except ValueError:
        raise BadRef("not a WeCom media reference") from None
    url = found.get("url") if isinstance(found, dict) else None
    key = found.get("aeskey") if isinstance(found, dict) else None
    if not isinstance(url, str) or not url or not isinstance(key, str) or not key:
        raise BadRef("not a WeCom media reference")
    return url, key


def hide_keys(raw: str | bytes) -> str:
    """A frame as text fit for a log line: every ``aeskey`` value starred out."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return _KEY_VALUE.sub(r'\1***"', text)


def carried(body: dict[str, Any]) -> tuple[Media, ...]:
    """The images and files of a message body (or of its ``quote``), in their order."""
    msgtype = body.get("msgtype")
    if msgtype == "mixed":
        mixed = body.get("mixed")
        items = mixed.get("msg_item") if isinstance(mixed, dict) else None
        if not isinstance(items, list):
            log.info("WeCom mixed message without msg_item: its images are not read")
            return ()
        found = (_item(item) for item in items if isinstance(item, dict))
        return tuple(media for media in found if media is not None)
    if msgtype in KINDS:
        media = _item(body)
        return (media,) if media is not None else ()
    return ()


def _item(item: dict[str, Any]) -> Media | None:
    """An ``{"msgtype": "image", "image": {"url", "aeskey"}}`` item (None: text, or unknown)."""
    msgtype = item.get("msgtype")
    if msgtype not in KINDS:
        if msgtype != "text":
            log.info("WeCom item of type %r ignored", str(msgtype)[:20])
        return None
    part = item.get(msgtype)
    url = part.get("url") if isinstance(part, dict) else None
    key = part.get("aeskey") if isinstance(part, dict) else None
    if not isinstance(url, str) or not url or not isinstance(key, str) or not key:
        log.info("WeCom %s item without url or aeskey ignored", msgtype)
        return None
    return Media(KINDS[msgtype], url, key)
