"""Two real ``yuqing-bot run`` on one PostgreSQL database: one leads, the other takes over.

The leader runs the clock and delivers; killing it (SIGKILL) in the middle of due reminders
hands delivery to the other process, which sends every remaining reminder: none lost, and
none twice but the one message the dead leader may have had on the wire (delivery is
at-least-once in that window, docs/delivery.md — its one sender sends one message at a time).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import pg_database
from fakeapi import FakeBotAPI
from process_support import BotProcess
from replica_support import (
    FOLLOWS,
    LEADS,
    LOST,
    due_reminders,
    end_leader_session,
    fall_due,
    logged,
    replica,
    seeded,
    until_reminded,
)
from test_restart import kill

from bot.store.opening import open_store

INCIDENTS, GROUPS = 60, 20  # three reminders a group: well inside Telegram's 20/min a group


async def two_replicas(
    tg: FakeBotAPI, url: str, tmp_path: Path, plans: Path
) -> tuple[BotProcess, BotProcess]:
    """Start one replica, then a second once the first leads: (leader, follower)."""
    first = await replica(tg, url, tmp_path / "a", plans)
    await logged(first, LEADS)
    second = await replica(tg, url, tmp_path / "b", plans)
    await logged(second, FOLLOWS)
    return first, second


async def test_a_killed_leaders_reminders_are_sent_by_the_other_once(tmp_path: Path) -> None:
    url = await pg_database(tmp_path)
    async with FakeBotAPI() as tg:
        plans = await seeded(tg, url, tmp_path, INCIDENTS, GROUPS)
        leader, follower = await two_replicas(tg, url, tmp_path, plans)
        try:
            await fall_due(url, INCIDENTS, lead=1.0, spacing=0.1)
            await until_reminded(tg, INCIDENTS // 3, timeout=60)
            await kill(leader)  # in the middle of them
            before = sum(due_reminders(tg).values())
            await logged(follower, LEADS)
            sent = await until_reminded(tg, INCIDENTS, timeout=90)
        finally:
            await follower.stop()
    assert sorted(sent) == list(range(1, INCIDENTS + 1))  # none lost
    assert sum(sent.values()) > before  # the rest came from the other process
    twice = [number for number, times in sent.items() if times > 1]
    assert len(twice) <= 1 and all(sent[n] == 2 for n in twice)
    async with await open_store(url) as store:
        assert await store.pending() == []  # nothing owed is left behind, claimed or not


async def test_a_stopped_leader_hands_over_and_a_new_one_leads(tmp_path: Path) -> None:
    url = await pg_database(tmp_path)
    async with FakeBotAPI() as tg:
        plans = await seeded(tg, url, tmp_path, 4, 2)
        leader, follower = await two_replicas(tg, url, tmp_path, plans)
        try:
            await leader.stop()  # SIGTERM: the lease is given up with the connection
            assert leader.process.returncode == 0
            await logged(follower, LEADS)
            await fall_due(url, 4, lead=0.5, spacing=0.2)
            sent = await until_reminded(tg, 4, timeout=60)
        finally:
            await follower.stop()
    assert sent == {1: 1, 2: 1, 3: 1, 4: 1}


async def test_a_leader_whose_session_ends_stops_leading_and_the_lease_is_taken_again(
    tmp_path: Path,
) -> None:
    url = await pg_database(tmp_path)
    async with FakeBotAPI() as tg:
        plans = await seeded(tg, url, tmp_path, 4, 2)
        bots = await two_replicas(tg, url, tmp_path, plans)
        try:
            assert await end_leader_session(url) == 1
            await logged(bots[0], LOST)
            await wait_for_a_leader(bots)
            await fall_due(url, 4, lead=0.5, spacing=0.2)
            sent = await until_reminded(tg, 4, timeout=60)
        finally:
            for bot in bots:
                await bot.stop()
    assert sent == {1: 1, 2: 1, 3: 1, 4: 1}
    assert all(bot.process.returncode == 0 for bot in bots)


async def wait_for_a_leader(bots: tuple[BotProcess, BotProcess], timeout: float = 60) -> None:
    """Until one of the two logged it leads after the first one lost the lead."""
    first, second = bots
    async with asyncio.timeout(timeout):
        while not (first.logged(LEADS)[1:] or second.logged(LEADS)):
            await asyncio.sleep(0.05)
