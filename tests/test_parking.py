"""Delivery that one bad message cannot stop, and that two senders cannot double.

A message the renderer cannot draw is parked (set aside, logged once with its context) and the
other messages flow; two senders on one database send each message once; a sender task that
dies anyway stops the real ``yuqing-bot run`` with status 1 and a CRITICAL line.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from e2e_support import EYE, GROUP, PLANS, UNLIMITED, people, running
from fakeapi import FakeBotAPI
from process_support import BotProcess, confirm, report_major, spawn
from support import tg_actor
from telegram import Bot

import bot.service.delivery as delivery_module
from bot.render.messages import compose
from bot.service.clock import SystemClock
from bot.service.delivery import Delivery
from bot.service.flood import Gate
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.store import OutboxItem, SqliteStore
from bot.telegram.runtime import chat_language
from bot.telegram.transport import TelegramTransport

OTHER = -100888
TWO_GROUPS = PLANS / "two-groups.yaml"


async def parked_items(db: Path, timeout: float = 20) -> list[OutboxItem]:
    """Wait until the database shows a parked message; every parked one."""
    deadline = time.monotonic() + timeout
    async with await SqliteStore.open(db) as store:
        while not (found := await store.parked()):
            assert time.monotonic() < deadline, "no message was parked"
            await asyncio.sleep(0.05)
    return found


async def answer_both(tg: FakeBotAPI, chat: int, number: int) -> None:
    """The reporter answers incident #number's two grading questions (重大)."""
    first = await tg.wait_for(
        lambda m: f"#{number} 定级问题 1/2" in m.text, chat_id=chat, timeout=20
    )
    tg.press_button(chat, EYE, first.message_id, "50条以内")
    second = await tg.wait_for(lambda m: f"#{number} 定级问题 2/2" in m.text, chat_id=chat)
    tg.press_button(chat, EYE, second.message_id, "是")


async def test_a_card_that_cannot_be_drawn_is_parked_and_every_group_keeps_its_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "y.db"
    attempts: Counter[int] = Counter()

    def broken(item: OutboxItem, *args: Any, **kwargs: Any) -> Any:
        """The renderer, failing on the other group's cards (a plan they cannot be drawn by)."""
        if item.chat == f"telegram:{OTHER}" and item.kind == "card":
            attempts[item.id] += 1
            raise KeyError("level")
        return compose(item, *args, **kwargs)

    monkeypatch.setattr(delivery_module, "compose", broken)
    async with FakeBotAPI() as tg:
        people(tg)
        tg.group(OTHER, "第二工作群")
        async with running(tg, db, TWO_GROUPS):
            tg.send_message(OTHER, EYE, "/report 网帖称某单位违规 1")
            await answer_both(tg, OTHER, 1)
            [parked] = await parked_items(db)
            await confirm(tg, GROUP, await report_major(tg, GROUP, 2))  # the first group: all
            tg.send_message(OTHER, EYE, "/report 网帖称某单位违规 3")  # later, the same group
            await tg.wait_for(lambda m: "#3 定级问题 1/2" in m.text, chat_id=OTHER, timeout=20)
        async with await SqliteStore.open(db) as store:
            incident = await store.get_by_number(1)
            assert await store.parked() == [parked]
            assert parked.id not in [item.id for item in await store.pending()]
    assert incident is not None
    assert (parked.kind, parked.chat, parked.incident_id) == (
        "card",
        f"telegram:{OTHER}",
        incident.id,
    )
    assert parked.park_reason == "KeyError: 'level'" and parked.parked_at is not None
    assert attempts == {parked.id: 1}  # drawn once, never again
    assert not [m for m in tg.sent(OTHER) if "#1 重大舆情" in m.text]
    records = [
        r for r in caplog.records if r.name == delivery_module.__name__ and "parked" in r.msg
    ]
    assert len(records) == 1 and records[0].levelno == logging.ERROR
    line = records[0].getMessage()
    assert f"outbox message {parked.id} (card for chat telegram:{OTHER}, incident" in line
    assert f"incident {incident.id} #1)" in line
    assert records[0].exc_info is not None and records[0].exc_info[0] is KeyError


