"""Send now: a use case's messages go right after its commit, once, whoever else delivers.

The real service, delivery engines and a real SQLite file, on the test-only fake messenger
(tests/fake_messenger.py): a second engine with its own connection stands for another
process delivering from the same outbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from fake_messenger import NAME, FakeMessenger
from test_fake_messenger import GROUP, T0, feishu_plan_text

from bot.domain.access import Actor
from bot.planfile import parse_plan_text
from bot.service import sendnow
from bot.service.clock import ManualClock
from bot.service.commands import Report
from bot.service.delivery import Delivery
from bot.service.dispatch import Dispatch
from bot.service.flood import Gate
from bot.service.outbox import notice
from bot.service.plans import PlanBook
from bot.service.running import Running
from bot.service.transport import Rate
from bot.store import SqliteStore, Store

CHAT = f"{NAME}:{GROUP}"
OTHER_GROUP = "oc_other"
OTHER = f"{NAME}:{OTHER_GROUP}"
EYE = Actor(NAME, "ou_eye")


@dataclass
class Bot:
    """One running bot, and another engine delivering from the same database."""

    running: Running
    fake: FakeMessenger
    other: Delivery

    @property
    def delivery(self) -> Delivery:
        return self.running.deliveries[NAME]

    @property
    def store(self) -> Store:
        return self.running.service.store

    def texts(self, group: str | None = None) -> list[str]:
        messages = self.fake.server.messages.values()
        return [m.text for m in messages if group is None or m.chat == group]

    async def report(self, text: str, chat: str = CHAT) -> sendnow.Claiming:
        """A report, its messages written claimed for this bot's engine."""
        with sendnow.claiming(self.running.deliveries) as claimed:
            dispatch = Dispatch(self.running.service, self.running.lang)
            await dispatch(Report(text, ()), EYE, chat)
        return claimed


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    clock = ManualClock(T0)
    two_groups = feishu_plan_text().replace(f"[{GROUP}]", f"[{GROUP}, {OTHER_GROUP}]")
    plans = PlanBook([parse_plan_text(two_groups, "feishu.yaml")])
    fake = FakeMessenger()
    fake.server.chats.update({GROUP, OTHER_GROUP})
    async with (
        await SqliteStore.open(tmp_path / "y.db") as store,
        await SqliteStore.open(tmp_path / "y.db") as elsewhere,
    ):
        running = Running.of(store, plans, clock, [fake])
        theirs = Running.of(elsewhere, plans, clock, [fake]).deliveries[NAME]
        yield Bot(running, fake, theirs)


async def test_a_use_case_s_messages_go_at_once_and_once_only(bot: Bot) -> None:
    claimed = await bot.report("网帖称某单位违规收费")
    assert list(claimed.ids) == [CHAT] and len(claimed.ids[CHAT]) == 1
    await bot.other.drain()  # another engine never takes them: they are claimed
    assert bot.texts() == []
    await sendnow.deliver(bot.running.deliveries, claimed)
    assert ["#1 定级问题 1/2" in text for text in bot.texts()] == [True]
    await bot.delivery.drain()
    await bot.other.drain()
    assert len(bot.texts()) == 1 and await bot.store.pending() == []


async def test_older_messages_in_the_chat_go_first_by_the_engine(bot: Bot) -> None:
    await bot.report("第一条")  # not sent at once: owed to the engine
    claimed = await bot.report("第二条")
    await sendnow.deliver(bot.running.deliveries, claimed)
    assert bot.texts() == []  # the first report's question waits: order is the engine's
    await bot.delivery.drain()
    assert [text[2:13] for text in bot.texts()] == ["#1 定级问题 1/2", "#2 定级问题 1/2"]


async def test_a_message_that_cannot_go_now_is_sent_by_the_engine_once(bot: Bot) -> None:
    claimed = await bot.report("网帖")
    bot.fake.server.busy = 1  # the messenger says "slow down" once
    await sendnow.deliver(bot.running.deliveries, claimed)
    assert bot.texts() == []
    await bot.other.drain()  # still this engine's to send
    assert bot.texts() == []
    await bot.delivery.drain()
    assert len(bot.texts()) == 1 and await bot.store.pending() == []


async def test_messages_of_a_rolled_back_transaction_are_not_sent(bot: Bot) -> None:
    await bot.report("网帖")
    await bot.delivery.drain()
    found = await bot.store.get_by_number(1)
    assert found is not None
    with sendnow.claiming(bot.running.deliveries) as claimed, pytest.raises(RuntimeError):
        async with bot.store.transaction() as tx:
            await notice(tx, found, T0, "notice.abandoned")
            raise RuntimeError("the use case fails after writing")
    assert len(claimed.ids[CHAT]) == 1
    await sendnow.deliver(bot.running.deliveries, claimed)
    assert len(bot.texts()) == 1 and await bot.store.pending() == []


async def test_a_chat_at_its_flood_limit_gets_it_from_the_engine_when_the_limit_lets(
    bot: Bot,
) -> None:
    now = [0.0]
    hourly = replace(bot.fake.capabilities, per_chat=(Rate(1, 3600),))  # one an hour
    bot.delivery.gate = Gate(hourly, clock=lambda: now[0])
    bot.delivery.gate.take(CHAT)  # this hour's message is spent
    claimed = await bot.report("网帖")
    await sendnow.deliver(bot.running.deliveries, claimed)
    assert bot.texts() == []  # not past the limit: left to the engine, still claimed by it
    assert [i.claimed_by for i in await bot.store.pending()] == [bot.delivery.owner]
    now[0] = 3600.0
    await bot.delivery.drain()
    assert len(bot.texts()) == 1 and await bot.store.pending() == []


async def test_a_chat_s_messages_go_at_once_while_another_chat_s_send_hangs(bot: Bot) -> None:
    await bot.report("第一群的网帖")  # left to the engine
    bot.fake.server.stalls[GROUP] = release = asyncio.Event()
    draining = asyncio.create_task(bot.delivery.drain())
    await bot.fake.server.stalled.wait()  # the engine's send to the first group hangs
    claimed = await bot.report("第二群的网帖", OTHER)
    await sendnow.deliver(bot.running.deliveries, claimed)
    assert len(bot.texts(OTHER_GROUP)) == 1 and bot.texts(GROUP) == []
    release.set()
    assert await draining
    await bot.delivery.drain()
    assert len(bot.texts(GROUP)) == 1 and len(bot.texts(OTHER_GROUP)) == 1


async def test_a_message_the_engine_claimed_that_went_at_once_is_not_sent_again(
    bot: Bot,
) -> None:
    await bot.report("第一群的网帖")  # left to the engine
    claimed = await bot.report("第二群的网帖", OTHER)  # committed, not yet sent at once
    bot.fake.server.stalls[GROUP] = release = asyncio.Event()
    draining = asyncio.create_task(bot.delivery.drain())  # claims both, sends the first's
    await bot.fake.server.stalled.wait()
    await sendnow.deliver(bot.running.deliveries, claimed)  # the second's goes at once
    assert len(bot.texts(OTHER_GROUP)) == 1
    release.set()
    assert await draining  # its pass reaches the second's message: already sent, skipped
    await bot.delivery.drain()
    await bot.other.drain()
    assert len(bot.texts(GROUP)) == 1 and len(bot.texts(OTHER_GROUP)) == 1
    assert await bot.store.pending() == []
