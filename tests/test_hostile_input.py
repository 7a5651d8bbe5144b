"""Hostile and careless input: markup, huge texts, emoji and right-to-left text, empty commands.

Every answer must reach the group as valid HTML (the fake server refuses broken markup, as
Telegram does), show what people typed as typed, and never be the generic error.
"""

from pathlib import Path

from dbswitch import open_db
from e2e_support import BOSS, CLERK, EYE, GROUP, people, running
from fakeapi import FakeBotAPI
from test_authorization import reply_to
from test_e2e import report_major

TELEGRAM_LIMIT = 4096
GENERIC = "出错了，请稍后再试。"


def broken_markup(tg: FakeBotAPI) -> list[object]:
    """Requests Telegram refused because the bot's HTML did not parse."""
    return [r for r in tg.requests if r.status == 400 and "parse" in str(r.response)]


async def test_markup_in_names_and_texts_is_shown_as_typed(tmp_path: Path) -> None:
    async with FakeBotAPI() as tg:
        people(tg)
        tg.user(EYE, "<b>小张</b>", last_name="&amp; <script>")  # the informant's own name
        async with running(tg, tmp_path / "y.db"):
            hostile = '<a href="javascript:x">点我</a> </b> &lt; 🔥 مرحبا עברית 👨‍👩‍👧'
            card = await report_major(tg, f"/report {hostile}")
            shown = next(m for m in tg.sent(GROUP) if m.message_id == card)
            assert hostile in shown.text
            assert "报告人：<b>小张</b> &amp; <script> · " in shown.text
            assert not [e for e in shown.entities if e["type"] == "text_link"]
            tg.send_message(GROUP, CLERK, "/update 1 ‮反向文字‬ <i>未闭合")
            tg.press_button(GROUP, BOSS, card, "确认等级")
            await tg.wait_for(lambda m: "已确认事件等级" in m.text, chat_id=GROUP)
            status = await reply_to(tg, CLERK, "/status 1")
            assert hostile in status.text
            assert not broken_markup(tg)


async def test_ten_thousand_characters_are_kept_whole(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, db):
            long = "".join(f"第{i}段<&>内容。" for i in range(1200))[:10_000]
            card = await report_major(tg, f"/report {long}")
            shown = next(m for m in tg.sent(GROUP) if m.message_id == card)
            assert len(shown.text) <= TELEGRAM_LIMIT  # one message, so it can be edited in place
            assert long[:1000] in shown.text
            assert "（全文共 10000 字，完整内容见书面报告：/export 1）" in shown.text
            tg.press_button(GROUP, BOSS, card, "确认等级")
            await tg.wait_for(lambda m: m.message_id == card and "处置中" in m.text)
            tg.send_message(GROUP, CLERK, f"/update 1 {long}")
            tg.send_message(GROUP, CLERK, f"/draft 1 release {long}")
            title = "📄 #1「发布通稿」稿件待审批"
            await tg.wait_for(lambda m: m.text.startswith(title), chat_id=GROUP)
            async with await open_db(db) as store:
                incident = await store.get_by_number(1)
                assert incident is not None and incident.description == long
                timeline = await store.timeline(incident.id)
                assert [e.data["text"] for e in timeline if e.kind == "update"] == [long]
                assert await store.obligation_content(incident.id, "release") == long
            tail = long[-300:]
            await tg.wait_for(lambda m: tail in m.text and m.buttons != [], chat_id=GROUP)
            approval = [m for m in tg.sent(GROUP) if m.text.startswith(title) or tail in m.text]
            assert all(len(m.text) <= TELEGRAM_LIMIT for m in approval)
            assert tail in "".join(m.text for m in approval)  # the approver reads it all
            assert not broken_markup(tg)


async def test_empty_blank_and_unknown_commands_get_clear_answers(tmp_path: Path) -> None:
    async with FakeBotAPI() as tg:
        people(tg)
        # No incident: its reminders would eat the group's flood budget (20 messages a minute),
        # and the rate limiter would rightly hold the later answers back.
        async with running(tg, tmp_path / "y.db"):
            for who, command, expected in [
                (EYE, "/report    ", "请回复本消息"),
                (CLERK, "/done   ", "用法：/done N task"),
                (CLERK, "/draft 1 release    ", "用法：/draft N task text"),
                (CLERK, "/update 1 \u3000 ", "用法：/update N text"),
                (CLERK, "/review 1", "用法：/review N text"),
                (CLERK, "/status", "用法：/status N"),
                (CLERK, "/status 🔥", "用法：/status N"),
                (CLERK, "/status 99", "没有找到事件 #99"),
                (CLERK, "/status 0", "没有找到事件 #0"),
                (CLERK, "/status 99999999999999999999999", "没有找到事件 #99999999999999999999999"),
                (CLERK, "/export 42", "没有找到事件 #42"),
                (CLERK, "/update 7 进展", "没有找到事件 #7"),
                (CLERK, "/draft 8 release 通稿", "没有找到事件 #8"),
                (CLERK, "/done 3 <b>nope</b>", "没有找到事件 #3"),
                (CLERK, "/stats -3", "用法：/stats [days]"),
                (CLERK, "/stats 99999999999", "用法：/stats [days]"),
                (CLERK, "/lang 🔥", "用法：/lang zh|en"),
            ]:
                answer = await reply_to(tg, who, command)
                assert expected in answer.text, (command, answer.text)
            assert not [m for m in tg.sent(GROUP) if m.text == GENERIC]
            assert not broken_markup(tg)
