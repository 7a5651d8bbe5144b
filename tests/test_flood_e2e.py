"""A burst of reminders across groups under Telegram's flood limits, through the fake Bot API.

The fake enforces the limits (429 with retry_after); the bot must stay within them, deliver
every reminder once and in each group's order, and answer a command in a busy group without
queueing the answer behind that group's reminders.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from e2e_support import running
from fakeapi import FakeBotAPI, FloodControl, FloodLimits

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import people  # noqa: E402
from bench.plan import BOSS, group, write_plan  # noqa: E402
from bench.seed import seed  # noqa: E402

DUE = re.compile(r"⏰ #(\d+)「.*」已到截止时间")
GROUPS, EACH = 4, 7  # 7 reminders in a group: past its burst, so the per-chat limit paces it


def arrived(tg: FakeBotAPI, chat: int) -> list[str]:
    """The texts the bot posted in ``chat``, in the order they arrived."""
    return [m.text for m in tg.sent(chat)]


async def test_a_burst_stays_within_the_flood_limits_in_order_and_a_reply_goes_first(
    tmp_path: Path,
) -> None:
    plans, plan = write_plan(tmp_path, GROUPS, 1)
    chats = [group(i % GROUPS) for i in range(GROUPS * EACH)]
    due = datetime.now(UTC) + timedelta(seconds=1)
    await seed(tmp_path / "y.db", plan, chats, [due] * len(chats))
    busy = group(0)
    async with FakeBotAPI() as tg:
        people(tg, GROUPS, 1)
        tg.flood = FloodControl(FloodLimits())
        async with running(tg, tmp_path / "y.db", plans):
            await tg.wait_for(lambda m: DUE.match(m.text) is not None, chat_id=busy, timeout=30)
            tg.send_message(busy, BOSS, "/list")
            await tg.wait_until(
                lambda: sum(bool(DUE.match(m.text)) for m in tg.sent()) == len(chats) or None,
                what="every reminder",
                timeout=120,
            )
    assert not tg.flood.refused  # no 429 from any limit
    for index in range(GROUPS):
        numbers = [int(m.group(1)) for t in arrived(tg, group(index)) if (m := DUE.match(t))]
        expected = [n + 1 for n, chat in enumerate(chats) if chat == group(index)]
        assert numbers == expected  # each once, in the group's order
    texts = arrived(tg, busy)
    reply = next(i for i, text in enumerate(texts) if not DUE.match(text))
    assert reply < len(texts) - 1  # the answer to /list went ahead of queued reminders
    with sqlite3.connect(tmp_path / "y.db") as db:
        owed = db.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]
    assert owed == 0
