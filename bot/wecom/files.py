"""WeCom's images and files as a FileSource: download the item's URL, decrypt with its key.

The content at the URL is AES-256-CBC encrypted: the key is the item's ``aeskey`` base64-decoded
(32 bytes), the IV its first 16 bytes, the plaintext PKCS#7-padded to a multiple of 32 bytes
(doc 101463 "多媒体资源解密"; WecomTeam/aibot-node-sdk ``src/crypto.ts``). The URL is valid five
minutes: a download refused after that (HTTP 4xx) or whose content cannot be decrypted is
``Refused`` — the group is told — while an outage or a 5xx is ``RetryLater``. Neither the URL
nor the key ever appears in an error or a log line.
"""

from __future__ import annotations

import asyncio
import base64
import binascii

import httpx
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.service.files import TooBig
from bot.service.transport import Refused, RetryLater
from bot.wecom.media import BadRef, from_ref

BLOCK = 32  # bytes: WeCom pads to a multiple of 32, not AES's 16
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class BadMedia(ValueError):
    """Content that the item's key does not open (a wrong key, an error page, a cut file)."""


def aes_key(aeskey: str) -> bytes:
    """The 32-byte AES key of an ``aeskey`` (base64, its "=" padding optional)."""
    try:
        key = base64.b64decode(aeskey + "=" * (-len(aeskey) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise BadMedia("the media key is not base64") from None
    if len(key) != 32:
        raise BadMedia(f"the media key is {len(key)} bytes, not 32")
    return key


def decrypt(data: bytes, aeskey: str) -> bytes:
    """The plaintext of WeCom media ``data``; BadMedia if ``aeskey`` does not open it."""
    key = aes_key(aeskey)
    if not data or len(data) % BLOCK:
        raise BadMedia(f"{len(data)} bytes is not whole {BLOCK}-byte blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(BLOCK * 8).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise BadMedia("bad padding: a wrong key, or not the encrypted file") from None


class MediaFiles:
    """Downloads and decrypts the media of WeCom messages (one HTTP client, made on first use)."""

    def __init__(self, http: httpx.AsyncClient | None = None) -> None:
        self._http = http
        self._own = http is None

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=True)
        return self._http

    async def fetch(self, ref: str, limit: int) -> bytes:
        """The decrypted file of evidence ``ref``; TooBig past ``limit`` bytes."""
        try:
            url, aeskey = from_ref(ref)
        except BadRef as exc:
            raise Refused(str(exc)) from None
        data = await self._download(url, limit + BLOCK)  # the padding adds at most one block
        try:
            plain = await asyncio.to_thread(decrypt, data, aeskey)
        except BadMedia as exc:
            raise Refused(f"the WeCom media could not be decrypted: {exc}") from None
        if len(plain) > limit:
            raise TooBig(f"{len(plain)} bytes", len(plain))
        return plain

    async def _download(self, url: str, most: int) -> bytes:
        """The encrypted bytes at ``url``, stopping past ``most``."""
        try:
            async with self._client().stream("GET", url) as response:
                _check(response.status_code)
                length = response.headers.get("content-length", "")
                if length.isdigit() and int(length) > most:
                    raise TooBig(f"about {length} bytes", int(length))
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > most:
                        raise TooBig(f"over {most} bytes")
                    chunks.append(chunk)
        except httpx.TimeoutException as exc:
            raise RetryLater(f"the WeCom media download timed out ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:  # the message may name the URL: only the kind is kept
            raise RetryLater(
                f"the WeCom media server is unreachable ({type(exc).__name__})"
            ) from None
        return b"".join(chunks)

    async def aclose(self) -> None:
        """Close the HTTP client, if this made it."""
        if self._own and self._http is not None:
            await self._http.aclose()
            self._http = None


def _check(status: int) -> None:
    """An HTTP status as the port's errors: a refusal (expired, gone) or try again."""
    if status == 429 or status >= 500:
        raise RetryLater(f"the WeCom media server answered HTTP {status}")
    if status >= 300:
        raise Refused(f"the WeCom media server refused the download (HTTP {status}: expired?)")
