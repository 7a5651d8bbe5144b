"""The real bot process against a database it cannot write: locked, read-only or a full disk.

Faults are real: another connection holding ``BEGIN EXCLUSIVE``; a file-size limit on the bot
process (``RLIMIT_FSIZE``: SQLite's writes fail, reported as "disk I/O error"); permissions
taken away (as root, with the capabilities that bypass them dropped from the bot process).
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import resource
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dbswitch import sqlite_only
from e2e_support import BOSS, CLERK, GROUP, buttons, people
from fakeapi import FakeBotAPI
from process_support import (
    BotProcess,
    confirm,
    incident,
    incident_when,
    report_major,
    start_bot,
)

from bot.store import SqliteStore

pytestmark = sqlite_only("the faults are a SQLite file's: its lock, a file-size limit, permissions")

NOT_SAVED = "数据库暂时无法写入（被占用、只读或磁盘已满），本次操作没有保存，请稍后再试一次。"
BUSY_TIMEOUT = 5.0  # SqliteStore's default


def full_disk(pid: int) -> None:
    """Let the process write no further byte to any file (the disk is full, for it)."""
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))


def disk_back(pid: int) -> None:
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)


def drop_root_powers() -> None:
    """In the child: lose the capabilities that let root ignore file permissions."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for capability in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(pr_capbset_drop, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def permissions_apply() -> Callable[[], None] | None:
    """What makes chmod bind the bot: nothing for a normal user; for root, dropped powers."""
    if os.geteuid() != 0:
        return None
    probe = subprocess.run(["true"], preexec_fn=drop_root_powers, check=False)
    if probe.returncode != 0:  # pragma: no cover - root without CAP_SETPCAP
        pytest.skip("running as root and cannot drop CAP_DAC_OVERRIDE")
    return drop_root_powers


async def new_database(db: Path) -> None:
    async with await SqliteStore.open(db):
        pass


def one_line(bot: BotProcess) -> str:
    assert len(bot.lines) == 1, bot.lines
    return bot.lines[0]


async def refused(tg: FakeBotAPI, text: str) -> None:
    """A user's command is answered: not saved."""
    before = len(tg.sent(GROUP))
    tg.send_message(GROUP, CLERK, text)
    await tg.wait_until(
        lambda: any(m.text == NOT_SAVED for m in tg.sent(GROUP)[before:]),
        timeout=30,
        what=f"the not-saved reply to {text}",
    )


async def reminder_after(tg: FakeBotAPI, index: int) -> str:
    """The first 「向上级报告」 reminder sent after the first ``index`` messages."""
    found = await tg.wait_until(
        lambda: [m.text for m in tg.sent(GROUP)[index:] if "「向上级报告」" in m.text],
        timeout=40,
        what="a reminder once the database is back",
    )
    return found[0]


async def test_a_full_disk_while_running_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path,
) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        bot = await start_bot(tg, db)
        try:
            card = await report_major(tg, GROUP, 1)
            tg.delay("sendMessage", 1.0)  # the confirmation notice is in flight when it fills
            tg.press_button(GROUP, BOSS, card.message_id, "确认等级")
            await tg.wait_for_request(
                "sendMessage", lambda r: "已确认事件等级" in r.params["text"], completed=False
            )
            full_disk(bot.pid)
            tg.delay("sendMessage", 0)
            await tg.wait_until(lambda: bot.logged("messages wait"), timeout=20)
            await refused(tg, "/done 1 report_up")
            label = buttons(tg.message(GROUP, card.message_id))[0]
            tg.press_button(GROUP, BOSS, card.message_id, label)
            answer = await tg.wait_for_answer(lambda a: a.text == NOT_SAVED[:200], timeout=20)
            assert answer.show_alert
            due = (await incident(db, 1)).obligation("report_up").due_at
            assert due is not None
            await tg.wait_until(  # the warning, the deadline and an overdue reminder fall due
                lambda: datetime.now(UTC) > due + timedelta(seconds=2.5), timeout=20
            )
            await tg.wait_until(lambda: bot.logged("reminders wait"), timeout=20)
            before = len(tg.sent(GROUP))
            assert not [m for m in tg.sent(GROUP) if "「向上级报告」" in m.text]
            disk_back(bot.pid)
            caught_up = await reminder_after(tg, before)
            assert "已逾期" in caught_up  # the latest that fell due, not the ones it replaces
            await tg.wait_until(lambda: bot.logged("delivering"), timeout=70)
            tg.send_message(GROUP, CLERK, "/done 1 report_up")  # said again, now it is saved
            await incident_when(db, 1, lambda i: i.obligation("report_up").status.value == "met")
            await tg.wait_until(lambda: bot.logged("database available again: reminders"))
        finally:
            await bot.stop()
        async with await SqliteStore.open(db) as store:
            assert await store.pragma("integrity_check") == "ok"
            assert await store.pending() == []
            one = await store.get_by_number(1)
            assert await store.get_by_number(2) is None
    assert one is not None and one.state.value == "active"  # the button press was not saved
    assert one.obligation("report_up").status.value == "met"
    texts = Counter(m.text for m in tg.sent(GROUP))
    assert [text for text, n in texts.items() if n > 1 and text != NOT_SAVED] == []
    assert sum("已确认事件等级" in text for text in texts) == 1
    assert not [t for t in texts if "「向上级报告」" in t and ("将于" in t or "已到截止" in t)]
    assert len(bot.logged("messages wait")) == 1 and len(bot.logged("reminders wait")) == 1
    assert len(bot.logged("not saved")) == 2  # one line per refused update
    assert not bot.logged("Traceback")


