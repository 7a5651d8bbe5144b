"""A Doc as the AI bot's ``button_interaction`` template card (pushes are in push.py).

The AI bot's ``button_interaction`` card holds at most 6 buttons; a Doc with more shows its 5
most important and a 更多 button that turns the card into the next page of buttons, with a 返回
button back (``views`` lays the pages out, ``nav_page`` reads those two keys). Limits, from
WeCom's template card documents (widths in half-width units, so "10 字" is 20; see text.py):
a button ≤10 字, ``main_title.title`` ≤26 字, ``desc`` ≤30 字, ``sub_title_text`` ≤112 字,
``horizontal_content_list`` ≤6 rows of ``keyname`` ≤5 字 and ``value`` ≤26 字, a key ≤1024 bytes.
People the Doc mentions are shown as member rows (type 3: a tap opens their profile); that
notifies nobody, the group robot's ``mentioned_list`` does (push.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.plan import Person
from bot.i18n import Translator
from bot.render.doc import Button, Doc, Style
from bot.service.buttons import (
    Answer,
    Approve,
    Cancel,
    Close,
    Confirm,
    Done,
    Press,
    Regrade,
    Reject,
    Stabilise,
    StaleButton,
    unpack,
)
from bot.wecom.text import ELLIPSIS, clusters, cut, lines_of, neutral, plain_line, width

NAME = "wecom"
BUTTONS = 6
LABEL = 20
TITLE = 52
DESC = 60
BODY = 224
LINE = 80  # one line of the Doc in the body at most, so a long report leaves room for the rest
ROWS = 6
KEYNAME = 10
VALUE = 52
NAV = "~p"  # a key that turns the card to page N is "~pN"; store tokens never hold "~"
MAIN, OTHER = 1, 2  # button styles: the main actions, the rest
CIRCLED = "①②③④⑤⑥"

RANK: dict[type[Press], int] = {  # which buttons the first page keeps: the lowest ranks
    Confirm: 0,
    Stabilise: 0,
    Approve: 0,
    Answer: 0,
    Close: 1,
    Done: 1,
    Reject: 1,
    Regrade: 2,
    Cancel: 3,
}
MAIN_ACTIONS = (Confirm, Stabilise, Approve, Close, Done)


@dataclass(frozen=True)
class Card:
    """A ``template_card`` object, and whether every line of the Doc is on it in full."""

    template_card: dict[str, Any]
    complete: bool


def _press(data: str) -> Press | None:
    try:
        return unpack(data)
    except StaleButton:
        return None


def _rank(button: Button) -> int:
    press = _press(button.data)
    return 2 if press is None else RANK.get(type(press), 2)


def buttons(doc: Doc) -> list[Button]:
    """The Doc's buttons in order, each packed data once (a card's keys must differ)."""
    unique = {button.data: button for row in reversed(doc.buttons) for button in reversed(row)}
    return list(reversed(unique.values()))


def card_data(doc: Doc) -> list[str]:
    """The packed data of the Doc's buttons: what ``tokens.keys_for`` must give keys to."""
    return [button.data for button in buttons(doc)]


def views(doc: Doc) -> list[list[Button]]:
    """The card's pages of buttons, most important first; more than one only past 6 buttons."""
    ranked = sorted(buttons(doc), key=_rank)
    if len(ranked) <= BUTTONS:
        return [ranked]
    pages, rest = [ranked[: BUTTONS - 1]], ranked[BUTTONS - 1 :]
    while len(rest) > BUTTONS - 1:  # a middle page holds both 更多 and 返回
        pages.append(rest[: BUTTONS - 2])
        rest = rest[BUTTONS - 2 :]
    return [*pages, rest]


def nav_key(page: int) -> str:
    """The key of a button that shows page ``page`` of the card."""
    return f"{NAV}{page}"


def nav_page(key: str) -> int | None:
    """The page a 更多 / 返回 / 刷新 key shows; None for any other key."""
    number = key.removeprefix(NAV)
    return int(number) if key.startswith(NAV) and number.isascii() and number.isdigit() else None


def mentioned(doc: Doc, people: Mapping[str, Person]) -> list[str]:
    """The WeCom userids of the people the Doc mentions, once each; those without one left out."""
    handles = (_handle(people, person_id) for person_id in _mention_ids(doc))
    return list(dict.fromkeys(handle for handle in handles if handle is not None))


def _mention_ids(doc: Doc) -> list[str]:
    ids = (str(s.ref) for line in doc.lines for s in line if s.style is Style.MENTION and s.ref)
    return list(dict.fromkeys(ids))


def _handle(people: Mapping[str, Person], person_id: str) -> str | None:
    who = people.get(person_id)
    handle = who.handle(NAME) if who is not None else None
    return None if handle is None else str(handle)


