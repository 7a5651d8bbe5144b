"""Building and parsing the long connection's frames (shapes of research §A.2)."""

from __future__ import annotations

import json

import pytest

from bot.wecom import frames
from bot.wecom.frames import Ack, CardClick, Event, FrameError, Message

MSG = {
    "cmd": "aibot_msg_callback",
    "headers": {"req_id": "REQ_MSG_1"},
    "body": {
        "msgid": "MSG1",
        "aibotid": "BOT1",
        "chatid": "wrCHAT1",
        "chattype": "group",
        "from": {"userid": "zhangsan"},
        "create_time": 1700000000,
        "msgtype": "text",
        "text": {"content": "@舆情助手 /report 网传某校食堂事件"},
    },
}
CLICK = {
    "cmd": "aibot_event_callback",
    "headers": {"req_id": "REQ_EVT_1"},
    "body": {
        "msgid": "EVT1",
        "create_time": 1700000001,
        "aibotid": "BOT1",
        "chatid": "wrCHAT1",
        "chattype": "group",
        "from": {"userid": "lisi"},
        "msgtype": "event",
        "event": {
            "eventtype": "template_card_event",
            "template_card_event": {
                "card_type": "button_interaction",
                "event_key": "grade:2",
                "task_id": "inc42_step1",
                "selected_items": {"selected_item": []},
            },
        },
    },
}


def test_a_group_message() -> None:
    message = frames.decode(json.dumps(MSG, ensure_ascii=False))
    assert isinstance(message, Message)
    assert (message.req_id, message.chatid, message.userid) == ("REQ_MSG_1", "wrCHAT1", "zhangsan")
    assert message.text == "@舆情助手 /report 网传某校食堂事件" and message.chat == "wrCHAT1"


def test_a_single_chat_and_a_mixed_message() -> None:
    body = {**MSG["body"], "chattype": "single", "msgtype": "mixed"}
    del body["chatid"], body["text"]
    body["mixed"] = {
        "msg_item": [
            {"msgtype": "text", "text": {"content": "/report "}},
            {"msgtype": "image", "image": {"url": "https://x"}},
            {"msgtype": "text", "text": {"content": "见图"}},
        ]
    }
    message = frames.decode(json.dumps({**MSG, "body": body}))
    assert isinstance(message, Message)
    assert message.chatid is None and message.chat == "zhangsan" and message.text == "/report 见图"


def test_a_click_nested_as_wecom_sends_it_and_flat_as_the_sdk_docs_say() -> None:
    nested = frames.decode(json.dumps(CLICK))
    assert isinstance(nested, CardClick)
    assert (nested.task_id, nested.event_key, nested.userid) == ("inc42_step1", "grade:2", "lisi")
    assert nested.card_type == "button_interaction" and nested.chat == "wrCHAT1"
    event = {"eventtype": "template_card_event", "event_key": "grade:3", "task_id": "t9"}
    flat = frames.decode(json.dumps({**CLICK, "body": {**CLICK["body"], "event": event}}))
    assert isinstance(flat, CardClick) and (flat.task_id, flat.event_key) == ("t9", "grade:3")


def test_other_events_and_acks() -> None:
    kick = {"eventtype": "disconnected_event"}
    body = {"msgid": "EVTK", "aibotid": "BOT1", "msgtype": "event", "event": kick}
    event = frames.decode(json.dumps({**CLICK, "body": body}))
    assert isinstance(event, Event) and event.eventtype == frames.DISCONNECTED_EVENT
    assert event.userid is None and event.chatid is None
    ack = frames.decode('{"headers":{"req_id":"ping_1_ab"},"errcode":0,"errmsg":"ok"}')
    assert ack == Ack("ping_1_ab", 0, "ok", None)
    refused = frames.decode('{"headers":{"req_id":"r"},"errcode":846607,"errmsg":"limit"}')
    assert isinstance(refused, Ack) and refused.errcode == frames.ERR_RATE_LIMITED


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        "[1, 2]",
        '{"cmd": "aibot_msg_callback", "body": {}}',
        '{"cmd": "aibot_msg_callback", "headers": {"req_id": "r"}, "body": []}',
        '{"cmd": "aibot_msg_callback", "headers": {"req_id": "r"}, "body": {"msgtype": "text"}}',
        '{"headers": {"req_id": "r"}, "errcode": "bad"}',
        json.dumps(
            {
                **CLICK,
                "body": {
                    **CLICK["body"],
                    "event": {"eventtype": CLICK["body"]["event"]["eventtype"]},
                },
            }
        ),
    ],
)
def test_what_is_not_a_frame(raw: str) -> None:
    with pytest.raises(FrameError):
        frames.decode(raw)


def test_built_frames_follow_the_sdk_shapes() -> None:
    sub = frames.subscribe("BOT1", "S")
    assert sub["cmd"] == "aibot_subscribe" and sub["body"] == {"bot_id": "BOT1", "secret": "S"}
    assert sub["headers"]["req_id"].startswith("aibot_subscribe_")
    assert frames.ping()["headers"]["req_id"] != frames.ping()["headers"]["req_id"]
    push = frames.send("wrCHAT1", frames.markdown("提醒"))
    assert push["body"] == {
        "chatid": "wrCHAT1",
        "msgtype": "markdown",
        "markdown": {"content": "提醒"},
    }
    update = frames.update("REQ_EVT_1", {"card_type": "text_notice"}, ["lisi"])
    assert update["headers"]["req_id"] == "REQ_EVT_1"
    assert update["body"]["response_type"] == "update_template_card"
    assert update["body"]["userids"] == ["lisi"]
    assert "userids" not in frames.update("r", {})["body"]
    reply = frames.respond("REQ_MSG_1", frames.card({"card_type": "button_interaction"}))
    assert reply["body"]["msgtype"] == "template_card"
    assert "提醒" in frames.encode(push)  # UTF-8 as is, not \\u escapes
