"""The group robot client against the fake robot endpoint over real HTTP."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from fakewecom import FakeWeCom
from wecom_support import GROUP

from bot.wecom.errors import BadRobotKey, NoRobot, RateLimited, Rejected, Unreachable
from bot.wecom.robot import MARKDOWN_LIMIT, TEXT_LIMIT, Robot, truncate

KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"


@pytest.fixture
async def wecom() -> AsyncIterator[FakeWeCom]:
    async with FakeWeCom(robots=(KEY,)) as fake:
        yield fake


@pytest.fixture
async def robot(wecom: FakeWeCom) -> AsyncIterator[Robot]:
    async with Robot({GROUP: KEY, "wrOTHER": "not-a-key"}, wecom.webhook_url) as client:
        yield client


async def test_a_text_mentions_people_by_userid(wecom: FakeWeCom, robot: Robot) -> None:
    await robot.text(GROUP, "请尽快处置网传事件", ["zhangsan", "lisi"])
    await robot.text(GROUP, "提醒")
    await robot.markdown(GROUP, "**提醒** <@lisi>")
    sent = wecom.robot_messages(KEY)
    assert [(m.msgtype, m.content, m.mentioned_list) for m in sent] == [
        ("text", "请尽快处置网传事件", ("zhangsan", "lisi")),
        ("text", "提醒", ()),
        ("markdown", "**提醒** <@lisi>", ()),
    ]
    assert robot.covers(GROUP) and not robot.covers("wrNONE")


async def test_over_the_limit_is_a_rate_limit(wecom: FakeWeCom, robot: Robot) -> None:
    wecom.robot_fail(45009, times=1)
    with pytest.raises(RateLimited) as limited:
        await robot.text(GROUP, "提醒", ["lisi"])
    assert limited.value.code == 45009
    await robot.text(GROUP, "提醒", ["lisi"])  # the caller backs off and tries again
    assert len(wecom.robot_messages(KEY)) == 1


async def test_a_bad_key_names_the_group_never_the_key(
    robot: Robot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(BadRobotKey) as bad:
        await robot.text("wrOTHER", "提醒")
    assert bad.value.code == 93000 and bad.value.chatid == "wrOTHER"
    assert "wrOTHER" in str(bad.value) and "not-a-key" not in str(bad.value)
    assert "not-a-key" not in caplog.text
    assert "key=***" in caplog.text  # httpx's request line was there, redacted


async def test_a_chat_without_a_robot(robot: Robot) -> None:
    with pytest.raises(NoRobot, match="wrNONE"):
        await robot.text("wrNONE", "提醒")


async def test_an_unreachable_robot_is_not_a_refusal() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with Robot({GROUP: KEY}, f"http://127.0.0.1:{port}/cgi-bin/webhook/send") as robot:
        with pytest.raises(Unreachable) as down:
            await robot.text(GROUP, "提醒")
    assert not isinstance(down.value, Rejected) and KEY not in str(down.value)


async def test_a_server_error_is_unreachable_and_a_refusal_is_rejected(wecom: FakeWeCom) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if b"boom" in request.content:
            return httpx.Response(502, text="<html>Bad Gateway</html>")
        return httpx.Response(200, json={"errcode": 40008, "errmsg": "invalid message type"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with http, Robot({GROUP: KEY}, "http://robot.invalid/send", http=http) as robot:
        with pytest.raises(Unreachable, match="502"):
            await robot.text(GROUP, "boom")
        with pytest.raises(Rejected) as refused:
            await robot.text(GROUP, "fine")
    assert refused.value.code == 40008 and not isinstance(refused.value, RateLimited)


async def test_long_texts_are_truncated_to_the_byte_limits(wecom: FakeWeCom, robot: Robot) -> None:
    await robot.text(GROUP, "舆" * 1000, ["lisi"])  # 3000 bytes
    await robot.markdown(GROUP, "情" * 2000)  # 6000 bytes
    text, markdown = wecom.robot_messages(KEY)  # the fake refuses anything over the limits
    assert len(text.content.encode()) <= TEXT_LIMIT and text.content.endswith("舆…")
    assert len(markdown.content.encode()) <= MARKDOWN_LIMIT and markdown.content.endswith("…")
    assert text.mentioned_list == ("lisi",)


def test_truncate_cuts_at_a_character_boundary() -> None:
    assert truncate("短", 10) == "短"
    assert truncate("abcdef", 6) == "abcdef"
    assert truncate("abcdefg", 6) == "abc…"
    assert truncate("舆情舆情", 10) == "舆情…"  # 6 + 3 bytes; a third 舆 would not fit
    assert truncate("舆情舆情", 8) == "舆…"
