"""Several real ``yuqing-bot run`` processes on one throwaway PostgreSQL database.

Each replica runs in a folder of its own (its working directory), with the database's URL as
YUQING_DATABASE; which one leads is read from its log, and the lease's session on the server.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from fakeapi import FakeBotAPI
from process_support import BotProcess, start_bot

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import people  # noqa: E402
from bench.plan import group, informant, write_plan  # noqa: E402, F401  (informant: for tests)
from bench.seed import retime, seed  # noqa: E402

LEADS = "this process leads the database"
FOLLOWS = "another process leads this database"
LOST = "this process lost the lead"
DUE_MARK = re.compile(r"⏰ #(\d+)「.*」已到截止时间")
FAR = timedelta(hours=12)  # seeded obligations fall due this far ahead until retimed
LEADER_SESSION = (
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 2037479783"
    " AND objid = 2 AND objsubid = 2 AND granted"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


async def replica(
    tg: FakeBotAPI, url: str, folder: Path, plans: Path, extra: dict[str, str] | None = None
) -> BotProcess:
    """Start ``yuqing-bot run`` on the database at ``url``, working in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = {"YUQING_DATABASE": url, **(extra or {})}
    return await start_bot(tg, folder / "unused.db", plans, extra=settings)


async def logged(bot: BotProcess, text: str, count: int = 1, timeout: float = 60) -> None:
    """Wait until ``bot`` logged ``text`` at least ``count`` times (a bounded wait)."""
    async with asyncio.timeout(timeout):
        while len(bot.logged(text)) < count:
            if bot.process.returncode is not None:
                raise AssertionError(f"the bot ended ({bot.process.returncode}): {bot.lines}")
            await asyncio.sleep(0.05)


async def seeded(tg: FakeBotAPI, url: str, folder: Path, incidents: int, groups: int) -> Path:
    """The benchmark plan over ``groups`` groups (known to ``tg``); ``incidents`` open
    incidents in them, due far ahead."""
    people(tg, groups, 1)  # type: ignore[arg-type]  # only its users and groups are set
    path, plan = write_plan(folder, groups, 1)
    now = datetime.now(UTC)
    chats = [group(i % groups) for i in range(incidents)]
    await seed(url, plan, chats, [now + FAR + timedelta(seconds=i) for i in range(incidents)])
    return path


async def fall_due(url: str, count: int, lead: float, spacing: float) -> None:
    """Incidents 1..count fall due ``lead`` s from now, ``spacing`` apart; the leader is told."""
    start = datetime.now(UTC) + timedelta(seconds=lead)
    dues = {n: start + timedelta(seconds=(n - 1) * spacing) for n in range(1, count + 1)}
    await retime(url, dues)
    await notify(url)


async def notify(url: str) -> None:
    """What a follower's change does: NOTIFY the leader to look at the database."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SELECT pg_notify('yuqing_changed', '')")
    finally:
        await conn.close()


def due_reminders(tg: FakeBotAPI) -> Counter[int]:
    """How many times each incident's due reminder arrived, by incident number."""
    found = (DUE_MARK.match(message.text) for message in tg.sent())
    return Counter(int(match.group(1)) for match in found if match)


async def until_reminded(tg: FakeBotAPI, count: int, timeout: float) -> Counter[int]:
    """Wait until ``count`` distinct incidents got their due reminder (a bounded wait)."""
    await tg.wait_until(
        lambda: len(due_reminders(tg)) >= count, timeout=timeout, what=f"{count} reminders"
    )
    return due_reminders(tg)


async def end_leader_session(url: str) -> int:
    """Have the server end the session holding the lease, as when its host vanishes; how many."""
    conn = await asyncpg.connect(url)
    try:
        pids = [row[0] for row in await conn.fetch(LEADER_SESSION)]
        for pid in pids:
            await conn.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await conn.close()
    return len(pids)
