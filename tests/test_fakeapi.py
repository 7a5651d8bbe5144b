"""The fake Telegram Bot API (tests/fakeapi), exercised through PTB's real HTTP stack."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from telegram import Bot, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fakeapi import EntityParseError, FakeBotAPI, parse_html

TOKEN = "123:ABC"
GROUP = -1001234


@pytest.fixture
async def tg() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(token=TOKEN, bot_username="yuqing_bot") as server:
        server.user(42, "Alice", username="alice")
        server.user(7, "Bob")
        server.group(GROUP, "舆情小组")
        yield server


@pytest.fixture
async def bot(tg: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as b:
        yield b


def ci(text: str) -> re.Pattern[str]:
    """Case-insensitive literal match (PTB capitalizes error descriptions)."""
    return re.compile(re.escape(text), re.IGNORECASE)


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d)] for t, d in pairs])


async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123, "yuqing_bot", True)


async def test_send_html_with_keyboard_and_read_back(tg: FakeBotAPI, bot: Bot) -> None:
    msg = await bot.send_message(
        GROUP,
        "<b>预警</b> &lt;一级&gt; 请确认",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(("确认", "ack:1"), ("忽略", "ign:1")),
    )
    assert msg.text == "预警 <一级> 请确认" and msg.chat.type == "supergroup"
    sent = tg.last_message(GROUP)
    assert sent.message_id == msg.message_id and sent.text == msg.text
    assert sent.entity_texts("bold") == ["预警"]
    assert sent.callback_data == ["ack:1", "ign:1"] and sent.button("忽略")["callback_data"]
    request = tg.calls("sendMessage")[0]
    assert request.params["chat_id"] == GROUP and request.params["parse_mode"] == "HTML"
    second = await bot.send_message(GROUP, "再次", reply_to_message_id=msg.message_id)
    assert second.message_id == msg.message_id + 1
    assert tg.last_message(GROUP).reply_to_message_id == msg.message_id


async def test_text_mention_and_link_entities(tg: FakeBotAPI, bot: Bot) -> None:
    html = '请 <a href="tg://user?id=42">组长</a> 处理，见 <a href="https://x.cn/a">通报</a>'
    html += " 🙂 <i>急</i>"
    msg = await bot.send_message(GROUP, html, parse_mode=ParseMode.HTML)
    assert tg.last_message(GROUP).mentioned_user_ids == [42]
    mention = msg.entities[0]
    assert mention.type == "text_mention" and mention.user and mention.user.username == "alice"
    assert msg.parse_entities()[mention] == "组长"
    kinds = {e.type: text for e, text in msg.parse_entities().items()}
    assert kinds["text_link"] == "通报" and kinds["italic"] == "急"  # UTF-16 offsets after 🙂


async def test_edit_message_text_and_history(tg: FakeBotAPI, bot: Bot) -> None:
    msg = await bot.send_message(GROUP, "待审批", reply_markup=keyboard(("批准", "ok")))
    undo = keyboard(("撤销", "undo"))
    await bot.edit_message_text("已批准", GROUP, msg.message_id, reply_markup=undo)
    with pytest.raises(BadRequest, match=ci("message is not modified")):
        await bot.edit_message_text("已批准", GROUP, msg.message_id, reply_markup=undo)
    await bot.edit_message_text("已归档", GROUP, msg.message_id)  # no markup: keyboard removed
    sent = tg.last_message(GROUP)
    assert sent.text == "已归档" and sent.buttons == []
    history = [(e.text, e.reply_markup is not None) for e in sent.edits]
    assert history == [("已批准", True), ("已归档", False)]
    with pytest.raises(BadRequest, match=ci("message to edit not found")):
        await bot.edit_message_text("x", GROUP, 999)
    assert await bot.delete_message(GROUP, msg.message_id)
    assert tg.sent(GROUP) == [] and tg.sent(GROUP, include_deleted=True)[0].deleted
    with pytest.raises(BadRequest, match=ci("message to delete not found")):
        await bot.delete_message(GROUP, msg.message_id)


async def test_press_and_answer_callback_query(tg: FakeBotAPI, bot: Bot) -> None:
    msg = await bot.send_message(GROUP, "选择", reply_markup=keyboard(("A", "pick:a")))
    query_id = tg.press(GROUP, 7, msg.message_id, "pick:a")
    (update,) = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query and query.id == query_id and query.data == "pick:a"
    assert query.from_user.id == 7 and query.message and query.message.chat.id == GROUP
    await query.answer("已记录", show_alert=True)
    answer = tg.callback_answers[0]
    assert (answer.callback_query_id, answer.text, answer.show_alert) == (query_id, "已记录", True)
    assert (answer.data, answer.user_id, answer.message_id) == ("pick:a", 7, msg.message_id)
    with pytest.raises(BadRequest, match=ci("query is too old")):
        await query.answer()  # a second answer is refused
    with pytest.raises(AssertionError, match="no button"):
        tg.press(GROUP, 7, msg.message_id, "pick:zzz")


async def test_application_handlers_via_polling(tg: FakeBotAPI) -> None:
    seen: list[tuple[str, int, int, Any]] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user and update.effective_chat and update.message
        seen.append(("start", update.effective_user.id, update.effective_chat.id, context.args))
        await update.message.reply_text("请选择级别", reply_markup=keyboard(("一般", "lvl:low")))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query and update.effective_chat
        seen.append(("press", query.from_user.id, update.effective_chat.id, query.data))
        await query.answer("收到")
        await query.edit_message_text(f"已选 {query.data}")

    app: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder().token(TOKEN).base_url(tg.base_url).build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        assert app.updater
        await app.updater.start_polling(timeout=5)
        tg.send_message(GROUP, 42, "/start@yuqing_bot now")
        prompt = await tg.wait_for(lambda m: m.text == "请选择级别", chat_id=GROUP)
        tg.press_button(GROUP, 42, prompt.message_id, "一般")
        await tg.wait_for(lambda m: m.text == "已选 lvl:low")
        await app.updater.stop()
        await app.stop()
    assert seen == [("start", 42, GROUP, ["now"]), ("press", 42, GROUP, "lvl:low")]
    assert tg.callback_answers[0].text == "收到"
    assert tg.pending_updates == []


async def test_long_poll_returns_when_update_arrives(tg: FakeBotAPI, bot: Bot) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await tg.wait_for_request("getUpdates", completed=False)
    assert not poll.done()
    sent = tg.send_message(tg.private(42), 42, "/help")
    (update,) = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 2
    assert update.message and update.message.text == "/help"
    assert update.message.entities[0].type == "bot_command"
    assert update.message.message_id == sent["message_id"]
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    assert tg.pending_updates == []


async def test_second_poller_gets_conflict(tg: FakeBotAPI, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await tg.wait_for_request("getUpdates", completed=False)
    async with httpx.AsyncClient() as client:
        second = asyncio.create_task(
            client.post(f"{tg.base_url}{TOKEN}/getUpdates", json={"timeout": 5})
        )
        with pytest.raises(Conflict, match=ci("terminated by other getUpdates request")):
            await first
        tg.send_message(GROUP, 7, "/ping")
        body = (await second).json()
    assert body["ok"] and body["result"][0]["message"]["text"] == "/ping"


async def test_error_responses(tg: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=ci("message is too long")):
        await bot.send_message(GROUP, "字" * 4097)
    await bot.send_message(GROUP, "<b>" + "字" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=ci("message text is empty")):
        await bot.send_message(GROUP, "  \n ")
    with pytest.raises(BadRequest, match=ci("can't parse entities: can't find end tag")):
        await bot.send_message(GROUP, "<b>未闭合", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=ci('unsupported start tag "div"')):
        await bot.send_message(GROUP, "<div>x</div>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=ci('unsupported start tag ""')):
        await bot.send_message(GROUP, "1 < 2", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=ci("chat not found")):
        await bot.send_message(-100999, "x")
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=tg.base_url) as wrong:
            await wrong.get_me()
    tg.kick_bot(GROUP)
    with pytest.raises(Forbidden, match=ci("bot was kicked from the supergroup chat")):
        await bot.send_message(GROUP, "还在吗")
    tg.block_bot(7)
    with pytest.raises(Forbidden, match=ci("blocked by the user")):
        await bot.send_message(7, "私信")


async def test_raw_http_errors(tg: FakeBotAPI) -> None:
    url = f"{tg.base_url}{TOKEN}"
    markup = {"inline_keyboard": [[{"text": "x", "callback_data": "d" * 65}]]}
    async with httpx.AsyncClient() as client:
        resp = await client.post(
            f"{url}/sendMessage", json={"chat_id": GROUP, "text": "hi", "reply_markup": markup}
        )
        assert resp.status_code == 400
        assert resp.json() == {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: BUTTON_DATA_INVALID",
        }
        resp = await client.post(f"{tg.base_url}999:NOPE/getMe")
        assert resp.status_code == 401
        assert resp.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        resp = await client.get(f"{url}/noSuchMethod")
        assert (resp.status_code, resp.json()["description"]) == (404, "Not Found")
        resp = await client.get(f"{url}/getme")  # method names are case-insensitive
        assert resp.json()["result"]["username"] == "yuqing_bot"
        form = {"chat_id": str(GROUP), "text": "表单"}
        assert (await client.post(f"{url}/sendMessage", data=form)).json()["ok"]


async def test_fault_injection(tg: FakeBotAPI, bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as timedelta, no warning
    tg.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(GROUP, "限流")
    assert flood.value.retry_after == timedelta(seconds=3)
    assert [r.status for r in tg.calls("sendMessage")] == [429]
    assert tg.calls("sendMessage")[0].response["parameters"] == {"retry_after": 3}
    await bot.send_message(GROUP, "重试成功")
    tg.fail_next("*", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_me()
    tg.fail_next("sendMessage", status=500, apply=True)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(GROUP, "实际已发出")
    assert tg.last_message(GROUP).text == "实际已发出"
    tg.delay("getMe", 0.5)
    with pytest.raises(TimedOut):
        await bot.get_me(read_timeout=0.05)
    tg.delay("getMe", 0)
    tg.refuse_connections(True)
    with pytest.raises(NetworkError):
        await bot.get_me()
    tg.refuse_connections(False)
    assert (await bot.get_me()).id == 123


async def test_set_my_commands_per_language(tg: FakeBotAPI, bot: Bot) -> None:
    await bot.set_my_commands([("start", "开始"), ("report", "报告舆情")], language_code="zh")
    await bot.set_my_commands([("start", "Start")])
    await bot.set_my_commands(
        [("close", "Close")], scope={"type": "all_group_chats"}, language_code="en"
    )
    assert [c["command"] for c in tg.commands[("default", "zh")]] == ["start", "report"]
    assert tg.commands[("default", "")] == [{"command": "start", "description": "Start"}]
    assert ("all_group_chats", "en") in tg.commands
    assert [c.command for c in await bot.get_my_commands(language_code="zh")] == ["start", "report"]
    with pytest.raises(BadRequest, match=ci("bot_command_invalid")):
        await bot.set_my_commands([("Bad-Name", "x")])
    await bot.delete_my_commands(language_code="zh")
    assert ("default", "zh") not in tg.commands


async def test_files_both_ways(tg: FakeBotAPI, bot: Bot) -> None:
    msg = await bot.send_document(
        GROUP, b"id: plan\n", filename="plan.yaml", caption="<b>预案</b>", parse_mode="HTML"
    )
    sent = tg.last_message(GROUP)
    assert sent.file and sent.file.content == b"id: plan\n" and sent.file.filename == "plan.yaml"
    assert sent.text == "预案" and msg.document and msg.document.file_name == "plan.yaml"
    await bot.send_photo(GROUP, b"\x89PNG fake", caption="截图")
    assert tg.last_message(GROUP).file.content == b"\x89PNG fake"  # type: ignore[union-attr]
    uploaded = tg.send_message(GROUP, 42, document=("new.yaml", b"id: new\n"), caption="/upload")
    file = await bot.get_file(uploaded["document"]["file_id"])
    assert bytes(await file.download_as_bytearray()) == b"id: new\n"


async def test_members_and_chat_info(tg: FakeBotAPI, bot: Bot) -> None:
    tg.set_member_status(GROUP, 42, "administrator")
    assert (await bot.get_chat_member(GROUP, 42)).status == "administrator"
    assert (await bot.get_chat_member(GROUP, 7)).status == "member"
    chat = await bot.get_chat(GROUP)
    assert (chat.title, chat.type) == ("舆情小组", "supergroup")
    tg.user(8, "Carol")
    tg.add_member(GROUP, 8, by=42)
    (update,) = await bot.get_updates(timeout=0)  # chat_member is hidden unless allowed
    assert update.message and update.message.new_chat_members[0].id == 8
    await bot.send_chat_action(GROUP, "typing")
    assert await bot.leave_chat(GROUP)
    with pytest.raises(Forbidden, match=ci("not a member")):
        await bot.send_message(GROUP, "x")


async def test_a_group_the_bot_is_out_of_sends_it_nothing_but_its_own_change(
    tg: FakeBotAPI, bot: Bot
) -> None:
    allowed = ["message", "edited_message", "chat_member", "my_chat_member"]
    said = tg.send_message(GROUP, 42, "/report 在群里")
    tg.kick_bot(GROUP, by=42)
    tg.send_message(GROUP, 7, "/report 机器人不在了")
    tg.edit_message(GROUP, 42, said["message_id"], "/report 改过了")
    tg.user(8, "Carol")
    tg.add_member(GROUP, 8, by=42)
    tg.remove_member(GROUP, 7)
    kinds = [
        (u.message.text if u.message else None, u.my_chat_member is not None)
        for u in await bot.get_updates(timeout=0, allowed_updates=allowed)
    ]
    assert kinds == [("/report 在群里", False), (None, True)]
    tg.add_bot(GROUP, by=42)
    tg.send_message(GROUP, 42, "/report 又回来了")
    found = await bot.get_updates(offset=-2, timeout=0, allowed_updates=allowed)
    assert [(u.my_chat_member is not None, u.message and u.message.text) for u in found] == [
        (True, None),
        (False, "/report 又回来了"),
    ]


def test_server_in_background_thread() -> None:
    with FakeBotAPI(token=TOKEN) as server:
        server.user(42, "Alice")
        server.send_message(server.private(42), 42, "/start")
        with httpx.Client() as client:
            body = client.post(f"{server.base_url}{TOKEN}/getUpdates", json={"timeout": 1}).json()
            assert body["result"][0]["message"]["text"] == "/start"
            client.post(f"{server.base_url}{TOKEN}/sendMessage", json={"chat_id": 42, "text": "hi"})
        assert server.wait_until_sync(lambda: server.sent(42)).pop().text == "hi"


def test_html_parser_details() -> None:
    text, entities = parse_html(
        '<pre><code class="language-python">x = 1</code></pre>&amp;<tg-spoiler>s</tg-spoiler>'
    )
    assert text == "x = 1&s"
    assert entities == [
        {"offset": 0, "length": 5, "type": "pre", "language": "python"},
        {"offset": 6, "length": 1, "type": "spoiler"},
    ]
    assert (
        parse_html("<blockquote expandable>q</blockquote>")[1][0]["type"] == "expandable_blockquote"
    )
    for bad, message in [
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("a & b", 'Unescaped "&" at byte offset 2'),
        ("a > b", 'Unescaped ">"'),
        ("<b", "Unclosed start tag at byte offset 0"),
    ]:
        with pytest.raises(EntityParseError, match=message):
            parse_html(bad)
    assert parse_html("a & b > c", strict=False)[0] == "a & b > c"


async def test_force_reply_answer_reaches_bot_in_privacy_mode() -> None:
    async with FakeBotAPI(token=TOKEN, bot_username="yuqing_bot", privacy_mode=True) as tg:
        tg.user(42, "Alice")
        tg.group(GROUP, "舆情小组")
        async with Bot(TOKEN, base_url=tg.base_url) as bot:
            prompt = await bot.send_message(GROUP, "请输入摘要", reply_markup=ForceReply())
            assert tg.last_message(GROUP).force_reply
            tg.send_message(GROUP, 42, "闲聊")  # invisible to a non-admin bot in privacy mode
            tg.reply(GROUP, 42, prompt.message_id, "网传视频")
            (update,) = await bot.get_updates(timeout=1)
    message = update.message
    assert message and message.text == "网传视频" and message.reply_to_message
    assert message.reply_to_message.message_id == prompt.message_id
