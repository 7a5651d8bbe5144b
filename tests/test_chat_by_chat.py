"""Updates of different chats side by side, each chat's in order (bot/telegram/updates.py).

First the processor alone, fed updates the way PTB feeds it (a task per update, started in
order); then the real bot on the fake Bot API: a group whose answer Telegram is slow to take
does not hold up a report in another group.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from e2e_support import CLERK, EYE, GROUP, PLANS, people, running
from fakeapi import FakeBotAPI
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Chat, Message, Update

from bot.telegram.updates import ChatByChat

OTHER = -100888  # the second group of tests/plans/two-groups.yaml


def update(number: int, chat: int) -> Update:
    """A text message in ``chat``, numbered ``number``."""
    when = datetime(2026, 11, 30, tzinfo=UTC)
    message = Message(number, when, Chat(chat, Chat.SUPERGROUP), text=f"#{number}")
    return Update(number, message=message)


async def feed(processor: ChatByChat, work: list[tuple[int, float]]) -> list[tuple[str, int, int]]:
    """Each (chat, seconds) as an update, handed over as PTB does; what started and ended when."""
    log: list[tuple[str, int, int]] = []

    async def handle(number: int, chat: int, seconds: float) -> None:
        log.append(("start", chat, number))
        await asyncio.sleep(seconds)
        log.append(("end", chat, number))

    tasks = [
        asyncio.create_task(processor.process_update(update(i, chat), handle(i, chat, seconds)))
        for i, (chat, seconds) in enumerate(work)
    ]
    await asyncio.gather(*tasks)
    return log


@settings(max_examples=60, deadline=None)
@given(
    work=st.lists(st.tuples(st.sampled_from([1, 2, 3]), st.sampled_from([0, 0.001, 0.003]))),
    at_once=st.integers(1, 4),
)
async def test_each_chat_s_updates_run_one_at_a_time_in_order(
    work: list[tuple[int, float]], at_once: int
) -> None:
    processor = ChatByChat(at_once)
    log = await feed(processor, work)
    for chat in {chat for chat, _ in work}:
        mine = [(what, number) for what, c, number in log if c == chat]
        numbers = [i for i, (c, _) in enumerate(work) if c == chat]
        assert mine == [(what, n) for n in numbers for what in ("start", "end")]
    assert len(processor._turns) == 0  # nothing kept for chats that went quiet


async def test_a_chat_waiting_on_telegram_does_not_hold_up_another() -> None:
    processor = ChatByChat()
    slow_done, fast_done = asyncio.Event(), asyncio.Event()
    release = asyncio.Event()

    async def slow() -> None:
        await release.wait()
        slow_done.set()

    async def fast() -> None:
        fast_done.set()

    first = asyncio.create_task(processor.process_update(update(1, 1), slow()))
    second = asyncio.create_task(processor.process_update(update(2, 1), fast()))
    other = asyncio.create_task(processor.process_update(update(3, 2), fast()))
    await asyncio.wait_for(other, 5)  # chat 2 went by while chat 1 waits
    assert not slow_done.is_set() and not second.done()  # chat 1's next waits its turn
    release.set()
    await asyncio.wait_for(asyncio.gather(first, second), 5)
    assert slow_done.is_set() and fast_done.is_set()


async def test_an_update_that_fails_frees_its_chat_for_the_next() -> None:
    processor = ChatByChat()
    ran: list[int] = []

    async def fails() -> None:
        raise RuntimeError("a bug in a handler")

    async def runs(number: int) -> None:
        ran.append(number)

    tasks = [
        asyncio.create_task(processor.process_update(update(1, 1), fails())),
        asyncio.create_task(processor.process_update(update(2, 1), runs(2))),
        asyncio.create_task(processor.process_update(update(3, 2), runs(3))),
    ]
    outcomes = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5)
    assert isinstance(outcomes[0], RuntimeError) and sorted(ran) == [2, 3]
    assert len(processor._turns) == 0


async def test_a_report_in_one_group_is_asked_while_another_group_waits_for_a_file(
    tmp_path: Path,
) -> None:
    async with FakeBotAPI() as tg:
        people(tg)
        tg.group(OTHER, "第二工作群")
        async with running(tg, tmp_path / "y.db", PLANS / "two-groups.yaml"):
            tg.send_message(GROUP, EYE, "/report 第一个群的网帖")
            await tg.wait_for(lambda m: "定级问题 1/2" in m.text, chat_id=GROUP)
            tg.delay("sendDocument", 3.0)  # Telegram slow to take the export
            tg.send_message(GROUP, CLERK, "/export 1")
            await asyncio.sleep(0.3)  # the export is under way, waiting on Telegram
            tg.send_message(OTHER, EYE, "/report 第二个群的网帖")
            await tg.wait_for(lambda m: "定级问题 1/2" in m.text, chat_id=OTHER, timeout=2)
            assert not [m for m in tg.sent(GROUP) if m.file is not None]  # still sending
            tg.delay("sendDocument", 0)
            await tg.wait_for(lambda m: m.file is not None, chat_id=GROUP, timeout=10)
