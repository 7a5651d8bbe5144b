"""The real ``yuqing-bot run`` process for fault tests: started, its log collected, stopped."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dbswitch import database_env, open_db
from e2e_support import BOSS, EYE, PLANS
from fakeapi import ApiRequest, BotMessage, FakeBotAPI

from bot.domain.incident import Incident

EXE = shutil.which("yuqing-bot", path=str(Path(sys.executable).parent))


@dataclass
class BotProcess:
    """A running bot and the lines it wrote to stderr so far."""

    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def logged(self, text: str) -> list[str]:
        """The log lines containing ``text``."""
        return [line for line in self.lines if text in line]

    async def exited(self, timeout: float = 60) -> int:
        """Wait for the process to end by itself; its exit status."""
        code = await asyncio.wait_for(self.process.wait(), timeout)
        if self.reader is not None:
            await asyncio.wait_for(self.reader, 5)
        return code

    async def stop(self) -> None:
        """SIGTERM (a clean stop), SIGKILL if it hangs."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self.reader is not None:
            await asyncio.wait_for(self.reader, 5)


async def _collect(stream: asyncio.StreamReader, lines: list[str]) -> None:
    while raw := await stream.readline():
        lines.append(raw.decode(errors="replace").rstrip("\n"))


async def start_bot(
    tg: FakeBotAPI,
    db: Path,
    plans: Path = PLANS / "e2e.yaml",
    preexec_fn: Callable[[], None] | None = None,
    token: str | None = None,
    extra: dict[str, str] | None = None,
) -> BotProcess:
    """Start ``yuqing-bot run`` against the fake server and the database ``db``.

    ``token`` replaces the fake server's own; ``extra`` adds settings (``YUQING_*``). ``db`` is
    the test's SQLite file, or names its own PostgreSQL database (tests/dbswitch.py).
    """
    assert EXE is not None, "the yuqing-bot console script is not installed"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "YUQING_TELEGRAM_TOKEN": token or tg.token,
        "YUQING_TELEGRAM_API_URL": tg.base_url,
        **database_env(db),
        "YUQING_PLANS": str(plans),
        **(extra or {}),
    }
    return await spawn([EXE, "run"], env, db.parent, preexec_fn)


async def spawn(
    argv: list[str], env: dict[str, str], cwd: Path, preexec_fn: Callable[[], None] | None = None
) -> BotProcess:
    """Start a bot process (stdin closed, stderr collected line by line)."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=preexec_fn,
    )
    bot = BotProcess(process)
    assert process.stderr is not None
    bot.reader = asyncio.create_task(_collect(process.stderr, bot.lines))
    return bot


def posts_to(tg: FakeBotAPI, chat: int) -> list[ApiRequest]:
    """Every call the bot made to post in or edit ``chat``, failed ones included."""
    posting = ("sendMessage", "editMessageText", "sendDocument", "sendPhoto")
    return [
        r for r in tg.requests if r.method in posting and str(r.params.get("chat_id")) == str(chat)
    ]


async def report_major(tg: FakeBotAPI, chat: int, number: int) -> BotMessage:
    """Report an incident in ``chat`` and grade it 重大; its card (not yet confirmed)."""
    tg.send_message(chat, EYE, f"/report 网帖称某单位违规 {number}")
    first = await tg.wait_for(
        lambda m: f"#{number} 定级问题 1/2" in m.text, chat_id=chat, timeout=20
    )
    tg.press_button(chat, EYE, first.message_id, "50条以内")
    second = await tg.wait_for(lambda m: f"#{number} 定级问题 2/2" in m.text, chat_id=chat)
    tg.press_button(chat, EYE, second.message_id, "是")
    return await tg.wait_for(lambda m: f"#{number} 重大舆情" in m.text, chat_id=chat, timeout=20)


async def confirm(tg: FakeBotAPI, chat: int, card: BotMessage) -> None:
    """The leader confirms the level; wait for the notice."""
    tg.press_button(chat, BOSS, card.message_id, "确认等级")
    await tg.wait_for(lambda m: "已确认事件等级" in m.text, chat_id=chat, timeout=20)


async def incident(db: Path, number: int) -> Incident:
    """Incident #``number`` as the database holds it now."""
    async with await open_db(db) as store:
        found = await store.get_by_number(number)
    assert found is not None
    return found


async def incident_when(
    db: Path, number: int, check: Callable[[Incident], bool], timeout: float = 20
) -> Incident:
    """Poll the database until incident #``number`` satisfies ``check``; return it."""
    deadline = time.monotonic() + timeout
    while True:
        found = await incident(db, number)
        if check(found):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for incident #{number}: {found}")
        await asyncio.sleep(0.05)
