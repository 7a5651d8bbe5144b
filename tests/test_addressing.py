"""Commands for another bot (`/report@other_bot`) do nothing on any path, captions included."""

from pathlib import Path

import pytest
from dbswitch import open_db
from e2e_support import CLERK, EYE, GROUP, people, running
from fakeapi import FakeBotAPI
from intake_support import answers, incident_count, settled

from bot.telegram.addressing import command_in

GENERIC = "出错了，请稍后再试。"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/report 帖子", "report"),
        ("/report", "report"),
        ("/Report@YQ_Bot\n帖子", "report"),
        ("/review@yq_bot 1 总结", "review"),
        ("/report@other_bot 帖子", None),
        ("/report@yq_bot_2 帖子", None),
        ("/reportx 帖子", "reportx"),
        ("/report,帖子", None),
        ("帖子 /report", None),
        ("", None),
        (None, None),
    ],
)
def test_a_command_counts_only_when_it_is_for_this_bot(
    text: str | None, expected: str | None
) -> None:
    assert command_in(text, "yq_bot") == expected


async def test_captions_for_another_bot_do_nothing_and_ours_work(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI(bot_username="test_bot") as tg:
        people(tg)
        async with running(tg, db):
            tg.send_message(GROUP, EYE, "/report")
            prompt = await tg.wait_for(lambda m: "请回复本消息" in m.text, chat_id=GROUP)
            foreign = [
                tg.send_message(GROUP, EYE, photo=b"\xff\xd8", caption="/report@other_bot 帖子"),
                tg.send_message(GROUP, EYE, photo=b"\xff\xd8", caption="/REPORT@Other_Bot\n帖子"),
                tg.send_message(
                    GROUP, CLERK, document=("总结.docx", b"PK"), caption="/review@other_bot 1 总结"
                ),
                tg.send_message(
                    GROUP,
                    EYE,
                    photo=b"\xff\xd8",
                    caption="/report@other_bot 回复提示的截图",
                    reply_to=prompt.message_id,
                ),
                tg.send_message(GROUP, EYE, "/report@other_bot 文字命令"),
            ]
            await settled(tg)
            for message in foreign:
                assert answers(tg, message["message_id"]) == []
            assert await incident_count(db) == 0

            ours = tg.send_message(GROUP, EYE, photo=b"\xff\xd8", caption="/report@Test_Bot 截图")
            await tg.wait_for(lambda m: "#1 定级问题 1/2" in m.text, chat_id=GROUP)
            review = tg.send_message(
                GROUP, CLERK, document=("总结.docx", b"PK"), caption="/review@test_bot 1 总结"
            )
            answer = await tg.wait_for(lambda m: m.reply_to_message_id == review["message_id"])
            assert answer.text != GENERIC
        async with await open_db(db) as store:
            [incident] = await store.list_incidents()
    assert incident.description == "截图"
    assert [a.kind for a in incident.attachments] == ["photo"]
    assert ours["photo"][0]["file_id"] == incident.attachments[0].value
