"""The WeCom renderer's parts: pages of buttons, labels, mentions, escaping, splitting, commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import SMALL_PLAN, T0, small_plan

from bot.domain.access import Actor
from bot.i18n import Translator
from bot.render.doc import Button, Doc, Seg, Style, bold
from bot.render.messages import compose
from bot.render.words import person
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
from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.store import SqliteStore
from bot.wecom.push import command_for, escape_markdown, robot_texts, to_markdown, typed
from bot.wecom.render import card_data, mentioned, nav_page, template_card, views
from bot.wecom.text import clusters, cut, size, width

ZH, EN = Translator("zh_CN"), Translator("en")
MORE = "".join(f"\n      - {{id: o{n}, text: 选项{n}}}" for n in range(3, 8))
# boss: a WeCom userid; clerk: Telegram only; ww: a WeCom userid; eye: no handle at all
PLAN = small_plan(
    SMALL_PLAN.replace("people:", "chats: {wecom: [wrPARTS]}\npeople:", 1)
    .replace("boss: {name: 组长, telegram: 1}", "boss: {name: 组长, wecom: zhangsan}")
    .replace("eye: {name: 信息员, telegram: 3}", "eye: {name: 信息员<外>, wecom: eye1}")
    .replace("people:\n", "people:\n  ww: {name: 王五, wecom: wangwu}\n  nobody: {name: 无名}\n", 1)
    .replace(
        "      - {id: high, text: 多, reason: 传播很广}", "      - {id: high, text: 多}" + MORE
    )
)


def regrade(level: str) -> str:
    return pack(Regrade(7, level))


def keyed(doc: Doc) -> dict[str, str]:
    return {data: f"k{index}" for index, data in enumerate(card_data(doc))}


def card(doc: Doc, page: int = 0, t: Translator = ZH) -> dict:
    return template_card(doc, PLAN.people, t, keyed(doc), "task1", page).template_card


def labels(shown: dict) -> list[str]:
    return [button["text"] for button in shown["button_list"]]


async def test_a_question_of_eight_options_shows_five_and_more_then_the_rest_and_back(
    tmp_path: Path,
) -> None:
    async with await SqliteStore.open(tmp_path / "y.db") as store:
        service = IncidentService(store, PlanBook([PLAN]), ManualClock(T0))
        await service.open_report("wecom:wrPARTS", Actor("wecom", "eye1", None, "信息员"), "帖子")
        [item] = await store.pending()
        incident = await store.get_incident(item.incident_id or 0)
        assert incident is not None
        doc = compose(item, incident, PLAN, ZH, T0)
    first, second = card(doc, 0), card(doc, 1)
    assert labels(first) == ["少", "中", "多", "选项3", "选项4", "更多"]
    assert labels(second) == ["选项5", "选项6", "选项7", "返回"]
    assert (first["button_list"][-1]["key"], second["button_list"][-1]["key"]) == ("~p1", "~p0")
    assert labels(card(doc, 1, EN))[-1] == "Back" and labels(card(doc, 0, EN))[-1] == "More"
    assert card(doc, 9) == second  # a page the Doc no longer has: its last
    pressed = [b["key"] for c in (first, second) for b in c["button_list"][:-1]]
    assert sorted(pressed) == sorted(keyed(doc).values())


def test_an_incident_card_of_many_actions_keeps_the_main_ones_first() -> None:
    doc = Doc().line(bold("#7 重大舆情"), " · 处置中")
    presses: list[tuple[str, Press]] = [("cancel", Cancel(7))]
    presses += [(f"regrade {n}", Regrade(7, f"l{n}")) for n in range(6)]
    presses += [("done a", Done(7, "a")), ("done b", Done(7, "b")), ("close", Close(7))]
    presses += [("confirm", Confirm(7)), ("stabilise", Stabilise(7))]
    presses += [("approve x", Approve(7, "x", "1"))]
    for label, press in presses:
        doc.row(Button(label, pack(press)))
    pages = [card(doc, page) for page in range(len(views(doc)))]
    assert [len(labels(page)) for page in pages] == [6, 6, 5]  # 5 + 4 + 4 buttons
    assert labels(pages[0]) == ["confirm", "stabilise", "approve x", "done a", "done b", "更多"]
    assert labels(pages[1])[-2:] == ["更多", "返回"] and labels(pages[2])[-1] == "返回"
    assert labels(pages[2])[-2] == "cancel"  # the least important last
    assert [b["style"] for b in pages[0]["button_list"]] == [1, 1, 1, 1, 1, 2]
    keys = [b["key"] for page in pages for b in page["button_list"] if nav_page(b["key"]) is None]
    assert sorted(keys) == sorted(keyed(doc).values())


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        (["✅ Confirm level", "⬇️ 降级"], ["✅ Confirm level", "⬇️ 降级"]),
        (["✅ Confirm", "🔒 Close the incident now"], ["✅ Confirm", "①Close the incident…"]),
        (["是", "是", "否"], ["是 1", "是 2", "否"]),
        (["更多", *"好坏美丑丑丑"], ["更多 1", *"好坏美丑", "更多", "丑 1", "丑 2", "返回"]),
        (["  "], ["…"]),
    ],
)
def test_labels_fit_ten_characters_and_differ(given: list[str], shown: list[str]) -> None:
    doc = Doc().line("#7")
    for index, text in enumerate(given):
        doc.row(Button(text, regrade(str(index))))
    pages = range(len(views(doc)))  # labels differ on each page, 更多 and 返回 included
    assert [label for page in pages for label in labels(card(doc, page))] == shown


def test_a_cut_label_is_named_in_full_in_the_body() -> None:
    long = "有主流媒体介入报道并持续发酵扩散"
    doc = Doc().line("#7 定级问题").row(Button(long, pack(Answer(7, 0, "a"))))
    doc.row(Button(long + "了", pack(Answer(7, 0, "b"))))
    shown = card(doc)
    assert labels(shown) == ["①有主流媒体介入报道…", "②有主流媒体介入报道…"]
    assert shown["sub_title_text"] == f"① {long}\n② {long}了"


def test_people_are_member_rows_robot_mentions_and_names() -> None:
    doc = Doc().line("#7 请 ", person(PLAN, "boss"), " ", person(PLAN, "clerk"), " 处理")
    doc.line(person(PLAN, "ww"), " ", person(PLAN, "nobody"), " ", person(PLAN, "ghost"))
    rows = card(doc).get("horizontal_content_list")
    assert rows == [
        {"type": 3, "keyname": "相关人员", "value": "组长", "userid": "zhangsan"},
        {"type": 3, "keyname": "相关人员", "value": "王五", "userid": "wangwu"},
    ]
    assert mentioned(doc, PLAN.people) == ["zhangsan", "wangwu"]
    [text] = robot_texts(doc, PLAN.people)
    assert text.payload() == {
        "msgtype": "text",
        "text": {
            "content": "#7 请 组长 办公室 处理\n王五 无名 ghost",
            "mentioned_list": ["zhangsan", "wangwu"],
        },
    }
    assert to_markdown(doc) == ["#7 请 @组长 @办公室 处理  \n@王五 @无名 ghost"]


HOSTILE = "**粗** _斜_ [点此](http://evil.example) ![i](x) <@boss> <b>x</b> `rm` ~~删~~ a|b \\"


def test_user_text_cannot_inject_markdown_html_or_a_mention() -> None:
    doc = Doc().line(bold("#7 报告"), " ", HOSTILE).line("# 标题").line("> 引用 report_up")
    [markdown] = to_markdown(doc)
    assert markdown == (
        "**#7 报告** ＊＊粗＊＊ ＿斜＿ ［点此］(http://evil.example) !［i］(x) ＜@boss＞"
        " ＜b＞x＜/b＞ ｀rm｀ ～～删～～ a｜b ＼  \n＃ 标题  \n＞ 引用 report_up"
    )
    [text] = robot_texts(doc, PLAN.people)
    assert "＜@boss>" in text.content and "<" not in text.content
    assert "＜@boss>" in card(doc)["main_title"]["title"] + card(doc).get("sub_title_text", "")
    assert escape_markdown("$userName=boss$ #1 C# _x_ a_b") == "$userName=boss$ #1 C＃ ＿x＿ a_b"
    assert "＄userName=boss$" in robot_texts(Doc().line("$userName=boss$"), {})[0].content


@pytest.mark.parametrize(
    ("ref", "markdown"),
    [
        ("https://a.example/p (1)?q=中", "[看](https://a.example/p%20%281%29?q=%E4%B8%AD)"),
        ("javascript:alert(1)", "看 (javascript:alert(1))"),
        ("http://a.example/x_y", "[看](http://a.example/x_y)"),
    ],
)
def test_links_are_http_only_with_their_address_encoded(ref: str, markdown: str) -> None:
    assert to_markdown(Doc().line(Seg("看", Style.LINK, ref))) == [markdown]


def test_a_long_message_splits_between_whole_characters_and_whole_pairs() -> None:
    family = "👨\u200d👩\u200d👧"
    text = ("舆情" + family + "é") * 400
    doc = Doc().line(bold(text)).line(Seg("code " * 50, Style.CODE)).line("末尾")
    parts = to_markdown(doc, 1000)
    assert len(parts) > 3 and all(size(part) <= 1000 for part in parts)
    bolds = [line for part in parts for line in part.split("  \n") if "舆情" in line]
    assert all(line.startswith("**") and line.endswith("**") for line in bolds)
    assert "".join(part.strip("*") for part in bolds) == text
    assert all(clusters(part)[0] not in ("\u200d", "\u0301") for part in parts)
    assert parts[-1].endswith("末尾")


def test_robot_texts_split_and_mention_once() -> None:
    doc = Doc().line("甲" * 1000).line(person(PLAN, "boss"))
    texts = robot_texts(doc, PLAN.people)
    assert [size(text.content) <= 2048 for text in texts] == [True, True]
    assert [text.mentioned_list for text in texts] == [("zhangsan",), ()]
    assert "".join(text.content for text in texts).replace("\n", "") == "甲" * 1000 + "组长"


@pytest.mark.parametrize(
    ("press", "command"),
    [
        (Done(12, "report_up"), "/done 3 report_up"),
        (Confirm(12), "/status 3"),
        (Regrade(12, "high"), "/status 3"),
        (Approve(12, "release", "ab12"), "/status 3"),
        (Reject(12, "release", "ab12"), "/status 3"),
        (Close(12), "/status 3"),
        (Answer(12, 0, "low"), "/status 3"),  # the question it waits on, as a reply
    ],
)
def test_a_button_is_a_typed_command(press: Press, command: str | None) -> None:
    assert command_for(pack(press), 3) == command
    assert command_for("not ours", 3) is None


def test_a_pushed_message_shows_the_commands_instead_of_its_buttons() -> None:
    doc = Doc().line("#3 提醒").row(Button("✔️ 已完成", pack(Done(7, "report_up"))))
    doc.row(
        Button("✅ 批准", pack(Approve(7, "x", "1"))),
        Button("↩️ 退回", pack(Reject(7, "x", "1"))),
    )
    assert to_markdown(typed(doc, ZH, 3)) == [
        "#3 提醒  \n“✔️ 已完成”：请回复 `@机器人 /done 3 report_up`  \n"
        "✅ 批准、↩️ 退回：请回复 `@机器人 /status 3` 打开事件卡片，在卡片上操作"
    ]
    assert to_markdown(typed(doc, EN, 3, bot="舆情助手"))[0].splitlines()[1:] == [
        "“✔️ 已完成”: reply `@舆情助手 /done 3 report_up`  ",
        "✅ 批准, ↩️ 退回: reply `@舆情助手 /status 3` to open the incident card and use its"
        " buttons",
    ]
    assert typed(doc, ZH, 3).buttons == []


@pytest.mark.parametrize(
    ("key", "page"),
    [("~p0", 0), ("~p12", 12), ("~p", None), ("~px", None), ("~p１", None), ("k1", None)],
)
def test_page_keys(key: str, page: int | None) -> None:
    assert nav_page(key) == page


def test_a_card_with_nothing_to_press_offers_refresh() -> None:
    shown = card(Doc().line("#7 已结案"), t=EN)
    assert shown["button_list"] == [{"text": "Refresh", "style": 2, "key": "~p0"}]
    assert card(Doc())["main_title"] == {"title": "…"}


def test_a_long_title_goes_on_in_the_body_and_a_long_body_is_cut() -> None:
    title = "⏰ #1「报告党工委、上级业务部门和同级网信部门（1小时内）」将于 17:00 到期。"
    drawn = template_card(Doc().line(title).line("短"), PLAN.people, ZH, {}, "t")
    head = drawn.template_card["main_title"]["title"]
    assert width(head) <= 52 and head.endswith("…")
    assert drawn.template_card["sub_title_text"] == f"…{title[len(head) - 1 :]}\n短"
    assert drawn.complete
    long = Doc().line("#1").line("甲" * 30).line("乙" * 50).line("丙" * 50).line("丁" * 50)
    cut_card = template_card(long, PLAN.people, ZH, {}, "t")
    body = cut_card.template_card["sub_title_text"]
    assert not cut_card.complete and width(body) <= 224 and body.endswith("…")
    assert cut_card.template_card["main_title"]["desc"] == "甲" * 30  # a short second line
    assert body.split("\n")[:2] == [cut("乙" * 50, 80), cut("丙" * 50, 80)]
