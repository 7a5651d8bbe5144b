"""The images people send, as WeCom serves them: encrypted, at a URL valid a few minutes.

``offer(content)`` gives ``{"url", "aeskey"}`` as a message item carries it; ``GET`` on the URL
answers the content encrypted as doc 101463 says — AES-256-CBC, key = base64-decode(aeskey),
IV = key[:16], PKCS#7 padding to a multiple of 32 bytes — written here from that description,
not from the bot's code. A URL answers 403 once ``media_ttl`` seconds (WeCom: 300) have passed
or after ``expire_media()``; ``media_fail(status)`` makes the next downloads fail.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import secrets
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fakeapi.http import HttpRequest, HttpResponse

from .model import JSON

if TYPE_CHECKING:
    from .server import FakeWeCom

MEDIA_PATH = "/media/"


def encrypt(content: bytes, aeskey: str) -> bytes:
    """``content`` as WeCom serves it under ``aeskey``."""
    key = base64.b64decode(aeskey + "=" * (-len(aeskey) % 4))
    pad = 32 - len(content) % 32  # a whole block of 32 when already aligned
    padded = content + bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def new_aeskey() -> str:
    """A fresh key as WeCom writes it: 32 random bytes in base64, without the "=" padding."""
    return base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")


class MediaEndpoint:
    """Mixin of FakeWeCom: the media URLs of the messages people send."""

    def __init__(self) -> None:
        self.media_ttl = 300.0  # seconds a URL stays valid
        self.media_gets: list[tuple[str, int]] = []  # (media id, HTTP status) of each download
        self._media: dict[str, tuple[bytes, float]] = {}  # id -> (encrypted, valid until)
        self._media_faults: collections.deque[int] = collections.deque()

    def offer(self: FakeWeCom, content: bytes, ttl: float | None = None) -> JSON:
        """Serve ``content``; the ``{"url", "aeskey"}`` of the item that carries it."""
        aeskey = new_aeskey()
        media_id = self._next("M") + secrets.token_hex(4)
        until = asyncio.get_running_loop().time() + (self.media_ttl if ttl is None else ttl)
        self._media[media_id] = (encrypt(content, aeskey), until)
        url = f"http://{self.host}:{self._http.port}{MEDIA_PATH}{media_id}?sign={secrets.token_hex(8)}"
        return {"url": url, "aeskey": aeskey}

    def expire_media(self) -> None:
        """Every URL offered so far answers 403 from now on, as after WeCom's five minutes."""
        self._media = {key: (data, 0.0) for key, (data, _) in self._media.items()}

    def media_fail(self, status: int = 502, *, times: int = 1) -> None:
        """Answer the next ``times`` downloads with HTTP ``status``."""
        self._media_faults.extend([status] * times)

    async def say_mixed(
        self: FakeWeCom,
        chatid: str,
        userid: str,
        text: str,
        images: tuple[bytes, ...] = (),
        *,
        quoted: bytes | None = None,
        ttl: float | None = None,
    ) -> str:
        """``userid`` @-s the bot in group ``chatid`` with ``text`` and ``images`` (图文混排),
        quoting an image message if ``quoted``; its req_id."""
        items: list[JSON] = [{"msgtype": "text", "text": {"content": f"@{self.bot_name} {text}"}}]
        items += [{"msgtype": "image", "image": self.offer(image, ttl)} for image in images]
        body = self._base(chatid, userid, "mixed")
        body["mixed"] = {"msg_item": items}
        if quoted is not None:
            body["quote"] = {"msgtype": "image", "image": self.offer(quoted, ttl)}
        self.talked.add(chatid)
        return await self._callback("aibot_msg_callback", "message", chatid, userid, body, 10.0)

    async def _media_http(self: FakeWeCom, request: HttpRequest) -> HttpResponse:
        media_id = request.path[len(MEDIA_PATH) :]
        found = self._media.get(media_id)
        if self._media_faults:
            status = self._media_faults.popleft()
            answer = HttpResponse.json(status, {"errcode": -1, "errmsg": "fake fault"})
        elif found is None or request.method != "GET":
            answer = HttpResponse(404, b"not found", "text/plain")
        elif asyncio.get_running_loop().time() > found[1]:
            answer = HttpResponse(403, b"expired", "text/plain")
        else:
            answer = HttpResponse(200, found[0], "application/octet-stream")
        self.media_gets.append((media_id, answer.status))
        self._touch()
        return answer