async def test_a_locked_database_while_running(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        bot = await start_bot(tg, db)
        lock = sqlite3.connect(db, timeout=10, isolation_level=None, check_same_thread=False)
        try:
            await confirm(tg, GROUP, await report_major(tg, GROUP, 1))
            await asyncio.to_thread(lock.execute, "BEGIN EXCLUSIVE")
            started = time.monotonic()
            await refused(tg, "/done 1 report_up")
            assert time.monotonic() - started >= BUSY_TIMEOUT - 0.5  # it waited for the lock
            due = (await incident(db, 1)).obligation("report_up").due_at
            assert due is not None
            await tg.wait_until(lambda: datetime.now(UTC) > due, timeout=20)
            await tg.wait_until(lambda: bot.logged("reminders wait"), timeout=30)
            before = len(tg.sent(GROUP))
            lock.execute("ROLLBACK")
            await reminder_after(tg, before)
            tg.send_message(GROUP, CLERK, "/done 1 report_up")
            await incident_when(db, 1, lambda i: i.obligation("report_up").status.value == "met")
            await tg.wait_until(lambda: bot.logged("database available again"), timeout=30)
        finally:
            lock.close()
            await bot.stop()
    done = await incident(db, 1)
    assert done.obligation("report_up").status.value == "met"
    assert len(bot.logged("not saved")) == 1 and not bot.logged("Traceback")


async def test_a_locked_database_at_start_waits_then_stops_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    await new_database(db)
    lock = sqlite3.connect(db, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        async with FakeBotAPI() as tg:
            started = time.monotonic()
            bot = await start_bot(tg, db)
            assert await bot.exited() == 1
            assert time.monotonic() - started >= BUSY_TIMEOUT
            assert one_line(bot) == f"数据库 {db} 被其他程序占用，请稍后再试。"

            bot = await start_bot(tg, db)  # this time the lock goes within the busy timeout
            try:
                await tg.wait_for_request("getMe", timeout=30)
                await asyncio.sleep(1.0)  # how long the other program keeps its lock
                lock.execute("ROLLBACK")
                await tg.wait_for_request("setMyCommands", timeout=30)
                assert bot.process.returncode is None
            finally:
                await bot.stop()
    finally:
        lock.close()


@pytest.mark.parametrize("what", ["file", "folder"])
async def test_a_read_only_database_at_start_stops_with_one_line(tmp_path: Path, what: str) -> None:
    powers = permissions_apply()
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "y.db"
    await new_database(db)
    os.chmod(db, 0o444)
    if what == "folder":
        os.chmod(folder, 0o555)
    try:
        async with FakeBotAPI() as tg:
            people(tg)
            bot = await start_bot(tg, db, preexec_fn=powers)
            assert await bot.exited() == 1
            assert one_line(bot) == (
                f"数据库 {db} 是只读的，无法写入：attempt to write a readonly database"
            )
            os.chmod(folder, 0o755)
            for file in folder.iterdir():
                os.chmod(file, 0o644)
            bot = await start_bot(tg, db, preexec_fn=powers)  # writable again: it runs
            try:
                await confirm(tg, GROUP, await report_major(tg, GROUP, 1))
            finally:
                await bot.stop()
    finally:
        os.chmod(folder, 0o755)
    assert (await incident(db, 1)).state.value == "active"


async def test_a_full_disk_at_start_stops_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    await new_database(db)

    def no_space() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))

    async with FakeBotAPI() as tg:
        bot = await start_bot(tg, db, preexec_fn=no_space)
        assert await bot.exited() == 1
    line = one_line(bot)
    assert line.startswith(f"无法写入数据库 {db}（磁盘已满或出错）："), line
    async with await SqliteStore.open(db) as store:
        assert await store.pragma("integrity_check") == "ok"
