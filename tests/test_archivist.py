"""The archivist over two messengers at once, on a real SQLite file: one's slow downloads hold
up no other's (WeCom's download links last five minutes)."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime
from pathlib import Path

import pytest
from support import PLAN_TEXT, T0, small_plan

from bot.domain.access import Actor
from bot.domain.errors import StoreError
from bot.domain.evidence import Evidence, Kept
from bot.domain.incident import Attachment
from bot.service.archive import Archivist
from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.service.shelf import Shelf
from bot.store import SqliteStore

PLAN = PLAN_TEXT.replace(
    "chats: {telegram: [-100500]}", "chats: {telegram: [-100500], wecom: [wrG]}"
)
PLAN = PLAN.replace(
    "eye: {name: 信息员, telegram: 3}", "eye: {name: 信息员, telegram: 3, wecom: zhang}"
)
EYE_TG, EYE_WECOM = Actor("telegram", "3"), Actor("wecom", "zhang")


class Hanging:
    """Telegram with a backlog: a download starts and never ends."""

    name = "telegram"

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def fetch(self, ref: str, limit: int) -> bytes:
        self.started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


class Quick:
    """WeCom answering at once."""

    name = "wecom"

    async def fetch(self, ref: str, limit: int) -> bytes:
        return f"image {ref}".encode()


async def test_a_messenger_with_a_backlog_holds_up_no_other(tmp_path: Path) -> None:
    assert "wecom: [wrG]" in PLAN and "wecom: zhang" in PLAN
    db = tmp_path / "y.db"
    store = await SqliteStore.open(db)
    try:
        service = IncidentService(store, PlanBook([small_plan(PLAN)]), ManualClock(T0))
        photo = (Attachment("photo", "ref-1"),)
        await service.open_report("telegram:-100500", EYE_TG, "帖子一", photo)
        wecom = await service.open_report("wecom:wrG", EYE_WECOM, "帖子二", photo)
        hanging = Hanging()
        archivist = Archivist(store, [hanging, Quick()], Shelf.beside(db), service.clock)
        work = asyncio.create_task(archivist.work())
        try:
            async with asyncio.timeout(10):
                while not [i for i in await store.evidence(wecom.id) if i.status is Kept.KEPT]:
                    await asyncio.sleep(0.01)
            assert hanging.started.is_set() and not work.done()
        finally:
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
        (kept,) = await store.evidence(wecom.id)
        assert kept.digest == hashlib.sha256(b"image ref-1").hexdigest()
    finally:
        await store.close()


class FailingFor(SqliteStore):
    """The database failing to list one messenger's owed files (a lost connection, say)."""

    transport = "wecom"

    async def evidence_owed(self, now: datetime, transport: str, limit: int = 20) -> list[Evidence]:
        if transport == self.transport:
            raise StoreError("the database went away")
        return await super().evidence_owed(now, transport, limit)


async def test_a_failing_look_is_logged_and_the_archivist_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "y.db"
    store = await FailingFor.open(db)
    try:
        service = IncidentService(store, PlanBook([small_plan(PLAN)]), ManualClock(T0))
        photo = (Attachment("photo", "ref-1"),)
        await service.open_report("wecom:wrG", EYE_WECOM, "帖子", photo)
        archivist = Archivist(store, [Hanging(), Quick()], Shelf.beside(db), service.clock)
        running = asyncio.create_task(archivist.run())
        try:
            async with asyncio.timeout(10):
                while "could not work" not in caplog.text:
                    await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)
            assert not running.done()  # waiting to try again, not dead
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
    finally:
        await store.close()
