"""Updates as a webhook may bring them: two leaders at once, twice the same, out of order.

Telegram delivers webhook updates over several connections at once and retries any it thinks
failed, so the bot must take each once and stay consistent whatever the order.
"""

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from e2e_support import BOSS, CLERK, EYE, GROUP, PLANS, capabilities_for, people, settings_for
from fakeapi import BotMessage, FakeBotAPI

from bot.service.plans import PlanBook
from bot.store import SqliteStore
from bot.telegram.app import build

DEPUTY = 1004
SECRET = "race-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def webhook_bot(tg: FakeBotAPI, db: Path) -> AsyncIterator[str]:
    """The bot receiving updates by webhook on loopback; yields the URL to post them to."""
    settings = settings_for(tg, db, PLANS / "two-leaders.yaml")
    application = build(settings, PlanBook.load(settings.plans), capabilities=capabilities_for(tg))
    port = free_port()
    await application.initialize()
    assert application.post_init is not None and application.updater is not None
    await application.post_init(application)
    await application.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url="https://bot.example.org/hook",
        secret_token=SECRET,
    )
    await application.start()
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        await application.updater.stop()
        await application.stop()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)
        await application.shutdown()


def take(tg: FakeBotAPI) -> list[dict[str, Any]]:
    """The updates Telegram holds for the bot (nobody polls while a webhook is set)."""
    with tg.state.lock:
        updates, tg.state.updates = tg.state.updates, []
    return updates


async def post(url: str, *updates: dict[str, Any]) -> None:
    """Deliver updates as Telegram's webhook does, each on its own connection, all at once."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    async with httpx.AsyncClient() as client:
        answers = await asyncio.gather(
            *(client.post(url, content=json.dumps(u), headers=headers) for u in updates)
        )
    assert [a.status_code for a in answers] == [200] * len(updates)


async def incident_card(tg: FakeBotAPI, url: str) -> BotMessage:
    """Report and grade a 重大 incident through the webhook; return its card."""
    tg.send_message(GROUP, EYE, "/report 网帖称某单位违规")
    await post(url, *take(tg))
    first = await tg.wait_for(lambda m: "定级问题 1/2" in m.text, chat_id=GROUP, timeout=10)
    tg.press_button(GROUP, EYE, first.message_id, "50条以内")
    await post(url, *take(tg))
    second = await tg.wait_for(lambda m: "定级问题 2/2" in m.text, chat_id=GROUP)
    tg.press_button(GROUP, EYE, second.message_id, "是")
    await post(url, *take(tg))
    return await tg.wait_for(lambda m: "待领导确认" in m.text, chat_id=GROUP)


def alerts(tg: FakeBotAPI) -> list[tuple[int, str]]:
    return [(a.user_id, a.text or "") for a in tg.callback_answers if a.show_alert]


async def test_two_leaders_at_once_and_the_same_update_twice(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        tg.user(DEPUTY, "赵", last_name="副组长")
        async with webhook_bot(tg, db) as url:
            card = await incident_card(tg, url)
            tg.press_button(GROUP, BOSS, card.message_id, "确认等级")
            tg.press_button(GROUP, DEPUTY, card.message_id, "确认等级")
            both = take(tg)
            await post(url, *both)
            told = await tg.wait_until(lambda: alerts(tg) or None)
            # the later one is told, in words: no internal state or action names
            assert told[0][1] == "事件 #1 当前为“处置中”，不能再“确认等级”。" and len(told) == 1
            await post(url, *both)  # Telegram retries both deliveries
            tg.send_message(GROUP, CLERK, "/list")  # processed after the retries
            await post(url, *take(tg))
            await tg.wait_for(lambda m: "#1" in m.text and m.reply_to_message_id, chat_id=GROUP)
            confirmed = [m for m in tg.sent(GROUP) if "已确认事件等级" in m.text]
            assert len(confirmed) == 1 and alerts(tg) == told

            tg.send_message(GROUP, CLERK, "/draft 1 release 通稿")
            await post(url, *take(tg))
            draft = await tg.wait_for(lambda m: "稿件待审批" in m.text, chat_id=GROUP)
            tg.press_button(GROUP, DEPUTY, draft.message_id, "退回修改")
            tg.press_button(GROUP, BOSS, draft.message_id, "批准")
            await post(url, *take(tg))
            told = await tg.wait_until(lambda: alerts(tg)[1:] or None)
            async with await SqliteStore.open(db) as store:
                incident = await store.get_by_number(1)
                assert incident is not None
                decisions = [a for a in await store.approvals(incident.id) if a.kind == "content"]
            assert len(decisions) == 1  # one decision stands; the other leader was told why
            status = incident.obligation("release").status.value
            loser = BOSS if decisions[0].actor == f"telegram:{DEPUTY}" else DEPUTY
            assert told[0][0] == loser
            expected = "还没有待审批的稿件" if status == "open" else "已经完成"
            assert expected in told[0][1]


async def test_an_approval_arriving_after_a_newer_draft_approves_nothing(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        async with webhook_bot(tg, db) as url:
            card = await incident_card(tg, url)
            tg.press_button(GROUP, BOSS, card.message_id, "确认等级")
            tg.send_message(GROUP, CLERK, "/draft 1 release 第一稿")
            await post(url, *take(tg))
            first = await tg.wait_for(lambda m: "第一稿" in m.text, chat_id=GROUP)
            tg.press_button(GROUP, BOSS, first.message_id, "批准")  # pressed first...
            tg.send_message(GROUP, CLERK, "/draft 1 release 第二稿")
            approve, newer = take(tg)
            await post(url, newer)  # ...but delivered after the newer draft
            await tg.wait_for(lambda m: "第二稿" in m.text and "稿件待审批" in m.text)
            await post(url, approve)
            told = await tg.wait_until(lambda: alerts(tg) or None)
            assert told == [(BOSS, told[0][1])] and "已提交了新稿件" in told[0][1]
            async with await SqliteStore.open(db) as store:
                incident = await store.get_by_number(1)
                assert incident is not None
                assert incident.obligation("release").status.value == "submitted"
                assert await store.obligation_content(incident.id, "release") == "第二稿"