def template_card(
    doc: Doc,
    people: Mapping[str, Person],
    t: Translator,
    keys: Mapping[str, str],
    task_id: str,
    page: int = 0,
) -> Card:
    """Page ``page`` of the Doc as a ``button_interaction`` card.

    ``keys`` holds the key of each of ``card_data(doc)`` (``tokens.keys_for``); ``task_id`` is
    the card's (``tokens.new_task``; WeCom keeps a card's first task id through its updates).
    """
    pages = views(doc)
    page = min(max(page, 0), len(pages) - 1)
    navs = _navs(t, page, pages)
    labels, notes = _labels([b.label for b in pages[page]], [label for label, _ in navs])
    listed_buttons = [
        {"text": label, "style": _style(b.data), "key": keys[b.data]}
        for label, b in zip(labels, pages[page], strict=True)
    ]
    listed_buttons += [{"text": label, "style": OTHER, "key": key} for label, key in navs]
    main_title, rest = _title([plain_line(line) for line in lines_of(doc)])
    body, whole = _body([*notes, *rest])
    card: dict[str, Any] = {"card_type": "button_interaction", "main_title": main_title}
    if body:
        card["sub_title_text"] = body
    rows = _rows(doc, people, t)
    if rows:
        card["horizontal_content_list"] = rows
    card.update(button_list=listed_buttons, task_id=task_id)
    return Card(card, whole)


def _navs(t: Translator, page: int, pages: list[list[Button]]) -> list[tuple[str, str]]:
    """The page-turning buttons: 更多, 返回, or 刷新 on a card with nothing else to press.

    A ``button_interaction`` card must hold a button; 刷新 (refresh) shows the card as it is now.
    """
    navs = []
    if page + 1 < len(pages):
        navs.append((t("wecom.more"), nav_key(page + 1)))
    if page > 0:
        navs.append((t("wecom.back"), nav_key(0)))
    if not pages[page]:
        navs.append((t("wecom.refresh"), nav_key(0)))
    return navs


def _style(data: str) -> int:
    return MAIN if isinstance(_press(data), MAIN_ACTIONS) else OTHER


def _bare(label: str) -> str:
    """A label without its leading symbols (the emoji before the words), if words remain."""
    parts = clusters(label)
    while parts and not parts[0][0].isalnum():
        parts.pop(0)
    return "".join(parts) or label


def _labels(texts: Sequence[str], reserved: Sequence[str]) -> tuple[list[str], list[str]]:
    """Labels that fit and differ from each other and ``reserved``; a body line per cut one."""
    shown: list[str] = []
    notes: list[str] = []
    for given in texts:
        text = neutral(given).strip() if width(given.strip()) else ELLIPSIS  # WeCom needs a text
        bare = text if width(text) <= LABEL else _bare(text)
        if width(bare) <= LABEL:
            shown.append(bare)
            continue
        mark = CIRCLED[len(notes) % len(CIRCLED)]
        shown.append(mark + cut(bare, LABEL - width(mark)))
        notes.append(f"{mark} {text}")
    counts, used, out = Counter(shown), set(reserved), []
    for label in shown:
        number, candidate = 0, label
        while (counts[label] > 1 and number == 0) or candidate in used:
            number += 1
            candidate = f"{cut(label, LABEL - len(str(number)) - 1)} {number}"
        used.add(candidate)
        out.append(candidate)
    return out, notes


def _title(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """The title (the first line), a short second line as its desc, and the lines left over.

    A first line too long for the title goes on in the body where the title stops.
    """
    first, rest = (lines[0], lines[1:]) if lines else ("", [])
    if not width(first.strip()):  # nothing visible (zero-width characters at most)
        return {"title": ELLIPSIS}, rest
    title = cut(first, TITLE)
    if title != first:
        shown = title.removesuffix(ELLIPSIS)
        return {"title": title}, [ELLIPSIS + first[len(shown) :].lstrip(), *rest]
    main = {"title": title}
    if rest and width(rest[0].strip()) and width(rest[0]) <= DESC:
        main["desc"] = rest.pop(0)
    return main, rest


def _body(lines: Sequence[str]) -> tuple[str, bool]:
    """The lines as ``sub_title_text`` within its limit, each cut to ``LINE``; whether all fit."""
    shown = [cut(text, LINE) for text in lines]
    body = "\n".join(shown)
    if width(body) <= BODY:
        return body, shown == list(lines)
    return cut(body, BODY), False


def _rows(doc: Doc, people: Mapping[str, Person], t: Translator) -> list[dict[str, Any]]:
    """A member row (type 3, opens the profile) per person named with a WeCom userid."""
    keyname = cut(t("wecom.person"), KEYNAME)
    rows = []
    for person_id in _mention_ids(doc):
        handle = _handle(people, person_id)
        if handle is not None:
            value = cut(people[person_id].name, VALUE)
            rows.append({"type": 3, "keyname": keyname, "value": value, "userid": handle})
    return rows[:ROWS]
