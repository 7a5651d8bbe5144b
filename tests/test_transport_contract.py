"""The Transport port's contract, run against every implementation: Telegram, the drill, the fake.

What the delivery engine relies on: a send returns the ref of a message the chat shows, an edit
keeps that ref and changes what is shown (the same text again is no error), a document longer
than one message arrives whole, and the port's errors mean what they say.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fake_messenger import FakeMessenger
from fakeapi import FakeBotAPI
from telegram import Bot

from bot.domain.plan import Person
from bot.drill.transport import Terminal
from bot.render.doc import Button, Doc
from bot.service.transport import ChatGone, Outgoing, RetryLater, Transport
from bot.store import OutboxItem
from bot.telegram.transport import TelegramTransport

GROUP = -100777
PEOPLE = {"boss": Person(name="王组长", telegram=1001, feishu="ou_boss")}


@dataclass
class Harness:
    """One transport with a chat to talk to and ways to look and to break things."""

    transport: Transport
    chat: str
    shown: Callable[[str], str]  # ref -> the text the chat shows in that message now
    lose_chat: Callable[[], None] | None = None  # the bot is removed from the chat
    busy: Callable[[], None] | None = None  # the next call is answered "slow down"


def outgoing(h: Harness, doc: Doc, kind: str = "card") -> Outgoing:
    """A message of ``kind`` for the harness's chat."""
    now = datetime.now(UTC)
    item = OutboxItem(1, f"{h.transport.name}:{h.chat}", kind, {}, now, 1)
    return Outgoing(h.chat, doc, PEOPLE, item)


def doc(*lines: str) -> Doc:
    """A document with these lines and one button."""
    made = Doc()
    for line in lines:
        made.line(line)
    return made.row(Button("确认", "y1:c:1:"))


class TransportContract:
    """Every Transport passes these."""

    @pytest.fixture
    async def h(self) -> AsyncIterator[Harness]:
        raise NotImplementedError
        yield

    async def test_a_send_returns_the_ref_of_the_message_shown(self, h: Harness) -> None:
        ref = await h.transport.send(outgoing(h, doc("#1 一般舆情", "待确认")))
        assert ref is not None
        assert "待确认" in h.shown(ref)

    async def test_an_edit_keeps_the_ref_and_changes_the_message(self, h: Harness) -> None:
        ref = await h.transport.send(outgoing(h, doc("#1 一般舆情", "待确认")))
        assert ref is not None
        assert await h.transport.edit(ref, outgoing(h, doc("#1 一般舆情", "已确认"))) == ref
        assert "已确认" in h.shown(ref)
        assert await h.transport.edit(ref, outgoing(h, doc("#1 一般舆情", "已确认"))) == ref

    async def test_a_document_over_the_limit_arrives_whole(self, h: Harness) -> None:
        limit = h.transport.capabilities.text_limit
        lines = [f"第{n}行 " + "长" * 50 for n in range(limit // 50 + 5)]
        ref = await h.transport.send(outgoing(h, doc(*lines)))
        assert ref is not None and lines[-1] in h.shown(ref)  # the buttons' part ends it

    async def test_a_chat_the_bot_left_raises_chat_gone(self, h: Harness) -> None:
        if h.lose_chat is None:
            pytest.skip(f"{h.transport.name} never loses its chat")
        h.lose_chat()
        with pytest.raises(ChatGone):
            await h.transport.send(outgoing(h, doc("提醒")))

    async def test_slow_down_raises_retry_later(self, h: Harness) -> None:
        if h.busy is None:
            pytest.skip(f"{h.transport.name} has no rate limit")
        h.busy()
        with pytest.raises(RetryLater):
            await h.transport.send(outgoing(h, doc("提醒")))

    async def test_capabilities_are_declared(self, h: Harness) -> None:
        caps = h.transport.capabilities
        assert caps.text_limit > 0 and h.transport.name.isidentifier()
        assert caps.edits or caps.edit_window is None


class TestTelegram(TransportContract):
    """The Bot API client, against the fake Bot API over HTTP."""

    @pytest.fixture
    async def h(self, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
        monkeypatch.setenv("PTB_TIMEDELTA", "1")  # as the bot runs (see bot.telegram.app)
        async with FakeBotAPI() as tg, Bot(tg.token, base_url=tg.base_url) as bot:
            tg.group(GROUP, "舆情工作群")

            def shown(ref: str) -> str:
                return str(tg.message(GROUP, int(ref)).text)

            yield Harness(
                TelegramTransport(bot),
                str(GROUP),
                shown,
                lose_chat=lambda: tg.kick_bot(GROUP),
                busy=lambda: tg.fail_next("sendMessage", status=429, retry_after=1),
            )


class TestDrillTerminal(TransportContract):
    """The drill's terminal."""

    @pytest.fixture
    async def h(self) -> AsyncIterator[Harness]:
        printed: dict[int, str] = {}
        terminal = Terminal(lambda out, text: printed.__setitem__(len(printed), text))

        def shown(ref: str) -> str:
            return printed[len(printed) - 1]  # an edit prints what the message shows now

        yield Harness(terminal, "drill-plan", shown)


class TestFakeMessenger(TransportContract):
    """The test-only fake messenger of tests/fake_messenger.py."""

    @pytest.fixture
    async def h(self) -> AsyncIterator[Harness]:
        fake = FakeMessenger()
        fake.server.chats.add("oc_group")

        def busy() -> Any:
            fake.server.busy = 1

        def shown(ref: str) -> str:
            return fake.server.messages[ref].text

        yield Harness(fake, "oc_group", shown, lambda: fake.server.chats.clear(), busy)
