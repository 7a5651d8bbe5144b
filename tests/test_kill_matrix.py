"""The bot process killed between a reminder falling due and Telegram receiving it.

The tick records the reminder and the message it owes in one transaction; the kill comes while
the send is on the wire. After a restart the reminder reaches the group exactly once.
"""

from collections import Counter
from pathlib import Path

from dbswitch import open_db
from e2e_support import BOSS, GROUP, people
from fakeapi import FakeBotAPI
from process_support import report_major
from test_restart import delivered, kill, start

WARNING = "「向上级报告」将于"


async def test_killed_between_due_and_send_the_reminder_arrives_once(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        bot = await start(tg, db)
        try:
            card = await report_major(tg, GROUP, 1)
            tg.press_button(GROUP, BOSS, card.message_id, "确认等级")
            await tg.wait_for(lambda m: "已确认事件等级" in m.text)
            await delivered(db)

            # The next message is the warning: it stays on the wire, never answered. (The queued
            # drop then meets the restarted bot's first send instead: one more retry.)
            tg.delay("sendMessage", 120.0)
            tg.fail_next("sendMessage", status=0)
            await tg.wait_until(
                lambda: (
                    [
                        r
                        for r in tg.requests
                        if r.method == "sendMessage" and WARNING in str(r.params.get("text"))
                    ]
                    or None
                ),
                timeout=10,
            )
            await kill(bot)
            tg.delay("sendMessage", 0)  # the held call stays held until the test is over
            assert not [m for m in tg.sent(GROUP) if WARNING in m.text]
            async with await open_db(db) as store:
                owed = [i for i in await store.pending() if i.kind == "reminder"]
            assert [i.payload["reminder"] for i in owed][:1] == ["warning"]  # recorded, unsent

            bot = await start(tg, db)
            await tg.wait_for(lambda m: WARNING in m.text, timeout=20)
            await tg.wait_for(lambda m: "「向上级报告」已逾期" in m.text, timeout=20)
            await delivered(db)
        finally:
            if bot.process.returncode is None:
                await kill(bot)
    counts = Counter(m.text for m in tg.sent(GROUP))
    assert [text for text, n in counts.items() if n > 1] == []
    assert len([t for t in counts if WARNING in t]) == 1
