"""The FileSource port's contract, run against every messenger that can give files.

What the archivist relies on: a fetch returns the file's bytes, a file over the limit raises
TooBig, a file the messenger will not give raises Refused, and an outage raises RetryLater.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from fakeapi import FakeBotAPI
from fakewecom import FakeWeCom
from telegram import Bot

from bot.service.files import FileSource, TooBig
from bot.service.transport import Refused, RetryLater
from bot.telegram.transport import TelegramTransport
from bot.wecom.client import WeComClient
from bot.wecom.media import Media
from bot.wecom.robot import Robot
from bot.wecom.transport import WecomTransport

CONTENT = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4


@dataclass
class Harness:
    """One file source with a file in it, and ways to break it."""

    source: FileSource
    ref: str  # the id of a file holding CONTENT
    gone: str  # the id of a file the messenger no longer has
    outage: Callable[[], None]  # the next fetch finds the messenger unreachable


class FileSourceContract:
    """Every FileSource passes these."""

    @pytest.fixture
    async def h(self) -> AsyncIterator[Harness]:
        raise NotImplementedError
        yield

    async def test_a_fetch_returns_the_file(self, h: Harness) -> None:
        assert isinstance(h.source, FileSource)
        assert await h.source.fetch(h.ref, len(CONTENT)) == CONTENT

    async def test_a_file_over_the_limit_is_too_big(self, h: Harness) -> None:
        with pytest.raises(TooBig) as caught:
            await h.source.fetch(h.ref, len(CONTENT) - 1)
        assert caught.value.size in (None, len(CONTENT))

    async def test_a_file_gone_is_refused(self, h: Harness) -> None:
        with pytest.raises(Refused):
            await h.source.fetch(h.gone, len(CONTENT))

    async def test_an_outage_is_retry_later_and_the_next_fetch_works(self, h: Harness) -> None:
        h.outage()
        with pytest.raises(RetryLater):
            await h.source.fetch(h.ref, len(CONTENT))
        assert await h.source.fetch(h.ref, len(CONTENT)) == CONTENT


class TestTelegram(FileSourceContract):
    """getFile and the file URL, against the fake Bot API over HTTP."""

    @pytest.fixture
    async def h(self, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
        monkeypatch.setenv("PTB_TIMEDELTA", "1")  # as the bot runs (see bot.telegram.app)
        async with FakeBotAPI() as tg:
            base_file_url = tg.base_url.replace("/bot", "/file/bot")
            async with Bot(tg.token, base_url=tg.base_url, base_file_url=base_file_url) as bot:
                tg.group(-100777, "舆情工作群")
                tg.user(1003, "小张")
                sent = tg.send_message(-100777, 1003, document=("post.jpg", CONTENT))
                yield Harness(
                    TelegramTransport(bot),
                    sent["document"]["file_id"],
                    "no-such-file",
                    lambda: tg.fail_next("download", status=502),
                )


class TestWecom(FileSourceContract):
    """An image's URL and key, downloaded from the fake WeCom over HTTP and decrypted."""

    @pytest.fixture
    async def h(self) -> AsyncIterator[Harness]:
        async with FakeWeCom() as wecom, Robot({}, wecom.webhook_url) as robot:
            transport = WecomTransport(WeComClient(wecom.bot_id, wecom.secret), robot)
            gone = Media("photo", **wecom.offer(CONTENT, ttl=0.0)).ref  # past its minutes
            try:
                yield Harness(
                    transport,
                    Media("photo", **wecom.offer(CONTENT)).ref,
                    gone,
                    lambda: wecom.media_fail(502),
                )
            finally:
                await transport.files.aclose()
