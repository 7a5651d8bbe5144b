"""Our WeCom client against the fake over real sockets: subscribe, heartbeat, requests, inbound."""

from __future__ import annotations

import dataclasses
import logging
import socket
from collections.abc import AsyncIterator

import pytest
from fakewecom import FakeWeCom
from wecom_support import FAST, GROUP, REQ_ID, Inbox, card, connected

from bot.wecom import frames
from bot.wecom.client import State, WeComClient
from bot.wecom.errors import Kicked, RateLimited, Rejected, SubscribeRejected, Unreachable
from bot.wecom.frames import CardClick, Message


@pytest.fixture
async def wecom() -> AsyncIterator[FakeWeCom]:
    async with FakeWeCom(bot_id="BOT1", secret="S3CR3T-xyz") as fake:
        yield fake


async def test_it_subscribes_with_the_bots_credentials(wecom: FakeWeCom) -> None:
    async with connected(wecom) as client:
        assert client.state is State.ONLINE and client.subscribes == 1
        subscribe = wecom.sent("aibot_subscribe")[0]
        assert subscribe.body == {"bot_id": "BOT1", "secret": "S3CR3T-xyz"}
        match = REQ_ID.fullmatch(subscribe.req_id)
        assert match is not None and match["cmd"] == "aibot_subscribe"
        assert "S3CR3T" not in repr(client)


async def test_a_rejected_subscribe_raises_once_and_never_retries(
    wecom: FakeWeCom, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = WeComClient("BOT1", "wrong-secret", url=wecom.ws_url, timing=FAST)
    with pytest.raises(SubscribeRejected) as refused:
        await client.start()
    assert refused.value.code == frames.ERR_BAD_CREDENTIALS
    assert client.state is State.REJECTED
    assert await client.wait_done() is State.REJECTED  # nothing runs that could retry
    assert len(wecom.sent("aibot_subscribe")) == 1 and wecom.subscribes == 0
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("websockets.server")]
    assert "wrong-secret" not in str(refused.value) and "wrong-secret" not in "".join(ours)
    assert any("websockets" in r.name for r in caplog.records)  # debug logs were on


async def test_a_subscribe_refused_on_a_reconnect_ends_the_client(wecom: FakeWeCom) -> None:
    async with connected(wecom) as client:
        wecom.reject_subscribes()
        await wecom.close(1001)
        with pytest.raises(SubscribeRejected):
            await client.wait_done()
        assert client.state is State.REJECTED


async def test_it_pings_and_the_acks_keep_one_connection(wecom: FakeWeCom) -> None:
    async with connected(wecom) as client:
        await wecom.wait_for(lambda: len(wecom.sent("ping")) >= 4, what="4 pings")
        pings = wecom.sent("ping")
        assert {p.conn for p in pings} == {1} and wecom.connections == 1
        assert all(REQ_ID.fullmatch(p.req_id) for p in pings)
        assert len({p.req_id for p in pings}) == len(pings)
        assert client.state is State.ONLINE and client.subscribes == 1


async def test_a_message_is_answered_and_a_click_updates_the_card(wecom: FakeWeCom) -> None:
    inbox = Inbox()
    async with connected(wecom, inbox) as client:
        req = await wecom.say(GROUP, "zhangsan", "/report 网传某校食堂事件")
        message = await inbox.next()
        assert isinstance(message, Message)
        assert (message.req_id, message.chatid, message.userid) == (req, GROUP, "zhangsan")
        assert message.text == "@机器人 /report 网传某校食堂事件"
        ack = await client.respond(message.req_id, frames.card(card("inc1_s1", "一般", "较大")))
        assert ack.errcode == 0 and ack.req_id == req
        await wecom.press("inc1_s1", "较大", "lisi")
        click = await inbox.next()
        assert isinstance(click, CardClick)
        assert (click.task_id, click.event_key, click.userid) == ("inc1_s1", "k:较大", "lisi")
        await client.update(click.req_id, card("inc1_s1", "确认", title="已定级：较大"))
        assert wecom.card_state("inc1_s1").title() == "已定级：较大"
        await wecom.click("inc1_s1", "k:确认", "lisi", flat=True)  # the SDK docs' shape
        flat = await inbox.next()
        assert isinstance(flat, CardClick) and flat.event_key == "k:确认"
        await client.send(GROUP, frames.markdown("**提醒**：请在 1 小时内审批"))
        assert [p.content for p in wecom.pushes(GROUP)] == ["**提醒**：请在 1 小时内审批"]


