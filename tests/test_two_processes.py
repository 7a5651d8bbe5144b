"""Two bot processes: one ``run`` per database, and another poller on the token said once.

The real ``yuqing-bot run`` against the fake Bot API: a second run on the same database stops
with one line naming the first, which keeps working; once the first is SIGKILLed, a new one
starts. Two runs on two databases with one token (Telegram's Conflict) each log one warning.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import socket
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dbswitch import sqlite_only
from e2e_support import EYE, GROUP, people
from fakeapi import FakeBotAPI
from process_support import BotProcess, start_bot
from pydantic import SecretStr
from test_restart import delivered, kill

from bot import runlock
from bot.cli import run
from bot.settings import Settings

CONFLICT = "another process is getting updates with this bot's token"


def refusal(db: Path, pid: int) -> re.Pattern[str]:
    """The one line a second run prints, naming the first."""
    host = re.escape(socket.gethostname())
    return re.compile(
        rf"数据库 {re.escape(str(db))} 已由另一个 yuqing-bot 使用（主机 {host} 上的进程 {pid}，"
        r"自 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC 起运行）；"
        "同一数据库只能运行一个机器人，请您先停止正在运行的那一个。"
    )


@sqlite_only("the run lock is the file beside the database; PostgreSQL's is the replicas' lease")
async def test_a_second_run_on_one_database_refuses_and_the_first_keeps_working(
    tmp_path: Path,
) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        bots: list[BotProcess] = [await start_bot(tg, db)]
        try:
            first = bots[0]
            await tg.wait_for_request("getUpdates", timeout=30)
            asked = len(tg.calls("getMe"))
            bots.append(second := await start_bot(tg, db))
            assert await second.exited(60) == 1
            assert len(second.lines) == 1 and refusal(db, first.pid).fullmatch(second.lines[0])
            assert len(tg.calls("getMe")) == asked  # it never spoke to Telegram

            tg.send_message(GROUP, EYE, "/report 网帖称某单位违规")
            question = await tg.wait_for(lambda m: "#1 定级问题 1/2" in m.text, timeout=20)
            await delivered(db)
            await kill(first)
            bots.append(third := await start_bot(tg, db))
            tg.press_button(GROUP, EYE, question.message_id, "50条以内")
            await tg.wait_for(lambda m: "#1 定级问题 2/2" in m.text, timeout=20)
            holder = json.loads(runlock.lock_path(db).read_text())
            assert holder["pid"] == third.pid and holder["host"] == socket.gethostname()
            assert not first.logged(CONFLICT) and not third.logged(CONFLICT)
        finally:
            for bot in bots:
                await bot.stop()
    counts = Counter(m.text for m in tg.sent(GROUP))
    assert counts["#1 定级问题 1/2： 传播范围？\n→ 50条以内"] == 1  # answered once, edited once
    assert [text for text, n in counts.items() if n > 1] == []


async def test_another_poller_on_the_token_is_one_warning_each_not_a_traceback_storm(
    tmp_path: Path,
) -> None:
    async with FakeBotAPI() as tg:
        people(tg)
        # each in a folder of its own: on PostgreSQL the run lock sits in the working folder
        dbs = [tmp_path / name / "y.db" for name in ("a", "b")]
        for db in dbs:
            db.parent.mkdir()
        bots = [await start_bot(tg, db) for db in dbs]
        try:
            await tg.wait_until(
                lambda: len([r for r in tg.calls("getUpdates") if r.status == 409]) >= 8,
                timeout=40,
                what="the two pollers to conflict again and again",
            )
            await tg.wait_until(lambda: all(bot.logged(CONFLICT) for bot in bots), timeout=20)
            lines = [list(bot.lines) for bot in bots]  # before stopping (its last poll may fail)
        finally:
            for bot in bots:
                await bot.stop()
    for seen in lines:
        warnings = [line for line in seen if CONFLICT in line]
        assert len(warnings) == 1 and " WARNING " in warnings[0]
        assert not [line for line in seen if "Traceback" in line or "error while handling" in line]


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """The run lock of a database, taken through another open file (as another process would)."""
    db = tmp_path / "y.db"
    fd = os.open(runlock.lock_path(db), os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        yield db, fd
    finally:
        os.close(fd)


def settings(db: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        telegram_token=SecretStr("1:unused"),
        telegram_api_url="http://127.0.0.1:9/bot",  # never asked: the lock comes first
        database=db,
        plans=Path(__file__).parent / "plans" / "e2e.yaml",
    )


def test_the_refusal_names_the_holder_in_one_line(
    held: tuple[Path, int], capsys: pytest.CaptureFixture[str]
) -> None:
    db, fd = held
    since = datetime(2026, 3, 1, 8, 0, 5, tzinfo=UTC)
    os.write(fd, runlock.Holder(4242, "bot-host", since).dump())
    assert run(["run"], settings(db)) == 1
    err = capsys.readouterr().err
    assert err == (
        f"数据库 {db} 已由另一个 yuqing-bot 使用（主机 bot-host 上的进程 4242，自 2026-03-01"
        " 08:00:05 UTC 起运行）；同一数据库只能运行一个机器人，请您先停止正在运行的那一个。\n"
    )


def test_a_holder_that_wrote_nothing_is_still_refused_in_one_line(
    held: tuple[Path, int], capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = held
    assert run(["run"], settings(db)) == 1
    err = capsys.readouterr().err
    assert err == (
        f"数据库 {db} 已由另一个 yuqing-bot 使用；"
        "同一数据库只能运行一个机器人，请您先停止正在运行的那一个。\n"
    )


def test_the_lock_file_is_next_to_the_database_under_a_name_sqlite_does_not_use() -> None:
    path = runlock.lock_path(Path("/srv/bot/yuqing.db"))
    assert path == Path("/srv/bot/yuqing.db.run.lock")
    assert not any(path.name.endswith(s) for s in ("-wal", "-shm", "-journal", "db.lock"))


def test_a_lock_file_that_cannot_be_opened_beside_a_writable_database_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "y.db"
    db.touch()
    runlock.lock_path(db).mkdir()  # in the way of the lock file
    assert run(["run"], settings(db)) == 1
    err = capsys.readouterr().err
    assert err == (
        f"无法创建或打开锁文件 {runlock.lock_path(db)}：Is a directory。"
        "数据库所在的文件夹须可写入；也可以用设置 YUQING_DATABASE 把数据库放到可写入的文件夹。\n"
    )
