"""Our WeCom client under the faults the official SDKs do not survive (research §A.5)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator

import pytest
from fakewecom import FakeWeCom
from wecom_support import FAST, GROUP, Inbox, connected

from bot.wecom import frames
from bot.wecom.client import State, WeComClient
from bot.wecom.errors import Kicked, Unreachable
from bot.wecom.frames import Message

DELAY = re.compile(r"reconnecting in ([\d.]+) s")


@pytest.fixture
async def wecom() -> AsyncIterator[FakeWeCom]:
    async with FakeWeCom() as fake:
        yield fake


def delays(caplog: pytest.LogCaptureFixture) -> list[float]:
    """The reconnect delays the client announced, in order."""
    found = (DELAY.search(r.getMessage()) for r in caplog.records if r.name == "bot.wecom.client")
    return [float(m[1]) for m in found if m]


async def pings_on_latest(wecom: FakeWeCom, count: int) -> None:
    """Wait until the newest connection carried ``count`` pings: one of them was answered."""
    await wecom.wait_for(
        lambda: len([p for p in wecom.sent("ping") if p.conn == wecom.connections]) >= count,
        what=f"{count} pings on connection {wecom.connections}",
    )


@pytest.mark.parametrize("code", [1000, 1001, 1011])
async def test_any_server_close_is_followed_by_a_resubscribe(
    wecom: FakeWeCom, code: int, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = Inbox()
    async with connected(wecom, inbox) as client:
        await pings_on_latest(wecom, 3)  # a healthy connection: the first retry comes quickly
        await wecom.close(code)
        await wecom.wait_subscribes(2)
        await client.wait_state(State.ONLINE, timeout=10)
        assert client.subscribes == 2 and wecom.connections == 2
        await wecom.say(GROUP, "zhangsan", "after the close")
        assert isinstance(await inbox.next(), Message)
    lost = [r.getMessage() for r in caplog.records if "connection lost" in r.getMessage()]
    assert len(lost) == 1 and f"closed by the server: {code}" in lost[0]
    assert delays(caplog) == [FAST.first_retry]


async def test_a_dropped_network_connection_is_followed_by_a_resubscribe(
    wecom: FakeWeCom,
) -> None:
    async with connected(wecom) as client:
        wecom.drop()
        await wecom.wait_subscribes(2)
        await client.wait_state(State.ONLINE, timeout=10)


async def test_silent_heartbeats_kill_the_connection_and_it_comes_back(
    wecom: FakeWeCom, caplog: pytest.LogCaptureFixture
) -> None:
    async with connected(wecom) as client:
        wecom.silence_pings()
        await wecom.wait_subscribes(2)
        wecom.silence_pings(False)
        await client.wait_state(State.ONLINE, timeout=10)
        first = [p for p in wecom.sent("ping") if p.conn == 1]
        assert len(first) == FAST.missed_pings  # then the client gave up on that connection
    lost = [r.getMessage() for r in caplog.records if "connection lost" in r.getMessage()]
    assert lost and f"no answer to {FAST.missed_pings} pings" in lost[0]


async def test_the_backoff_doubles_up_to_its_cap_and_resets_after_a_healthy_connection(
    wecom: FakeWeCom, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "bot.wecom")
    wecom.close_after_subscribe(1000, times=None)  # every connection dies at once
    async with connected(wecom) as client:
        await wecom.wait_subscribes(6)
        flapping = delays(caplog)
        assert flapping[:3] == [FAST.first_retry, 2 * FAST.first_retry, 4 * FAST.first_retry]
        assert max(flapping) == FAST.max_retry and all(d <= FAST.max_retry for d in flapping)
        wecom.close_after_subscribe(times=0)
        await client.wait_state(State.ONLINE, timeout=10)
        await pings_on_latest(wecom, 3)
        before = len(delays(caplog))
        await wecom.close(1001)
        await wecom.wait_for(lambda: len(delays(caplog)) > before, what="the next delay")
        assert delays(caplog)[before] == FAST.first_retry


async def test_kicked_stops_for_good_with_one_line(
    wecom: FakeWeCom, caplog: pytest.LogCaptureFixture
) -> None:
    async with connected(wecom) as client:
        await wecom.kick()
        assert await asyncio.wait_for(client.wait_done(), 10) is State.KICKED
        assert client.kicked and client.subscribes == 1 and wecom.subscribes == 1
        with pytest.raises(Kicked):
            await client.send(GROUP, frames.markdown("m"))
    lines = [r for r in caplog.records if r.name.startswith("bot.wecom")]
    assert [r.levelno for r in lines] == [logging.WARNING]
    assert "another instance" in lines[0].getMessage()


async def test_a_second_instance_takes_over_and_the_first_stays_down(wecom: FakeWeCom) -> None:
    inbox = Inbox()
    async with connected(wecom) as first, connected(wecom, inbox) as second:
        assert await asyncio.wait_for(first.wait_done(), 10) is State.KICKED
        assert second.state is State.ONLINE
        await wecom.say(GROUP, "zhangsan", "hi")
        assert isinstance(await inbox.next(), Message)
        assert wecom.subscribes == 2


async def test_a_request_in_flight_fails_when_the_connection_drops(wecom: FakeWeCom) -> None:
    async with connected(wecom) as client:
        await wecom.say(GROUP, "zhangsan", "hi")
        wecom.slow_acks(30, "aibot_send_msg")
        sending = asyncio.create_task(client.send(GROUP, frames.markdown("m")))
        await wecom.wait_frame("aibot_send_msg")
        await wecom.close(1011)
        with pytest.raises(Unreachable) as lost:
            await sending
        assert lost.value.timed_out and not isinstance(lost.value, Kicked)
        wecom.slow_acks(0, "aibot_send_msg")
        await client.wait_state(State.ONLINE, timeout=10)
        assert (await client.send(GROUP, frames.markdown("again"))).errcode == 0


async def test_a_request_in_flight_fails_as_kicked(wecom: FakeWeCom) -> None:
    async with connected(wecom) as client:
        await wecom.say(GROUP, "zhangsan", "hi")
        wecom.slow_acks(30, "aibot_send_msg")
        sending = asyncio.create_task(client.send(GROUP, frames.markdown("m")))
        await wecom.wait_frame("aibot_send_msg")
        await wecom.kick()
        with pytest.raises(Kicked):
            await sending


async def test_stop_closes_cleanly_and_does_not_reconnect(wecom: FakeWeCom) -> None:
    client = WeComClient(wecom.bot_id, wecom.secret, url=wecom.ws_url, timing=FAST)
    await client.start()
    await client.stop()
    assert await client.wait_done() is State.STOPPED
    await wecom.wait_offline()
    assert wecom.connections == 1 and wecom.subscribes == 1


async def test_stop_between_two_connections_ends_it_quietly() -> None:
    async with FakeWeCom() as wecom:
        url = wecom.ws_url
    client = WeComClient("BOT1", "SECRET1", url=url, timing=FAST)  # nobody listens there now
    await client.start(must_connect=False)
    waiting = asyncio.create_task(client.wait_done())
    await client.stop()
    assert await waiting is State.STOPPED and await client.wait_done() is State.STOPPED
