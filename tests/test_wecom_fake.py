"""The fake WeCom itself, driven by a raw WebSocket and raw HTTP: it checks what WeCom checks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fakewecom import (
    ALREADY_RESPONDED,
    BAD_CREDENTIALS,
    EMPTY_CONTENT,
    INVALID_CHATID,
    INVALID_MSGTYPE,
    INVALID_PARAMETER,
    INVALID_REQ_ID,
    RATE_LIMITED,
    ROBOT_BAD_KEY,
    ROBOT_RATE_LIMITED,
    FakeWeCom,
)
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

JSON = dict[str, Any]
GROUP = "wrGROUP1"


def card(task_id: str, *buttons: str, title: str = "舆情分级") -> JSON:
    """A button_interaction card with one button per text (key = "k:" + text)."""
    return {
        "card_type": "button_interaction",
        "main_title": {"title": title},
        "task_id": task_id,
        "button_list": [{"text": b, "style": 1, "key": f"k:{b}"} for b in buttons],
    }


class Raw:
    """A bare WebSocket speaking frames, to drive the fake without our client."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.seq = 0

    async def request(self, cmd: str, body: JSON | None = None, req_id: str = "") -> JSON:
        self.seq += 1
        req_id = req_id or f"{cmd}_{self.seq}_0000abcd"
        frame: JSON = {"cmd": cmd, "headers": {"req_id": req_id}}
        if body is not None:
            frame["body"] = body
        await self.ws.send(json.dumps(frame, ensure_ascii=False))
        return await self.next(lambda f: "cmd" not in f and f["headers"]["req_id"] == req_id)

    async def next(self, where: Any = lambda f: True) -> JSON:
        async with asyncio.timeout(10):
            while True:
                frame: JSON = json.loads(await self.ws.recv())
                if where(frame):
                    return frame

    async def subscribe(self, bot_id: str = "BOT1", secret: str = "SECRET1") -> JSON:
        return await self.request("aibot_subscribe", {"bot_id": bot_id, "secret": secret})


@pytest.fixture
async def wecom() -> AsyncIterator[FakeWeCom]:
    async with FakeWeCom(robots=("KEY1",), update_window=5.0) as fake:
        yield fake


@pytest.fixture
async def raw(wecom: FakeWeCom) -> AsyncIterator[Raw]:
    async with connect(wecom.ws_url, ping_interval=None) as ws:
        bot = Raw(ws)
        assert (await bot.subscribe())["errcode"] == 0
        yield bot


async def test_subscribe_checks_the_credentials(wecom: FakeWeCom) -> None:
    async with connect(wecom.ws_url) as ws:
        bot = Raw(ws)
        assert (await bot.subscribe(secret="wrong"))["errcode"] == BAD_CREDENTIALS
        assert (await bot.request("aibot_send_msg", {"chatid": GROUP}))["errcode"] != 0
        ack = await bot.subscribe()
        assert ack["errcode"] == 0 and ack["errmsg"] == "ok"
        assert (await bot.request("ping"))["errcode"] == 0
    assert wecom.subscribes == 1
    assert [r.cmd for r in wecom.frames] == [
        "aibot_subscribe",
        "aibot_send_msg",
        "aibot_subscribe",
        "ping",
    ]


async def test_a_message_is_answered_once_with_a_card(wecom: FakeWeCom, raw: Raw) -> None:
    req = await wecom.say(GROUP, "zhangsan", "/report 网传某校食堂事件")
    pushed = await raw.next()
    assert pushed["cmd"] == "aibot_msg_callback" and pushed["headers"]["req_id"] == req
    body = pushed["body"]
    assert body["chatid"] == GROUP and body["chattype"] == "group"
    assert body["from"] == {"userid": "zhangsan"}
    assert body["text"]["content"] == "@机器人 /report 网传某校食堂事件"
    reply = {"msgtype": "template_card", "template_card": card("inc1_a", "一般", "较大")}
    assert (await raw.request("aibot_respond_msg", reply, req))["errcode"] == 0
    again = await raw.request("aibot_respond_msg", reply, req)
    assert again["errcode"] == ALREADY_RESPONDED
    assert wecom.card("inc1_a")["button_list"][1]["text"] == "较大"
    assert [p.chat for p in wecom.replies()] == [GROUP]
    assert (await wecom.wait_reply(req)).cmd == "aibot_respond_msg"


