"""The Bot API slow past the bot's timeout, then refusing connections: nothing owed is lost.

Reminders fall due while Telegram is unreachable; once it is back, the group receives every
message in the order the bot owed them. A message whose answer timed out may have been sent by
Telegram all the same: it is sent again (at-least-once, docs/delivery.md), and only it.
"""

import asyncio
import html
import re
import time
from pathlib import Path

import pytest
from dbswitch import open_db
from e2e_support import BOSS, EYE, GROUP, people, running
from fakeapi import FakeBotAPI
from test_e2e import report_major
from test_restart import delivered

from bot.store import OutboxItem
from bot.telegram.request import AiohttpRequest

NUMBERED = re.compile(r"第 (\d+) 次提醒")


async def reminders_owed(db: Path, at_least: int) -> list[OutboxItem]:
    """Wait until the bot owes the group ``at_least`` reminders it could not send."""
    async with await open_db(db) as store:
        for _ in range(300):
            owed = [i for i in await store.pending() if i.kind == "reminder"]
            if len(owed) >= at_least:
                return owed
            await asyncio.sleep(0.05)
    raise AssertionError("no reminders fell due during the outage")


def short_timeouts() -> AiohttpRequest:
    """The bot's HTTP transport, giving up on an answer after one second."""
    return AiohttpRequest(pool=8, read_timeout=1.0, write_timeout=1.0, connect_timeout=1.0)


async def test_slow_then_unreachable_api_delivers_everything_in_order(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, db, request=short_timeouts()):
            card = await report_major(tg)
            tg.delay("sendMessage", 2.5)  # slower than the bot waits, for every call
            tg.press_button(GROUP, BOSS, card, "确认等级")
            await tg.wait_for(lambda m: "已确认事件等级" in m.text, chat_id=GROUP, timeout=15)
            await tg.wait_until(
                lambda: [m for m in tg.sent(GROUP) if "已确认事件等级" in m.text][1:] or None,
                timeout=15,
                what="the retry, which waits for the slow answer",
            )
            tg.delay("sendMessage", 0)
            lifted = time.monotonic()

            tg.refuse_connections(True)  # reminders fall due while Telegram is out of reach
            owed = await reminders_owed(db, at_least=3)
            tg.refuse_connections(False)
            await delivered(db, timeout=30)  # the sender may be in its backoff
            async with await open_db(db) as store:
                incident = await store.get_by_number(1)
                assert incident is not None
                sent = incident.obligation("report_up").sent

    texts = [m.text for m in tg.sent(GROUP)]
    first_seen = list(dict.fromkeys(texts))
    twice = {t for t in texts if texts.count(t) > 1}
    # a send that timed out may have reached Telegram: only those are sent again. The confirm
    # notice always is; on a slow machine a reminder falling due in the slow window is too.
    slow = {
        html.unescape(re.sub(r"<[^>]+>", "", str(r.params.get("text"))))  # as the chat shows it
        for r in tg.requests
        if r.method == "sendMessage" and r.at < lifted
    }
    assert twice <= slow and any("已确认事件等级" in t for t in twice)
    assert first_seen.index(next(t for t in first_seen if "已确认事件等级" in t)) < next(
        i for i, t in enumerate(first_seen) if "「向上级报告」" in t
    )
    numbers = [int(n) for t in first_seen for n in NUMBERED.findall(t)]
    assert numbers == sorted(numbers) and len(numbers) == len(set(numbers))
    assert len(owed) >= 3 and sent >= 3
    assert len([t for t in texts if "已确认事件等级" in t]) == 2  # the retry waited, once
    assert numbers == list(range(2, sent))  # the overdue ones, after the warning and the due


async def test_a_press_telegram_will_not_acknowledge_still_counts_and_the_next_one_works(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, tmp_path / "y.db"):
            tg.send_message(GROUP, EYE, "/report 网帖称某单位违规")
            first = await tg.wait_for(lambda m: "定级问题 1/2" in m.text, chat_id=GROUP)
            # the acknowledgement goes out beside the next question, and is refused
            tg.fail_next(
                "answerCallbackQuery", status=400, description="Bad Request: query is too old"
            )
            tg.press_button(GROUP, EYE, first.message_id, "50条以内")
            second = await tg.wait_for(lambda m: "定级问题 2/2" in m.text, chat_id=GROUP)
            tg.press_button(GROUP, EYE, second.message_id, "是")
            await tg.wait_for(lambda m: "重大舆情" in m.text and "待领导确认" in m.text)
            # the press took effect: no one is told something went wrong, nor to try again
            assert not [a for a in tg.callback_answers if a.show_alert]
            assert not [m for m in tg.sent(GROUP) if "出错了" in m.text]
        logged = [r.getMessage() for r in caplog.records if r.name == "bot.telegram.buttons"]
        assert ["acknowledgement failed" in line for line in logged] == [True]
        async with await open_db(tmp_path / "y.db") as store:
            incident = await store.get_by_number(1)
            assert incident is not None and len(incident.answers) == 2
