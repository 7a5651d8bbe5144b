"""The WeCom group robot (消息推送 webhook): the one way a program really @-mentions people.

One robot key per group (``POST <url>?key=KEY``), send-only, 20 messages a minute. Text takes
``mentioned_list`` (userids, or "@all"); markdown may hold ``<@userid>``. Texts over 2048 bytes
and markdown over 4096 bytes are *truncated* (at a character boundary, ending in "…"), never
split: one call is one message, so retrying after 45009 never posts half a message twice.
The key never appears in an error or a log line (httpx's request lines are redacted too).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Self

import httpx

from bot.wecom.errors import BadRobotKey, NoRobot, RateLimited, Rejected, Unreachable

DEFAULT_WEBHOOK_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
TEXT_LIMIT = 2048  # bytes of UTF-8 in text.content
MARKDOWN_LIMIT = 4096  # bytes of UTF-8 in markdown.content
ERR_RATE_LIMITED = 45009
ERR_BAD_KEY = 93000
_ELLIPSIS = "…"
_KEY_PARAM = re.compile(r"key=[^&\s\"']+")


class _HideKeys(logging.Filter):
    """Redacts ``key=…`` in httpx's "HTTP Request: POST <url>" lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if "key=" in text:
            record.msg, record.args = _KEY_PARAM.sub("key=***", text), None
        return True


_HIDE_KEYS = _HideKeys()


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, ending in "…" when it was cut."""
    if len(text.encode("utf-8")) <= limit:
        return text
    room = limit - len(_ELLIPSIS.encode("utf-8"))
    cut = text.encode("utf-8")[:room].decode("utf-8", "ignore")  # drops a split character
    return cut + _ELLIPSIS


class Robot:
    """The group robots of several groups: ``keys`` maps a group's chatid to its robot key."""

    def __init__(
        self,
        keys: Mapping[str, str],
        url: str = DEFAULT_WEBHOOK_URL,
        *,
        timeout: float = 10.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._keys = dict(keys)
        self._url = url
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._own_http = http is None
        logging.getLogger("httpx").addFilter(_HIDE_KEYS)  # a set: added once

    def __repr__(self) -> str:
        return f"Robot(chats={sorted(self._keys)!r}, url={self._url!r})"

    def covers(self, chatid: str) -> bool:
        """Whether the group has a robot key."""
        return chatid in self._keys

    async def text(self, chatid: str, content: str, mentions: Sequence[str] = ()) -> None:
        """Post a text that @-mentions ``mentions`` (userids, or "@all") in the group."""
        text: dict[str, Any] = {"content": truncate(content, TEXT_LIMIT)}
        if mentions:
            text["mentioned_list"] = list(mentions)
        await self._post(chatid, {"msgtype": "text", "text": text})

    async def markdown(self, chatid: str, content: str) -> None:
        """Post markdown (``<@userid>`` in it mentions that person)."""
        body = {"content": truncate(content, MARKDOWN_LIMIT)}
        await self._post(chatid, {"msgtype": "markdown", "markdown": body})

    async def aclose(self) -> None:
        """Close the HTTP client, if the robot made it."""
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _post(self, chatid: str, payload: dict[str, Any]) -> None:
        key = self._keys.get(chatid)
        if key is None:
            raise NoRobot(chatid)
        where = f"the group robot of chat {chatid}"
        try:
            response = await self._http.post(self._url, params={"key": key}, json=payload)
        except httpx.TimeoutException as exc:
            arrived = not isinstance(exc, httpx.ConnectTimeout)
            raise Unreachable(f"{where} did not answer in time", timed_out=arrived) from None
        except httpx.HTTPError as exc:
            raise Unreachable(f"{where} is unreachable: {_hide(str(exc), key)}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise Unreachable(f"{where} answered HTTP {response.status_code}")
        try:
            answer = response.json()
            code, errmsg = int(answer.get("errcode", -1)), _hide(str(answer.get("errmsg")), key)
        except (ValueError, AttributeError, TypeError):
            raise Unreachable(f"{where} answered HTTP {response.status_code}, not JSON") from None
        if code == 0:
            return
        if code == ERR_RATE_LIMITED:
            raise RateLimited(code, errmsg, where)
        if code == ERR_BAD_KEY:
            raise BadRobotKey(code, errmsg, chatid)
        raise Rejected(code, errmsg, where)


def _hide(text: str, key: str) -> str:
    return _KEY_PARAM.sub("key=***", text.replace(key, "***") if key else text)
