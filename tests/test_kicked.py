"""The real bot process removed from one of its groups mid-incident, then added back.

It stops sending there (what it owed is dropped, with a log line), keeps working in its other
group, keeps the incident as it was, and once back says so and sends the reminders again.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from dbswitch import open_db
from e2e_support import BOSS, GROUP, PLANS, people
from fakeapi import FakeBotAPI
from process_support import (
    BotProcess,
    confirm,
    incident,
    incident_when,
    posts_to,
    report_major,
    start_bot,
)

OTHER = -100888
REMINDER = "「向上级报告」已逾期"


async def two_groups(tg: FakeBotAPI, db: Path) -> BotProcess:
    """The bot in two groups of one plan, with a confirmed 重大 incident in each."""
    people(tg)
    tg.group(OTHER, "第二工作群")
    bot = await start_bot(tg, db, PLANS / "two-groups.yaml")
    await confirm(tg, GROUP, await report_major(tg, GROUP, 1))
    await confirm(tg, OTHER, await report_major(tg, OTHER, 2))
    return bot


async def nothing_owed(db: Path, chat: int) -> None:
    """Wait until no message for ``chat`` waits in the outbox (sent or dropped)."""
    deadline = time.monotonic() + 20
    async with await open_db(db) as store:
        while [i for i in await store.pending() if i.chat == f"telegram:{chat}"]:
            assert time.monotonic() < deadline, "messages for the chat stay owed"
            await asyncio.sleep(0.05)


async def while_removed(tg: FakeBotAPI, db: Path, bot: BotProcess) -> None:
    """Reminders fall due in both groups: only the other group gets them."""
    calls = len(posts_to(tg, GROUP))
    reminders = len([m for m in tg.sent(OTHER) if REMINDER in m.text])
    sent = (await incident(db, 1)).obligation("report_up").sent
    await incident_when(db, 1, lambda i: i.obligation("report_up").sent >= sent + 2)
    await tg.wait_until(
        lambda: len([m for m in tg.sent(OTHER) if REMINDER in m.text]) > reminders,
        timeout=20,
        what="a reminder in the other group",
    )
    await tg.wait_until(lambda: bot.logged("not in chat telegram:-100777"), timeout=20)
    await nothing_owed(db, GROUP)
    assert len(posts_to(tg, GROUP)) == calls  # nothing was even tried there


async def back_again(tg: FakeBotAPI, db: Path) -> None:
    """Added back: a notice naming the open incident, then the reminders again."""
    before = (await incident(db, 1)).obligation("report_up")
    tg.add_bot(GROUP, by=BOSS)
    notice = await tg.wait_for(
        lambda m: "机器人已重新加入本群" in m.text, chat_id=GROUP, timeout=20
    )
    assert "本群有 1 起未结束的事件：#1。" in notice.text
    resumed = await tg.wait_for(
        lambda m: m.message_id > notice.message_id and REMINDER in m.text,
        chat_id=GROUP,
        timeout=20,
    )
    assert resumed.text.startswith("❗ #1「向上级报告」已逾期")
    after = await incident(db, 1)
    assert after.state.value == "active" and after.level_id == "major"
    assert after.obligation("report_up").due_at == before.due_at


async def test_removed_by_a_member_then_added_back(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        bot = await two_groups(tg, db)
        try:
            assert "my_chat_member" in (tg.state.allowed_updates or [])
            tg.kick_bot(GROUP, by=BOSS)
            await tg.wait_until(lambda: bot.logged("removed from chat telegram:-100777 by"))
            await while_removed(tg, db, bot)
            await back_again(tg, db)
            await tg.wait_until(lambda: bot.logged("added back to chat telegram:-100777"))
        finally:
            await bot.stop()
    assert [r for r in posts_to(tg, GROUP) if r.status == 403] == []
    assert len(bot.logged("removed from chat")) == 1
    assert not bot.logged("Traceback")


async def test_a_403_kicked_while_sending_is_the_same_as_being_removed(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        bot = await two_groups(tg, db)
        try:
            tg.kick_bot(GROUP)  # no update reaches the bot: it learns it from Telegram's 403
            line = await tg.wait_until(
                lambda: bot.logged("removed from chat telegram:-100777 (Forbidden"), timeout=20
            )
            assert "bot was kicked" in line[0]
            await while_removed(tg, db, bot)
            await back_again(tg, db)
        finally:
            await bot.stop()
    assert len([r for r in posts_to(tg, GROUP) if r.status == 403]) == 1
    assert not bot.logged("Traceback")
