"""What a WeCom command carries: its files, its links, and for a report the quoted post."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.domain.incident import Attachment
from bot.domain.text import links_in
from bot.service import commands
from bot.wecom import frames
from bot.wecom.frames import Message
from bot.wecom.intake import with_attachments
from bot.wecom.media import from_ref

IMAGE = {"url": "https://wework.example/a?sign=1", "aeskey": "k1"}
QUOTED_IMAGE = {"url": "https://wework.example/q", "aeskey": "kq"}


def message(text: str, quote: dict[str, Any] | None = None) -> Message:
    """A mixed @-message in group wrG: ``text`` and one image, quoting ``quote`` if given."""
    items = [{"msgtype": "text", "text": {"content": text}}, {"msgtype": "image", "image": IMAGE}]
    body: dict[str, Any] = {"msgid": "M1", "chatid": "wrG", "chattype": "group"}
    body |= {"from": {"userid": "zhang"}, "msgtype": "mixed", "mixed": {"msg_item": items}}
    if quote is not None:
        body["quote"] = quote
    frame = {"cmd": "aibot_msg_callback", "headers": {"req_id": "R1"}, "body": body}
    found = frames.decode(json.dumps(frame))
    assert isinstance(found, Message)
    return found


def shown(found: tuple[Attachment, ...]) -> list[tuple[str, str]]:
    """Each attachment as (kind, what it holds), a file by its URL."""
    return [(a.kind, from_ref(a.value)[0] if a.kind == "photo" else a.value) for a in found]


POST = {
    "msgtype": "mixed",
    "mixed": {
        "msg_item": [
            {"msgtype": "text", "text": {"content": "某局违规收费 https://weibo.com/1/abc，速看"}},
            {"msgtype": "image", "image": QUOTED_IMAGE},
        ]
    },
}


def test_a_report_takes_its_own_parts_and_the_quoted_posts() -> None:
    msg = message("/report 网帖 见 http://t.cn/A6x。", quote=POST)
    command = with_attachments(commands.Report("网帖"), msg)
    assert isinstance(command, commands.Report)
    assert shown(command.attachments) == [
        ("photo", IMAGE["url"]),
        ("link", "http://t.cn/A6x"),
        ("text", "某局违规收费 https://weibo.com/1/abc，速看"),
        ("photo", QUOTED_IMAGE["url"]),
        ("link", "https://weibo.com/1/abc"),
    ]


def test_a_quoted_plain_text_post_is_its_text() -> None:
    quote = {"msgtype": "text", "text": {"content": "  帖子原文  "}}
    command = with_attachments(commands.Report("网帖"), message("/report 网帖", quote=quote))
    assert isinstance(command, commands.Report)
    assert shown(command.attachments)[1:] == [("text", "帖子原文")]


@pytest.mark.parametrize(
    "command",
    [commands.Update(1, "续报"), commands.Review(1, "总结")],
    ids=["update", "review"],
)
def test_an_update_or_review_takes_its_own_parts_not_the_quoted(command: Any) -> None:
    msg = message("/update 1 续报 https://news.example/x", quote=POST)
    found = with_attachments(command, msg)
    assert shown(found.attachments) == [
        ("photo", IMAGE["url"]),
        ("link", "https://news.example/x"),
    ]


def test_other_commands_carry_nothing() -> None:
    command = commands.Help()
    assert with_attachments(command, message("/help", quote=POST)) is command


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("无链接", []),
        ("https://a.example/x", ["https://a.example/x"]),
        (
            "见https://a.example/x，和 HTTP://B.example/y。",
            ["https://a.example/x", "HTTP://B.example/y"],
        ),
        ("(see https://a.example/x).", ["https://a.example/x"]),
        ("https://a.example/p_(1) twice https://a.example/p_(1)", ["https://a.example/p_(1)"]),
        ("「https://a.example/q?x=1&y=2」", ["https://a.example/q?x=1&y=2"]),
        ("<https://a.example/z>", ["https://a.example/z"]),
        ("https:// 空 https://:", []),
    ],
)
def test_links_end_at_a_space_or_cjk_punctuation(text: str, links: list[str]) -> None:
    assert links_in(text) == links
