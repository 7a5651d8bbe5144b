"""Outbox messages rendered as the group would read them (HTML, both languages)."""

from datetime import timedelta

import pytest
from support import CHAT, SMALL_PLAN, small_plan
from test_service import BOSS, CLERK, EYE, report_high

from bot.i18n import Translator
from bot.render.card import titled
from bot.render.doc import Doc, Seg, Style
from bot.render.messages import compose
from bot.render.plain import to_plain
from bot.render.words import duration, person
from bot.service.buttons import MAX_BYTES, Answer, Done, unpack
from bot.service.incidents import IncidentService
from bot.telegram.html import to_html

M, H = timedelta(minutes=1), timedelta(hours=1)


async def rendered(service: IncidentService, lang: str = "zh_CN") -> list[tuple[str, str, list]]:
    """Every pending message as (kind, html, button rows), then marked sent."""
    out = []
    t = Translator(lang)
    for item in await service.store.pending():
        assert item.incident_id is not None
        incident = await service.store.get_incident(item.incident_id)
        assert incident is not None
        plan = service.plans.get(incident.plan_id)
        content = await service.store.obligation_content(
            incident.id, item.payload.get("obligation", "")
        )
        doc = compose(item, incident, plan, t, service.clock.now(), content)
        out.append((item.kind, "\n".join(to_html(doc, plan.people)), doc.buttons))
        async with service.store.transaction() as tx:
            await tx.mark_sent(item.id, service.clock.now())
    return out


async def test_questions_card_and_buttons(service: IncidentService) -> None:
    incident = await service.open_report(CHAT, EYE, "网帖 <b>称</b> & “某单位”")
    [(kind, html, rows)] = await rendered(service)
    assert kind == "question"
    assert html == "<b>#1 定级问题 1/3：</b> 传播范围？"
    assert [[b.label for b in row] for row in rows] == [["少"], ["中"], ["多"]]
    assert unpack(rows[2][0].data) == Answer(incident.id, 0, "high")
    for index, option in enumerate(["high", "yes", "no"]):
        await service.answer(incident.id, EYE, index, option)
    messages = await rendered(service, "en")
    assert messages[0][1] == "<b>#1 grading question 1/3:</b> How far?\n→ <b>多</b>"
    kind, card, rows = messages[-1]
    assert kind == "card"
    assert card.splitlines()[0] == "<b>#1 重大 incident</b> · awaiting a leader's confirmation"
    assert "\nWhy: 有主流媒体介入报道\n" in card  # the any: branch that held
    assert "Report: 网帖 &lt;b&gt;称&lt;/b&gt; &amp; “某单位”" in card  # user text escaped
    assert "1. 上报 (办公室) due 03-01 17:00" in card  # the plan's time zone: UTC+8
    assert card.endswith('Responsible under the plan: <a href="tg://user?id=1">组长</a> @clerk')
    labels = [[b.label for b in row] for row in rows]
    assert labels == [
        ["✅ Confirm level"],
        ["⬇️ Lower level"],
        ["⏬ To General"],  # two levels down, in one press
        ["✖️ False alarm"],
    ]
    assert all(len(b.data.encode()) <= MAX_BYTES for row in rows for b in row)


async def test_reminders_and_approval_texts(service: IncidentService) -> None:
    incident_id = await report_high(service)
    await service.confirm(incident_id, BOSS)
    await rendered(service)
    service.clock.advance(90 * M)  # type: ignore[attr-defined]
    await service.tick()
    [(kind, html, rows)] = await rendered(service)
    assert kind == "reminder"
    assert (
        html.splitlines()[0]
        == "<b>❗ #1「上报」已逾期 30分钟（截止 03-01 17:00，第 3 次提醒）。</b>"
    )
    assert "⬆ 已按预案逐级上报（第 1 级）：现通知组长。" in html  # the step climbed, announced
    assert html.splitlines()[-1] == '@clerk <a href="tg://user?id=1">组长</a>'
    service.clock.advance(15 * M)  # type: ignore[attr-defined]
    await service.tick()
    again = [html for kind, html, _ in await rendered(service) if "「上报」已逾期" in html]
    assert len(again) == 1 and "逐级上报" not in again[0]  # the same step: no news
    assert "已按预案报告上级领导。" in again[0]
    assert unpack(rows[0][0].data) == Done(incident_id, "report")
    await service.submit(incident_id, CLERK, "release", "通稿：<关于……的情况说明>")
    approval = next(m for m in await rendered(service) if m[0] == "approval")
    assert "通稿：&lt;关于……的情况说明&gt;" in approval[1]
    assert [b.label for b in approval[2][0]] == ["✅ 批准", "↩️ 退回修改"]


