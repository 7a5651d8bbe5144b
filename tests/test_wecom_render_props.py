"""Random Docs drawn for WeCom stay within every limit and lose no text and no button."""

from __future__ import annotations

import re
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st
from plan_strategies import fuzz

from bot.domain.plan import Person
from bot.i18n import Translator
from bot.render.doc import Button, Doc, Seg, Style
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
    pack,
)
from bot.wecom.push import robot_texts, to_markdown
from bot.wecom.render import card_data, mentioned, nav_page, template_card, views
from bot.wecom.text import clusters, size, width

PEOPLE = {
    "boss": Person(name="组长", wecom="zhangsan"),
    "clerk": Person(name="Office clerk", telegram="@clerk"),
    "ww": Person(name="王五", wecom="wangwu"),
}
# Chinese, Latin, markup of every kind, marks, joined emoji, flags, line breaks, wide spaces
PIECES = [*"舆情处置aZ09 ", "*", "**", "_", "`", "[", "]", "(", ")", "<@", ">", "#", "\\", "|"]
PIECES += ["~", "$userName=", "\n", "\r\n", "\u3000", "é", "e\u0301", "✖️", "👨\u200d👩\u200d👧"]
PIECES += ["🇨🇳", "🔒", "\u200b", "&lt;"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
STYLES = [Style.TEXT, Style.BOLD, Style.ITALIC, Style.CODE]
SEGS = st.one_of(
    st.builds(Seg, TEXT, st.sampled_from(STYLES)),
    st.builds(lambda who: Seg(who, Style.MENTION, who), st.sampled_from([*PEOPLE, "ghost"])),
    st.builds(
        lambda text, url: Seg(text, Style.LINK, url),
        TEXT,
        st.sampled_from(["http://a.example/(x) y", "javascript:x", "https://b.example/_", "x"]),
    ),
)
LINES = st.lists(st.lists(SEGS, max_size=6), max_size=12)
LABELS = st.lists(TEXT, max_size=14)


KINDS: list[Callable[[int], Press]] = [
    lambda n: Answer(1, n, "o"),
    lambda n: Regrade(1, f"l{n}"),
    lambda n: Done(1, f"t{n}"),
    lambda n: Approve(1, f"t{n}", "ab"),
    lambda n: Reject(1, f"t{n}", "ab"),
    lambda n: Confirm(1),
    lambda n: Cancel(1),
    lambda n: Stabilise(1),
    lambda n: Close(1),
]


def doc_of(lines: list[list[Seg]], labels: list[str]) -> Doc:
    """Random lines and buttons of every kind (a press repeated shows once)."""
    doc = Doc(lines=lines)
    for index, label in enumerate(labels):
        doc.row(Button(label, pack(KINDS[index % len(KINDS)](index))))
    return doc


@fuzz(150)
@given(LINES, LABELS, st.sampled_from(["zh_CN", "en"]))
def test_every_page_of_a_random_card_keeps_the_limits_and_every_button_once(
    lines: list[list[Seg]], labels: list[str], lang: str
) -> None:
    doc = doc_of(lines, labels)
    keys = {data: f"k{index}" for index, data in enumerate(card_data(doc))}
    pressed: list[str] = []
    for page in range(len(views(doc))):
        drawn = template_card(doc, PEOPLE, Translator(lang), keys, "task", page)
        card = drawn.template_card
        assert 0 < width(card["main_title"]["title"]) <= 52
        assert width(card["main_title"].get("desc", "")) <= 60
        assert width(card.get("sub_title_text", "")) <= 224
        rows = card.get("horizontal_content_list", [])
        assert [row["userid"] for row in rows] == mentioned(doc, PEOPLE)[:6]
        assert all(width(row["keyname"]) <= 10 and width(row["value"]) <= 52 for row in rows)
        shown = [button["text"] for button in card["button_list"]]
        assert 1 <= len(shown) <= 6 and len(set(shown)) == len(shown)
        assert all(0 < width(text) <= 20 for text in shown)
        assert "<@" not in str(card)
        pressed += [b["key"] for b in card["button_list"] if nav_page(b["key"]) is None]
    assert sorted(pressed) == sorted(keys.values())


def whole(parts: list[str]) -> bool:
    """No part begins inside a character (a mark, selector or the half of a joined emoji)."""
    return all(not part or clusters(part)[0][0] not in "\u0301\ufe0f\u200d" for part in parts)


@fuzz(150)
@given(LINES, st.sampled_from([48, 200, 2048]))
def test_random_markdown_splits_within_the_limit_with_its_markup_whole(
    lines: list[list[Seg]], limit: int
) -> None:
    parts = to_markdown(Doc(lines=lines), limit)
    assert all(size(part) <= limit for part in parts) and whole(parts)
    for part in parts:
        assert part.count("`") % 2 == 0  # user text has no backtick left: every one is a pair
        assert "<" not in part and "\r" not in part
        prose = re.sub(r"`[^`]*`", "", part)  # code spans show brackets as they are
        assert prose.count("[") == prose.count("](")  # a bracket is a link of ours


@fuzz(150)
@given(LINES, st.sampled_from([24, 120, 2048]))
def test_random_robot_texts_keep_every_character_and_mention_on_the_first(
    lines: list[list[Seg]], limit: int
) -> None:
    doc = Doc(lines=lines)
    texts = robot_texts(doc, PEOPLE, limit)
    assert all(size(text.content) <= limit for text in texts) and whole([t.content for t in texts])
    assert texts[0].mentioned_list == tuple(mentioned(doc, PEOPLE))
    assert all(text.mentioned_list == () for text in texts[1:])
    [single] = robot_texts(doc, PEOPLE, 10**9)
    assert "".join(t.content for t in texts).replace("\n", "") == single.content.replace("\n", "")
