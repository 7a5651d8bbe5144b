"""The images and files of WeCom messages: read from the frames, decrypted, downloaded.

The cipher is checked against a vector made with ``openssl enc -aes-256-cbc -nopad`` (key
00…1f, IV its first 16 bytes, "yuqing evidence" padded by hand to 32 bytes), and against the
fake WeCom's own encryption, written apart from the bot's.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import httpx
import pytest
from fakewecom import FakeWeCom
from fakewecom.media import encrypt, new_aeskey

from bot.service.files import TooBig
from bot.service.transport import Refused, RetryLater
from bot.wecom import frames
from bot.wecom.files import BadMedia, MediaFiles, aes_key, decrypt
from bot.wecom.frames import Message
from bot.wecom.media import Media, from_ref, hide_keys

KEY = base64.b64encode(bytes(range(32))).decode()  # "AAECAw…Hh8="
VECTOR = bytes.fromhex("1efa7acf2e2e311edbac634d74e9b184a626fa6ee6492c05d5c0c18eb4384384")
IMAGE = {"url": "https://wework.example/a?sign=1", "aeskey": "k1"}


def message(body: dict[str, Any]) -> Message:
    """``body`` (an @-message in group wrG) as the bot reads it."""
    base = {"msgid": "M1", "chatid": "wrG", "chattype": "group", "from": {"userid": "zhang"}}
    frame = {"cmd": "aibot_msg_callback", "headers": {"req_id": "R1"}, "body": base | body}
    found = frames.decode(json.dumps(frame))
    assert isinstance(found, Message)
    return found


def test_the_images_of_a_mixed_message_in_their_order() -> None:
    items = [
        {"msgtype": "text", "text": {"content": "@机器人 /report 网帖"}},
        {"msgtype": "image", "image": IMAGE},
        {"msgtype": "image", "image": {"url": "https://wework.example/b", "aeskey": "k2"}},
    ]
    found = message({"msgtype": "mixed", "mixed": {"msg_item": items}})
    assert found.text == "@机器人 /report 网帖"
    assert [(m.kind, m.url, m.aeskey) for m in found.media] == [
        ("photo", IMAGE["url"], "k1"),
        ("photo", "https://wework.example/b", "k2"),
    ]
    assert found.quoted == ()
    assert from_ref(found.media[0].ref) == (IMAGE["url"], "k1")


def test_one_to_one_images_and_files_and_a_quoted_image() -> None:
    image = message({"msgtype": "image", "image": IMAGE, "chattype": "single"})
    file = message({"msgtype": "file", "file": {"url": "https://f", "aeskey": "kf"}})
    assert [m.kind for m in image.media] == ["photo"] and image.text == ""
    assert [(m.kind, m.url) for m in file.media] == [("document", "https://f")]
    quote = {"msgtype": "image", "image": IMAGE}
    quoting = message({"msgtype": "text", "text": {"content": "/report 见引用"}, "quote": quote})
    assert quoting.media == () and [m.aeskey for m in quoting.quoted] == ["k1"]


@pytest.mark.parametrize(
    "items",
    [
        [{"msgtype": "image", "image": {"url": "https://x"}}],  # no key: cannot be opened
        [{"msgtype": "image", "image": {"aeskey": "k"}}],
        [{"msgtype": "image", "image": "https://x"}],
        [{"msgtype": "video", "video": IMAGE}],
        ["text", 3, None],
    ],
)
def test_items_of_unknown_shapes_are_skipped_with_a_log_line(
    items: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "bot.wecom.media")
    items = [{"msgtype": "text", "text": {"content": "/report x"}}, *items]
    found = message({"msgtype": "mixed", "mixed": {"msg_item": items}})
    assert found.media == () and found.text == "/report x"
    broken = message({"msgtype": "mixed", "mixed": {"msg_item": "nope"}})
    assert broken.media == () and broken.text == ""
    assert caplog.records and not [r for r in caplog.records if "k1" in r.getMessage()]


def test_the_key_is_in_no_repr_and_starred_out_of_a_logged_frame() -> None:
    found = message({"msgtype": "image", "image": IMAGE})
    assert "k1" not in repr(found) and "sign" not in repr(found.media[0])
    assert repr(Media("photo", "https://u", "secretkey")) == "Media(kind='photo')"
    raw = json.dumps({"image": {"url": "u", "aeskey": "secret+/="}})
    assert "secret" not in hide_keys(raw) and "secret" not in hide_keys(raw.encode())


def test_decrypt_matches_openssl_with_or_without_the_base64_padding() -> None:
    assert decrypt(VECTOR, KEY) == b"yuqing evidence"
    assert decrypt(VECTOR, KEY.rstrip("=")) == b"yuqing evidence"  # as WeCom's keys come
    content = bytes(range(256)) * 3 + b"tail"  # not a multiple of 32
    aeskey = new_aeskey()
    assert decrypt(encrypt(content, aeskey), aeskey) == content
    aligned = b"x" * 64  # padded with a whole block of 32
    assert decrypt(encrypt(aligned, aeskey), aeskey) == aligned


def test_a_wrong_key_or_bad_padding_is_a_clear_error() -> None:
    with pytest.raises(BadMedia, match="padding"):
        decrypt(VECTOR, base64.b64encode(bytes(range(1, 33))).decode())
    bad = bytearray(VECTOR)
    bad[-1] ^= 0x01  # the last block garbled: its padding too
    with pytest.raises(BadMedia, match="padding"):
        decrypt(bytes(bad), KEY)
    with pytest.raises(BadMedia, match="blocks"):
        decrypt(VECTOR[:16], KEY)  # an AES block, but not WeCom's 32
    with pytest.raises(BadMedia, match="blocks"):
        decrypt(b"", KEY)
    with pytest.raises(BadMedia, match="16 bytes"):
        aes_key(base64.b64encode(b"k" * 16).decode())
    with pytest.raises(BadMedia, match="base64"):
        aes_key("not base64!")


async def test_a_fetch_downloads_decrypts_and_keeps_to_the_limit() -> None:
    async with FakeWeCom() as wecom:
        files = MediaFiles()
        try:
            ref = Media("photo", **wecom.offer(b"p" * 1000)).ref
            assert await files.fetch(ref, 1000) == b"p" * 1000
            with pytest.raises(TooBig):
                await files.fetch(ref, 999)
            with pytest.raises(TooBig) as told:  # the length says so: nothing downloaded
                await files.fetch(ref, 100)
            assert told.value.size == 1024  # the encrypted length: within one block of it
            wrong = Media("photo", wecom.offer(b"p")["url"], new_aeskey()).ref
            with pytest.raises(Refused, match="decrypted"):
                await files.fetch(wrong, 1000)
            with pytest.raises(Refused, match="reference"):
                await files.fetch("file-id-of-another-messenger", 1000)
            wecom.expire_media()
            with pytest.raises(Refused, match="HTTP 403"):
                await files.fetch(ref, 1000)
        finally:
            await files.aclose()


async def test_an_outage_is_retried_and_neither_url_nor_key_is_said() -> None:
    async with FakeWeCom() as wecom:
        offered = wecom.offer(b"v" * 10)
        ref = Media("document", **offered).ref
        async with httpx.AsyncClient() as http:
            files = MediaFiles(http)
            wecom.media_fail(503)
            with pytest.raises(RetryLater, match="HTTP 503") as busy:
                await files.fetch(ref, 100)
            port = wecom.webhook_url.split(":")[2].split("/")[0]
            with pytest.raises(RetryLater, match="unreachable") as down:
                await files.fetch(ref.replace(port, "1"), 100)
        for said in (str(busy.value), str(down.value)):
            assert offered["aeskey"] not in said and "/media/" not in said