async def test_a_click_updates_its_card_within_the_window(wecom: FakeWeCom, raw: Raw) -> None:
    req = await wecom.say(GROUP, "zhangsan", "/report x")
    reply = {"msgtype": "template_card", "template_card": card("inc2_a", "一般", "较大")}
    await raw.request("aibot_respond_msg", reply, req)
    click = await wecom.press("inc2_a", "较大", "lisi")
    event = (await raw.next(lambda f: f.get("cmd") == "aibot_event_callback"))["body"]
    assert event["from"]["userid"] == "lisi" and event["chatid"] == GROUP
    nested = event["event"]["template_card_event"]
    assert (nested["task_id"], nested["event_key"]) == ("inc2_a", "k:较大")
    wrong = {"response_type": "update_template_card", "template_card": card("other", "好")}
    assert (await raw.request("aibot_respond_update_msg", wrong, click))["errcode"] == (
        INVALID_PARAMETER
    )
    assert (await raw.request("aibot_respond_msg", reply, click))["errcode"] == INVALID_REQ_ID
    update = {"response_type": "update_template_card", "template_card": card("inc2_a", "完成")}
    assert (await raw.request("aibot_respond_update_msg", update, click))["errcode"] == 0
    assert (await raw.request("aibot_respond_update_msg", update, click))["errcode"] == (
        ALREADY_RESPONDED
    )
    assert wecom.card_state("inc2_a").buttons() == [("完成", "k:完成")]
    assert len(wecom.card_state("inc2_a").history) == 2


async def test_an_update_for_some_people_changes_only_their_card(
    wecom: FakeWeCom, raw: Raw
) -> None:
    req = await wecom.say(GROUP, "zhangsan", "/report x")
    reply = {"msgtype": "template_card", "template_card": card("inc3_a", "一般")}
    await raw.request("aibot_respond_msg", reply, req)
    click = await wecom.press("inc3_a", "一般", "wangwu")
    private = card("inc3_a", "无权限", title="您无权操作")
    update = {"response_type": "update_template_card", "template_card": private}
    await raw.request("aibot_respond_update_msg", {**update, "userids": ["wangwu"]}, click)
    assert wecom.card_state("inc3_a").title("wangwu") == "您无权操作"
    assert wecom.card_state("inc3_a").title() == "舆情分级"
    with pytest.raises(AssertionError):
        await wecom.press("inc3_a", "一般", "wangwu")  # wangwu no longer sees that button


async def test_an_update_after_the_window_is_refused() -> None:
    async with FakeWeCom(update_window=0.0) as wecom, connect(wecom.ws_url) as ws:  # always late
        raw = Raw(ws)
        await raw.subscribe()
        req = await wecom.say(GROUP, "zhangsan", "/report x")
        reply = {"msgtype": "template_card", "template_card": card("inc4_a", "一般")}
        await raw.request("aibot_respond_msg", reply, req)
        click = await wecom.click("inc4_a", "k:一般", "zhangsan")
        update = {"response_type": "update_template_card", "template_card": card("inc4_a", "x")}
        late = await raw.request("aibot_respond_update_msg", update, click)
        assert late["errcode"] == INVALID_REQ_ID
        assert wecom.card_state("inc4_a").buttons() == [("一般", "k:一般")]


@pytest.mark.parametrize(
    ("template", "code"),
    [
        (card("bad id!", "一般"), INVALID_PARAMETER),
        (card("x" * 129, "一般"), INVALID_PARAMETER),
        (card("seven", "1", "2", "3", "4", "5", "6", "7"), INVALID_PARAMETER),
        (card("longtext", "一二三四五六七八九十十一"), INVALID_PARAMETER),
        (card("empty", ""), INVALID_PARAMETER),
        (
            {**card("twice", "一"), "button_list": [{"text": "a", "key": "k"}] * 2},
            INVALID_PARAMETER,
        ),
        ({"card_type": "button_interaction", "button_list": []}, INVALID_PARAMETER),
    ],
)
async def test_a_bad_card_is_refused(wecom: FakeWeCom, raw: Raw, template: JSON, code: int) -> None:
    req = await wecom.say(GROUP, "zhangsan", "/report x")
    answer = await raw.request(
        "aibot_respond_msg", {"msgtype": "template_card", "template_card": template}, req
    )
    assert answer["errcode"] == code
    assert not wecom.cards and not wecom.replies()


async def test_pushes_go_only_to_chats_that_talked_and_task_ids_are_unique(
    wecom: FakeWeCom, raw: Raw
) -> None:
    markdown = {"msgtype": "markdown", "markdown": {"content": "提醒"}}
    assert (await raw.request("aibot_send_msg", {"chatid": GROUP, **markdown}))["errcode"] == (
        INVALID_CHATID
    )
    req = await wecom.say(GROUP, "zhangsan", "/report x")
    await raw.request(
        "aibot_respond_msg", {"msgtype": "template_card", "template_card": card("t1", "a")}, req
    )
    assert (await raw.request("aibot_send_msg", {"chatid": GROUP, **markdown}))["errcode"] == 0
    empty = {"chatid": GROUP, "msgtype": "markdown", "markdown": {"content": " "}}
    assert (await raw.request("aibot_send_msg", empty))["errcode"] == EMPTY_CONTENT
    text = {"chatid": GROUP, "msgtype": "text", "text": {"content": "hi"}}
    assert (await raw.request("aibot_send_msg", text))["errcode"] == INVALID_MSGTYPE
    again = {"chatid": GROUP, "msgtype": "template_card", "template_card": card("t1", "b")}
    assert (await raw.request("aibot_send_msg", again))["errcode"] == INVALID_PARAMETER
    assert [p.content for p in wecom.pushes(GROUP)] == ["提醒"]
    pushed = await wecom.wait_push(GROUP, lambda p: p.content == "提醒")
    assert pushed.msgtype == "markdown"


