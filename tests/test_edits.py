"""Edited messages run nothing: an edited command or report reply is told so once, others not.

Telegram sends an ``edited_message`` update for every edit, and PTB's handlers take it like a
new message; the bot must never open a second incident or file a second progress report.
"""

from pathlib import Path
from typing import Any

from dbswitch import open_db
from e2e_support import CLERK, EYE, GROUP, people, running
from fakeapi import FakeBotAPI
from intake_support import answers, incident_count, settled
from test_e2e import report_major
from test_webhook_races import post, take, webhook_bot

TOLD = (
    "修改后的消息不会被执行：请将命令作为新消息重新发送；"
    "如需补充已报告的事件，请发送 /update N 补充内容。"
)


def delivered_edits(tg: FakeBotAPI) -> list[dict[str, Any]]:
    """The ``edited_message`` updates the bot fetched with getUpdates."""
    found = (u for r in tg.calls("getUpdates") if r.ok for u in r.response["result"])
    return [u["edited_message"] for u in found if "edited_message" in u]


async def test_an_edited_report_opens_nothing_and_is_told_once(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, db):
            sent = tg.send_message(GROUP, EYE, "/report 网帖称某单位违规")
            await tg.wait_for(lambda m: "#1 定级问题 1/2" in m.text, chat_id=GROUP)
            tg.edit_message(GROUP, EYE, sent["message_id"], "/report 网帖称某单位违规（更正）")
            told = await tg.wait_for(lambda m: m.text == TOLD, chat_id=GROUP)
            assert told.reply_to_message_id == sent["message_id"]

            photo = tg.send_message(GROUP, EYE, photo=b"\xff\xd8 jpeg", caption="/report 截图")
            await tg.wait_for(lambda m: "#2 定级问题 1/2" in m.text, chat_id=GROUP)
            tg.edit_message(GROUP, EYE, photo["message_id"], "/REPORT@Test_Bot 截图（更正）")
            await tg.wait_for(lambda m: m.reply_to_message_id == photo["message_id"])
            await settled(tg)
            assert [m.text for m in answers(tg, sent["message_id"])] == [TOLD]
            assert [m.text for m in answers(tg, photo["message_id"])] == [TOLD]
            assert not [m for m in tg.sent(GROUP) if "#3" in m.text]
        assert await incident_count(db) == 2
    text, caption = delivered_edits(tg)
    assert text["text"] == "/report 网帖称某单位违规（更正）" and "edit_date" in text
    assert caption["caption"] == "/REPORT@Test_Bot 截图（更正）" and "text" not in caption
    assert caption["caption_entities"][0]["type"] == "bot_command"


async def test_an_edited_reply_to_the_report_prompt_is_told_once(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, db):
            tg.send_message(GROUP, EYE, "/report")
            prompt = await tg.wait_for(lambda m: "请回复本消息" in m.text, chat_id=GROUP)
            described = tg.reply(GROUP, EYE, prompt.message_id, "微博上有人发帖")
            await tg.wait_for(lambda m: "#1 定级问题 1/2" in m.text, chat_id=GROUP)
            tg.edit_message(GROUP, EYE, described["message_id"], "微博上有人发帖，已有转发")
            await tg.wait_for(lambda m: m.reply_to_message_id == described["message_id"])
            await settled(tg)
            assert [m.text for m in answers(tg, described["message_id"])] == [TOLD]
        assert await incident_count(db) == 1


async def test_an_edited_update_files_no_second_progress_report(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, db):
            await report_major(tg)
            sent = tg.send_message(GROUP, CLERK, "/update 1 已联系发帖人")
            tg.edit_message(GROUP, CLERK, sent["message_id"], "/update 1 已联系发帖人并删帖")
            told = await tg.wait_for(lambda m: m.reply_to_message_id == sent["message_id"])
            assert told.text == TOLD
            await settled(tg)
            assert len(answers(tg, sent["message_id"])) == 1
        async with await open_db(db) as store:
            incident = await store.get_by_number(1)
            assert incident is not None
            timeline = await store.timeline(incident.id)
    assert [e.data["text"] for e in timeline if e.kind == "update"] == ["已联系发帖人"]


async def test_other_edits_are_ignored_silently(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, db):
            chat = tg.send_message(GROUP, EYE, "今天天气不错")
            tg.send_message(GROUP, EYE, "/report")
            prompt = await tg.wait_for(lambda m: "请回复本消息" in m.text, chat_id=GROUP)
            described = tg.reply(GROUP, EYE, prompt.message_id, "网帖称某单位违规")
            question = await tg.wait_for(lambda m: "#1 定级问题 1/2" in m.text, chat_id=GROUP)
            remark = tg.reply(GROUP, CLERK, question.message_id, "收到")  # not the prompt
            other = tg.send_message(GROUP, EYE, "/report@other_bot 另一个机器人的")
            typo = tg.send_message(GROUP, EYE, "/repotr 写错的命令")
            edits = [
                (EYE, chat, "今天天气很好"),
                (CLERK, remark, "收到，马上处理"),
                (EYE, other, "/report@other_bot 另一个机器人的（更正）"),
                (EYE, typo, "/weather 北京"),
                (EYE, described, "/report@other_bot 网帖称某单位违规"),
            ]
            for who, message, text in edits:
                tg.edit_message(GROUP, who, message["message_id"], text)
            await settled(tg)
            assert len(delivered_edits(tg)) == len(edits)
            for _, message, _ in edits:
                assert answers(tg, message["message_id"]) == []
        assert await incident_count(db) == 1


async def test_an_edit_delivered_twice_is_told_once(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        async with webhook_bot(tg, db) as url:
            sent = tg.send_message(GROUP, EYE, "/report 网帖称某单位违规")
            await post(url, *take(tg))
            await tg.wait_for(lambda m: "#1 定级问题 1/2" in m.text, chat_id=GROUP)
            tg.edit_message(GROUP, EYE, sent["message_id"], "/report 更正后的描述")
            [edit] = take(tg)
            await post(url, edit, edit)  # Telegram retried: the same update_id twice
            await post(url, edit)
            probe = tg.send_message(GROUP, CLERK, "/help")
            await post(url, *take(tg))
            await tg.wait_for(lambda m: m.reply_to_message_id == probe["message_id"])
            assert [m.text for m in answers(tg, sent["message_id"])] == [TOLD]
        assert await incident_count(db) == 1