async def test_notices_name_levels_and_people(service: IncidentService) -> None:
    incident_id = await report_high(service)
    await rendered(service)
    await service.regrade(incident_id, BOSS, "mid")
    notices = [html for kind, html, _ in await rendered(service) if kind == "notice"]
    assert notices[0].startswith("#1：组长 将事件等级由“重大”调整为“较大”")
    assert "\n· 回复：截止 03-01 17:00\n· 核实：截止 03-01 16:30" in notices[0]


@pytest.mark.parametrize(
    ("seconds", "lang", "text"),
    [
        (5400, "zh_CN", "1小时30分钟"),
        (5400, "en", "1 h 30 min"),
        (3 * 86400 + 60, "zh_CN", "3天1分钟"),
        (45, "en", "45 s"),
        (0, "zh_CN", "0秒"),
    ],
)
def test_durations_in_words(seconds: int, lang: str, text: str) -> None:
    assert duration(Translator(lang), timedelta(seconds=seconds)) == text


def test_long_text_is_split_within_the_limit_and_tags_stay_balanced() -> None:
    doc = Doc().line(Seg("标题", Style.BOLD)).line("x" * 10000).line(Seg("<末尾>", Style.BOLD))
    parts = to_html(doc)
    assert len(parts) == 4  # the title, two full chunks, the rest with the last line
    assert parts[0] == "<b>标题</b>"
    assert all(len(part.replace("<b>", "").replace("</b>", "")) <= 4096 for part in parts)
    assert parts[-1].endswith("<b>&lt;末尾&gt;</b>")
    assert sum(part.count("x") for part in parts) == 10000


@pytest.mark.parametrize(
    ("level", "lang", "title"),
    [
        ("重大", "zh_CN", "重大舆情"),
        ("重大网络舆情", "zh_CN", "重大网络舆情"),
        ("重大舆情事件（II级）", "zh_CN", "重大舆情事件（II级）"),
        ("紧急情况", "zh_CN", "紧急情况舆情"),
        ("Major", "en", "Major incident"),
        ("Major incident (level II)", "en", "Major incident (level II)"),
    ],
)
def test_card_titles_name_the_incident_once(level: str, lang: str, title: str) -> None:
    assert titled(level, Translator(lang)) == title


# boss: Telegram id 1; clerk: "@clerk"; eye: no handle; ww: a WeCom userid only
PEOPLE = small_plan(
    SMALL_PLAN.replace("  eye: {name: 信息员, telegram: 3}", "  eye: {name: 信息员<外>}").replace(
        "people:\n", "people:\n  ww: {name: 王五, wecom: wangwu}\n", 1
    )
)


@pytest.mark.parametrize(
    ("person_id", "html", "plain"),
    [
        ("boss", '<a href="tg://user?id=1">组长</a>', "@组长"),
        ("clerk", "@clerk", "@办公室"),
        ("eye", "<b>信息员&lt;外&gt;</b>", "信息员<外>"),
        ("ww", "<b>王五</b>", "@王五"),  # no Telegram handle: bold there, a mention elsewhere
        ("ghost", "ghost", "ghost"),  # a person the plan does not know: their id, as text
    ],
)
def test_a_mention_names_the_plan_person_and_each_renderer_makes_its_own(
    person_id: str, html: str, plain: str
) -> None:
    seg = person(PEOPLE, person_id)
    known = person_id in PEOPLE.people
    assert (seg.style, seg.ref) == ((Style.MENTION, person_id) if known else (Style.TEXT, None))
    doc = Doc().line("请 ", seg, " 处理")
    assert to_html(doc, PEOPLE.people) == [f"请 {html} 处理"]
    assert to_plain(doc, PEOPLE.people) == f"请 {plain} 处理"


def test_without_the_plan_people_a_mention_is_the_name_in_bold() -> None:
    doc = Doc().line(person(PEOPLE, "boss"), " ", person(PEOPLE, "clerk"))
    assert to_html(doc) == ["<b>组长</b> <b>办公室</b>"]
    assert to_html(doc, {}) == ["<b>组长</b> <b>办公室</b>"]
    assert to_plain(doc) == "@组长 @办公室"


def test_an_at_username_mention_counts_as_its_handle_when_split() -> None:
    doc = Doc().line("x" * 4091, person(PEOPLE, "clerk"))  # "@clerk", not "办公室": no room
    parts = to_html(doc, PEOPLE.people)
    assert parts == ["x" * 4091, "@clerk"]