async def test_two_senders_on_one_database_send_every_message_once(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    plans = PlanBook.load(TWO_GROUPS)
    clock = SystemClock()
    async with FakeBotAPI() as tg:
        people(tg)
        tg.group(OTHER, "第二工作群")
        async with (
            await SqliteStore.open(db) as one,
            await SqliteStore.open(db) as two,
            Bot(tg.token, base_url=tg.base_url) as telegram,
        ):
            reporting = IncidentService(one, plans, clock)
            for n in range(1, 81):  # more than one claim's worth, in two groups
                chat = GROUP if n % 2 else OTHER
                await reporting.open_report(f"telegram:{chat}", tg_actor(EYE), f"网帖 {n}")
            senders = [
                Delivery(
                    TelegramTransport(telegram, Gate(UNLIMITED)),  # the fake enforces no limits
                    store,
                    service.resolver,
                    clock,
                    partial(chat_language, service),
                )
                for store in (one, two)
                for service in [IncidentService(store, plans, clock)]
            ]
            assert senders[0].owner != senders[1].owner
            assert await asyncio.gather(*(s.drain() for s in senders)) == [True, True]
            assert await one.pending() == []
    firsts = Counter(m.text.split("：")[0] for chat in (GROUP, OTHER) for m in tg.sent(chat))
    assert firsts == Counter(f"#{n} 定级问题 1/2" for n in range(1, 81))
    assert len(tg.calls("sendMessage")) == 80  # not one message tried twice


# ``yuqing-bot run`` whose sender raises out of a pass over the outbox on call number BREAK_AT
# (1: at once, while the application is still starting; 2: after IDLE_SECONDS, while it runs),
# or (ROLE "clock") whose clock loop raises half a second after it starts.
CRASHING = """
import asyncio
import sys

from bot.service.clockwork import Clockwork
from bot.service.delivery import Delivery

ROLE = sys.argv.pop()
BREAK_AT = int(sys.argv.pop())
calls = []
works = Delivery._pass


async def one_pass(self, horizon):
    calls.append(1)
    if len(calls) >= BREAK_AT:
        raise RuntimeError("injected: the sender breaks")
    return await works(self, horizon)


Delivery._pass = one_pass


async def run(self):
    await asyncio.sleep(0.5)
    raise RuntimeError("injected: the clock breaks")


if ROLE == "clock":
    Delivery._pass = works
    Clockwork.run = run

from bot.cli import main

main()
"""


async def start_crashing(
    tg: FakeBotAPI, db: Path, break_at: int, role: str = "sender"
) -> BotProcess:
    """``yuqing-bot run`` in a process whose sender (or clock) task raises."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "YUQING_TELEGRAM_TOKEN": tg.token,
        "YUQING_TELEGRAM_API_URL": tg.base_url,
        "YUQING_DATABASE": str(db),
        "YUQING_PLANS": str(PLANS / "e2e.yaml"),
    }
    return await spawn([sys.executable, "-c", CRASHING, "run", str(break_at), role], env, db.parent)


@pytest.mark.parametrize(
    ("role", "break_at", "dies"),
    [
        ("sender", 1, "the sender task died: no message"),
        ("sender", 2, "the sender task died: no message"),
        ("clock", 1, "the clock task died: no reminder"),
    ],
    ids=["sender-starting", "sender-running", "clock"],
)
async def test_a_background_task_that_dies_stops_the_run_with_status_1(
    tmp_path: Path, role: str, break_at: int, dies: str
) -> None:
    async with FakeBotAPI() as tg:
        people(tg)
        bot = await start_crashing(tg, tmp_path / "y.db", break_at, role=role)
        try:
            code = await bot.exited(60)
        finally:
            await bot.stop()
    critical = [line for line in bot.lines if " CRITICAL " in line]
    assert len(critical) == 1 and dies in critical[0]
    assert f"RuntimeError: injected: the {role} breaks" in bot.lines
    assert code == 1