async def test_scripted_errors_and_slow_acks(wecom: FakeWeCom, raw: Raw) -> None:
    await wecom.say(GROUP, "zhangsan", "hi")
    push = {"chatid": GROUP, "msgtype": "markdown", "markdown": {"content": "m"}}
    wecom.fail_sends(times=2)
    assert (await raw.request("aibot_send_msg", push))["errcode"] == RATE_LIMITED
    assert (await raw.request("aibot_send_msg", push))["errcode"] == RATE_LIMITED
    assert (await raw.request("aibot_send_msg", push))["errcode"] == 0
    assert len(wecom.pushes(GROUP)) == 1  # a refused push is not applied
    wecom.slow_acks(0.2, "aibot_send_msg")
    pending = asyncio.create_task(raw.request("aibot_send_msg", push))
    await wecom.wait_push(GROUP, after=1)  # applied at once, answered later
    assert not pending.done()
    assert (await pending)["errcode"] == 0


async def test_pings_can_be_silenced(wecom: FakeWeCom, raw: Raw) -> None:
    wecom.silence_pings()
    await raw.ws.send(json.dumps({"cmd": "ping", "headers": {"req_id": "ping_1_00000000"}}))
    await wecom.wait_frame("ping")
    wecom.silence_pings(False)
    assert (await raw.request("ping"))["errcode"] == 0  # the silenced one was never answered


@pytest.mark.parametrize("code", [1000, 1001, 1011])
async def test_close_after_subscribe_with_a_code(wecom: FakeWeCom, code: int) -> None:
    wecom.close_after_subscribe(code)
    async with connect(wecom.ws_url) as ws:
        assert (await Raw(ws).subscribe())["errcode"] == 0
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == code


async def test_a_second_subscribe_kicks_the_first(wecom: FakeWeCom, raw: Raw) -> None:
    async with connect(wecom.ws_url) as ws2:
        assert (await Raw(ws2).subscribe())["errcode"] == 0
        kicked = await raw.next(lambda f: f.get("cmd") == "aibot_event_callback")
        assert kicked["body"]["event"]["eventtype"] == "disconnected_event"
        with pytest.raises(ConnectionClosed):
            await raw.ws.recv()
        req = await wecom.say(GROUP, "zhangsan", "hi")  # goes to the new connection
        assert (await Raw(ws2).next())["headers"]["req_id"] == req


async def test_kick_and_reject(wecom: FakeWeCom, raw: Raw) -> None:
    await wecom.kick()
    kicked = await raw.next()
    assert kicked["body"]["event"]["eventtype"] == "disconnected_event"
    await wecom.wait_offline()
    wecom.reject_subscribes()
    async with connect(wecom.ws_url) as ws:
        assert (await Raw(ws).subscribe())["errcode"] == BAD_CREDENTIALS
        wecom.accept_subscribes()
        assert (await Raw(ws).subscribe())["errcode"] == 0


async def test_the_robot_endpoint(wecom: FakeWeCom) -> None:
    async with httpx.AsyncClient() as http:

        async def post(key: str, payload: JSON) -> JSON:
            answer = await http.post(wecom.webhook_url, params={"key": key}, json=payload)
            assert answer.status_code == 200
            return dict(answer.json())

        text = {"msgtype": "text", "text": {"content": "请处理", "mentioned_list": ["lisi"]}}
        assert (await post("KEY1", text))["errcode"] == 0
        assert (await post("NOPE", text))["errcode"] == ROBOT_BAD_KEY
        wecom.robot_fail(times=1)
        assert (await post("KEY1", text))["errcode"] == ROBOT_RATE_LIMITED
        long = {"msgtype": "text", "text": {"content": "字" * 683}}  # 2049 bytes
        assert (await post("KEY1", long))["errcode"] == INVALID_PARAMETER
        markdown = {"msgtype": "markdown", "markdown": {"content": "**提醒** <@lisi>"}}
        assert (await post("KEY1", markdown))["errcode"] == 0
    messages = wecom.robot_messages("KEY1")
    assert [(m.msgtype, m.mentioned_list) for m in messages] == [
        ("text", ("lisi",)),
        ("markdown", ()),
    ]
    assert [code for _, _, code in wecom.robot_requests] == [0, ROBOT_BAD_KEY, 45009, 40058, 0]
