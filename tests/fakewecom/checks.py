"""What the fake checks in a message body, as WeCom does (doc 101031, Node SDK types).

Each check raises Refusal with the errcode the bot would get. Limits: task_id ≤128 bytes of
[0-9A-Za-z_-@]; ≤6 buttons, each with a text (≤ ``button_text`` characters, WeCom advises 10)
and a unique key ≤1024 bytes; style 1–4; ≤6 horizontal rows; action_menu 1–3 items; markdown
with a non-empty content.
"""

from __future__ import annotations

import re
from typing import Any

from .model import EMPTY_CONTENT, INVALID_MSGTYPE, INVALID_PARAMETER, JSON, Refusal

TASK_ID = re.compile(r"[0-9A-Za-z_\-@]{1,128}")
INTERACTIVE = {"button_interaction", "vote_interaction", "multiple_interaction"}
CARD_TYPES = INTERACTIVE | {"text_notice", "news_notice"}
MAX_BUTTONS = 6
MAX_KEY_BYTES = 1024


def _bad(why: str) -> Refusal:
    return Refusal(INVALID_PARAMETER, f"invalid parameter: {why}")


def check_body(body: JSON, allowed: set[str], button_text: int) -> str:
    """Check a message body (msgtype + its part) and return its msgtype."""
    msgtype = body.get("msgtype")
    if msgtype not in allowed:
        raise Refusal(INVALID_MSGTYPE, f"invalid message type {msgtype!r}")
    if msgtype == "markdown":
        check_markdown(body.get("markdown"))
    elif msgtype == "template_card":
        check_card(body.get("template_card"), button_text)
    return str(msgtype)


def check_markdown(part: Any) -> None:
    """A markdown part needs a non-empty string content."""
    content = part.get("content") if isinstance(part, dict) else None
    if not isinstance(content, str) or not content.strip():
        raise Refusal(EMPTY_CONTENT, "empty content")


def check_card(card: Any, button_text: int) -> str | None:
    """Check a template card; its task_id (None for a card without one)."""
    if not isinstance(card, dict):
        raise _bad("template_card is not an object")
    kind = card.get("card_type")
    if kind not in CARD_TYPES:
        raise _bad(f"card_type {kind!r}")
    task_id = card.get("task_id")
    needed = task_id is not None or kind in INTERACTIVE
    if needed and (not isinstance(task_id, str) or not TASK_ID.fullmatch(task_id)):
        raise _bad(f"task_id {task_id!r} (1-128 bytes of 0-9A-Za-z_-@)")
    _check_buttons(
        card.get("button_list"), required=kind == "button_interaction", limit=button_text
    )
    rows = card.get("horizontal_content_list")
    if rows is not None and (not isinstance(rows, list) or len(rows) > 6):
        raise _bad("horizontal_content_list holds more than 6 rows")
    menu = card.get("action_menu")
    if menu is not None:
        items = menu.get("action_list") if isinstance(menu, dict) else None
        if not isinstance(items, list) or not 1 <= len(items) <= 3:
            raise _bad("action_menu needs 1 to 3 items")
    return task_id


def _check_buttons(buttons: Any, required: bool, limit: int) -> None:
    if buttons is None and not required:
        return
    if not isinstance(buttons, list) or not buttons:
        raise _bad("button_list is missing or empty")
    if len(buttons) > MAX_BUTTONS:
        raise _bad(f"button_list holds {len(buttons)} buttons (at most {MAX_BUTTONS})")
    keys: set[str] = set()
    for button in buttons:
        if not isinstance(button, dict):
            raise _bad("a button is not an object")
        text, key, style = button.get("text"), button.get("key"), button.get("style", 1)
        if not isinstance(text, str) or not text.strip() or len(text) > limit:
            raise _bad(f"button text {text!r} (1-{limit} characters)")
        if button.get("type", 0) == 1:
            continue  # a link button: url, no key
        if not isinstance(key, str) or not key or len(key.encode()) > MAX_KEY_BYTES:
            raise _bad(f"button key {key!r} (1-{MAX_KEY_BYTES} bytes)")
        if key in keys:
            raise _bad(f"button key {key!r} repeated")
        if style not in (1, 2, 3, 4):
            raise _bad(f"button style {style!r} (1-4)")
        keys.add(key)
