"""Our WeCom client against the fake WeCom, with short intervals: what the wire tests share."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fakewecom import FakeWeCom

from bot.wecom.client import Timing, WeComClient
from bot.wecom.frames import Inbound

GROUP = "wrGROUP1"
FAST = Timing(
    ping_interval=0.1,
    missed_pings=2,
    ack_timeout=2.0,
    open_timeout=2.0,
    first_retry=0.05,
    max_retry=0.2,
)
REQ_ID = re.compile(r"(?P<cmd>[a-z_]+)_\d{13}_[0-9a-f]{8}")


class Inbox:
    """The client's handler: keeps what arrives, and can be told to fail or to answer."""

    def __init__(self) -> None:
        self.items: asyncio.Queue[Inbound] = asyncio.Queue()
        self.fail_on: set[str] = set()  # texts whose message makes the handler raise

    async def __call__(self, item: Inbound) -> None:
        if getattr(item, "text", None) in self.fail_on:
            raise RuntimeError("handler bug")
        await self.items.put(item)

    async def next(self, timeout: float = 10.0) -> Inbound:
        return await asyncio.wait_for(self.items.get(), timeout)


def card(task_id: str, *buttons: str, title: str = "舆情分级") -> dict[str, object]:
    """A button_interaction card with one button per text (key = "k:" + text)."""
    return {
        "card_type": "button_interaction",
        "main_title": {"title": title},
        "task_id": task_id,
        "button_list": [{"text": b, "style": 1, "key": f"k:{b}"} for b in buttons],
    }


@asynccontextmanager
async def connected(
    wecom: FakeWeCom, inbox: Inbox | None = None, timing: Timing = FAST, secret: str | None = None
) -> AsyncIterator[WeComClient]:
    """A started client on the fake (stopped at the end)."""
    client = WeComClient(
        wecom.bot_id, secret or wecom.secret, inbox or Inbox(), url=wecom.ws_url, timing=timing
    )
    await client.start()
    try:
        yield client
    finally:
        await client.stop()