async def test_errcodes_become_errors_and_rate_limits_are_told_apart(wecom: FakeWeCom) -> None:
    inbox = Inbox()
    async with connected(wecom, inbox) as client:
        await wecom.say(GROUP, "zhangsan", "hi")
        message = await inbox.next()
        wecom.fail_sends(frames.ERR_RATE_LIMITED)
        with pytest.raises(RateLimited) as limited:
            await client.send(GROUP, frames.markdown("m"))
        assert limited.value.code == 846607
        wecom.fail_sends(frames.ERR_INVALID_REQ_ID)
        with pytest.raises(Rejected) as refused:
            await client.send(GROUP, frames.markdown("m"))
        assert not isinstance(refused.value, RateLimited) and refused.value.code == 846605
        await client.respond(message.req_id, frames.markdown("好的"))
        with pytest.raises(Rejected) as twice:
            await client.respond(message.req_id, frames.markdown("again"))
        assert twice.value.code == frames.ERR_ALREADY_RESPONDED
        await client.send(GROUP, frames.markdown("m"))  # the connection is still fine


async def test_a_request_without_an_ack_times_out(wecom: FakeWeCom) -> None:
    timing = dataclasses.replace(FAST, ack_timeout=0.2)
    async with connected(wecom, timing=timing) as client:
        await wecom.say(GROUP, "zhangsan", "hi")
        wecom.slow_acks(30, "aibot_send_msg")
        with pytest.raises(Unreachable) as late:
            await client.send(GROUP, frames.markdown("m"))
        assert late.value.timed_out and not isinstance(late.value, Rejected)
        assert len(wecom.pushes(GROUP)) == 1  # it did arrive: the caller must expect that


async def test_a_handler_that_raises_and_a_bad_frame_leave_the_connection_up(
    wecom: FakeWeCom, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = Inbox()
    inbox.fail_on.add("@机器人 boom")
    async with connected(wecom, inbox) as client:
        failing = await wecom.say(GROUP, "zhangsan", "boom")
        await wecom.push_raw("{not json")
        await wecom.push_raw('{"cmd":"aibot_msg_callback","headers":{}}')
        await wecom.push_raw(  # a message without its sender: what it says is not logged at INFO
            '{"cmd":"aibot_msg_callback","headers":{"req_id":"R9"},'
            '"body":{"msgtype":"text","text":{"content":"某领导的名字"}}}'
        )
        await wecom.say(GROUP, "zhangsan", "after")
        assert isinstance(after := await inbox.next(), Message) and after.text.endswith("after")
        assert client.subscribes == 1 and client.state is State.ONLINE
    failed = [r for r in caplog.records if failing in r.getMessage()]
    assert failed and failed[0].exc_info is not None and GROUP in failed[0].getMessage()
    assert len([r for r in caplog.records if "frame set aside" in r.getMessage()]) == 3
    shown = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert not [line for line in shown if "某领导的名字" in line]


async def test_a_request_while_offline_fails_at_once(wecom: FakeWeCom) -> None:
    client = WeComClient("BOT1", "S3CR3T-xyz", url=wecom.ws_url, timing=FAST)
    with pytest.raises(Unreachable):
        await client.send(GROUP, frames.markdown("m"))
    await client.start()
    await client.stop()
    assert client.state is State.STOPPED
    with pytest.raises(Unreachable) as stopped:
        await client.send(GROUP, frames.markdown("m"))
    assert not isinstance(stopped.value, Kicked)


async def test_an_unreachable_server_at_start(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"ws://127.0.0.1:{port}"
    with pytest.raises(Unreachable):
        await WeComClient("BOT1", "S", url=url, timing=FAST).start()
    client = WeComClient("BOT1", "S", url=url, timing=FAST)
    await client.start(must_connect=False)  # keeps trying in the background
    assert client.state is State.OFFLINE
    async with FakeWeCom(bot_id="BOT1", secret="S", port=port) as wecom:
        await client.wait_state(State.ONLINE, timeout=10)
        assert wecom.subscribes == 1
        await client.stop()
    assert any("connection back" in r.getMessage() for r in caplog.records)


def test_a_url_that_is_no_websocket_url_is_refused_early() -> None:
    with pytest.raises(ValueError, match="ws://"):
        WeComClient("BOT1", "S", url="https://openws.work.weixin.qq.com")
