"""The processed-update ids: kept 48 hours (Telegram redelivers within 24), pruned hourly."""

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from dbswitch import ON_POSTGRESQL, database, open_db, sqlite_only
from e2e_support import EYE, GROUP, people, running
from fakeapi import FakeBotAPI
from intake_support import answers, incident_count, settled
from support import T0

from bot.service.seen import AlreadyProcessed, Window
from bot.store import SqliteStore, riders

HOUR = timedelta(hours=1)


async def processed(db: Path) -> set[str]:
    """The update keys the database remembers (read past the store, which only claims them)."""
    query = "SELECT key FROM processed_updates"
    if ON_POSTGRESQL:
        connection = await asyncpg.connect(database(db))
        try:
            return {row["key"] for row in await connection.fetch(query)}
        finally:
            await connection.close()
    with sqlite3.connect(db) as sqlite:
        return {key for (key,) in sqlite.execute(query)}


async def test_the_window_is_pruned_at_most_hourly_and_keeps_48_hours(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with await open_db(db) as store:
        window = Window()
        assert await window.claim(store, "u1", T0)
        async with store.transaction() as tx:
            await tx.claim_update("old", T0 - 49 * HOUR)
        assert await window.claim(store, "u2", T0 + 59 * timedelta(minutes=1))
        assert "old" in await processed(db)  # pruned less than an hour ago: not looked at again
        assert await window.claim(store, "u3", T0 + HOUR)
        assert await processed(db) == {"u1", "u2", "u3"}
        assert not await window.claim(store, "u1", T0 + HOUR)  # a recent duplicate: skipped
        assert await window.claim(store, "u4", T0 + 48 * HOUR + HOUR)
        assert await processed(db) == {"u3", "u4"}  # u1 and u2 are older than 48 hours now


async def test_a_restarted_bot_forgets_old_ids_and_still_skips_a_recent_one(
    tmp_path: Path,
) -> None:
    db = tmp_path / "y.db"
    now = datetime.now(UTC)
    async with FakeBotAPI() as tg:
        people(tg)
        duplicate = f"telegram:{tg.next_update_id}"
        async with await open_db(db) as store, store.transaction() as tx:
            await tx.claim_update("telegram:900001", now - 72 * HOUR)
            await tx.claim_update("telegram:900002", now - 49 * HOUR)
            await tx.claim_update("telegram:900003", now - 30 * HOUR)
            await tx.claim_update(duplicate, now - HOUR)  # processed before a crash
        async with running(tg, db):
            again = tg.send_message(GROUP, EYE, "/report 崩溃前已处理的报告")  # delivered again
            await settled(tg)
            assert answers(tg, again["message_id"]) == []
        assert await incident_count(db) == 0
    kept = await processed(db)
    assert not {"telegram:900001", "telegram:900002"} & kept
    assert {"telegram:900003", duplicate} <= kept


@sqlite_only("another process's mark is written with sqlite3; riders on both: test_store.py")
async def test_the_mark_rides_with_the_change_and_another_s_mark_rolls_it_back(
    tmp_path: Path,
) -> None:
    db = tmp_path / "y.db"
    async with await SqliteStore.open(db) as store:
        window = Window()
        with riders.scope():
            assert await window.expect(store, "telegram:1", T0)
            assert await processed(db) == set()  # nothing written yet: it waits for the change
            async with store.transaction() as tx:
                await tx.kv_set("n", "change", 1, T0)
            assert await processed(db) == {"telegram:1"}
        with riders.scope():
            assert not await window.expect(store, "telegram:1", T0)  # seen: skipped
            assert await window.expect(store, "telegram:2", T0)
            with sqlite3.connect(db) as other:  # another process marks it, meanwhile
                other.execute("INSERT INTO processed_updates VALUES ('telegram:2', 'x')")
            with pytest.raises(AlreadyProcessed):
                async with store.transaction() as tx:
                    await tx.kv_set("n", "twice", 1, T0)
        assert await store.kv_get("n", "twice") is None  # rolled back


async def test_an_update_that_changes_nothing_is_marked_once_answered(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, db):
            asked = tg.send_message(GROUP, EYE, "/list")
            key = f"telegram:{tg.next_update_id - 1}"
            await tg.wait_until(lambda: answers(tg, asked["message_id"]), timeout=20)
            await settled(tg)
            assert key in await processed(db)
            tg.send_message(GROUP, EYE, "/report 网帖")
            key = f"telegram:{tg.next_update_id - 1}"
            await tg.wait_for(lambda m: "#1 定级问题 1/2" in m.text, timeout=20)
            await settled(tg)
            assert key in await processed(db)
