"""Helpers for the evidence tests: report with a file, wait for the archive to settle."""

from __future__ import annotations

import asyncio
from typing import Any

from e2e_support import BOSS, EYE, GROUP
from fakeapi import BotMessage, FakeBotAPI

from bot.domain.evidence import Evidence, Kept
from bot.serve import Life
from bot.telegram.app import LIFE


async def report_general(tg: FakeBotAPI, **files: Any) -> BotMessage:
    """The informant reports with ``files`` (photo=…, document=…, voice=…); graded 一般."""
    tg.send_message(GROUP, EYE, caption="/report 某论坛帖子附图", **files)
    first = await tg.wait_for(lambda m: "定级问题 1/2" in m.text, chat_id=GROUP)
    tg.press_button(GROUP, EYE, first.message_id, "50条以内")
    second = await tg.wait_for(lambda m: "定级问题 2/2" in m.text, chat_id=GROUP)
    tg.press_button(GROUP, EYE, second.message_id, "否")
    return await tg.wait_for(lambda m: "#1 一般舆情" in m.text, chat_id=GROUP)


async def settled(app: Any, count: int, timeout: float = 20.0) -> list[Evidence]:
    """Incident #1's files once ``count`` are there and none is still owed a download."""
    life = app.bot_data[LIFE]
    assert isinstance(life, Life)
    store = life.running.service.store
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        items = await store.evidence(1)
        if len(items) >= count and all(item.status is not Kept.PENDING for item in items):
            return items
        if loop.time() > deadline:
            raise AssertionError(f"evidence not settled: {items}")
        await asyncio.sleep(0.05)


async def tried(app: Any, timeout: float = 20.0) -> Evidence:
    """Incident #1's first file once a download of it has failed at least once."""
    life = app.bot_data[LIFE]
    assert isinstance(life, Life)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        items = await life.running.service.store.evidence(1)
        if items and items[0].attempts >= 1:
            return items[0]
        if loop.time() > deadline:
            raise AssertionError(f"no download tried: {items}")
        await asyncio.sleep(0.05)


async def status(tg: FakeBotAPI) -> BotMessage:
    """The answer to /status 1 (the newest card)."""
    sent = tg.send_message(GROUP, BOSS, "/status 1")
    return await tg.wait_for(
        lambda m: m.reply_to_message_id == sent["message_id"],
        chat_id=GROUP,
    )
