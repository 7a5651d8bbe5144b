"""WeCom button keys and task ids: opaque, in WeCom's alphabet, read from the store on restart."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from support import T0

from bot.service.buttons import Confirm, Done, pack
from bot.store import SqliteStore
from bot.wecom import tokens
from bot.wecom.render import nav_page
from bot.wecom.tokens import Task

DATA = [pack(Confirm(1)), pack(Done(1, "report_up"))]
TASK_ID = re.compile(r"^[0-9A-Za-z_\-@]{1,128}$")


async def test_keys_and_tasks_outlive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "y.db"
    async with await SqliteStore.open(path) as store:
        keys = await tokens.keys_for(store, [*DATA, DATA[0]], T0)
        assert list(keys) == DATA and len(set(keys.values())) == 2
        assert all(re.fullmatch(r"[0-9A-Za-z]{12}", key) for key in keys.values())
        assert all(nav_page(key) is None for key in keys.values())  # never a page key
        task = Task("wecom:wrX", 1, "card", item_id=9)
        task_id = await tokens.new_task(store, task, T0)
        assert TASK_ID.match(task_id) and len(task_id.encode()) <= 128
    async with await SqliteStore.open(path) as store:
        assert await tokens.keys_for(store, reversed(DATA)) == {d: keys[d] for d in reversed(DATA)}
        assert [await tokens.data_for(store, keys[data]) for data in DATA] == DATA
        assert await tokens.task_for(store, task_id) == task
        assert await tokens.turn_page(store, task_id, 1, T0) == Task("wecom:wrX", 1, "card", 1, 9)
    async with await SqliteStore.open(path) as store:
        assert (await tokens.task_for(store, task_id)) == Task("wecom:wrX", 1, "card", 1, 9)


async def test_unknown_or_forged_tokens_read_as_stale(tmp_path: Path) -> None:
    async with await SqliteStore.open(tmp_path / "y.db") as store:
        [key] = (await tokens.keys_for(store, DATA[:1])).values()
        task_id = await tokens.new_task(store, Task("wecom:wrX", None, "status"))
        for forged in ("", "~p0", "A" * 12, key + "x", key[:-1] + "~", DATA[0], "y" * 2000):
            assert await tokens.data_for(store, forged) is None
        for forged in ("", task_id[:-1], task_id + "a", "wrong-alphabet!" * 2, key):
            assert await tokens.task_for(store, forged) is None
        assert await tokens.turn_page(store, "B" * 24, 1) is None
        async with store.transaction() as tx:  # a task another version wrote differently
            await tx.kv_set(tokens.TASKS, "C" * 24, {"chat": 5, "kind": "card"})
            await tx.kv_set(tokens.TASKS, "D" * 24, ["not", "a", "task"])
        assert await tokens.task_for(store, "C" * 24) is None
        assert await tokens.task_for(store, "D" * 24) is None


async def test_keys_are_made_once_even_by_senders_at_the_same_time(tmp_path: Path) -> None:
    async with await SqliteStore.open(tmp_path / "y.db") as store:
        made = await asyncio.gather(*(tokens.keys_for(store, DATA) for _ in range(5)))
        assert all(keys == made[0] for keys in made)
        assert len(await store.kv_items(tokens.KEYS)) == len(DATA)


async def test_keys_and_a_task_can_join_the_callers_transaction(tmp_path: Path) -> None:
    async with await SqliteStore.open(tmp_path / "y.db") as store:
        try:
            async with store.transaction() as tx:
                keys = await tokens.keys_for(store, DATA, T0, tx)
                await tokens.new_task(store, Task("wecom:wrX", 1, "card"), T0, tx)
                assert await tokens.data_for(store, keys[DATA[0]]) == DATA[0]
                raise RuntimeError("the caller's work failed")
        except RuntimeError:
            pass
        assert await store.kv_items(tokens.KEYS) == {}  # rolled back with it
        assert await store.kv_items(tokens.TASKS) == {}
