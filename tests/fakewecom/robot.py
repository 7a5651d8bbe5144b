"""The group robot's webhook: ``POST /cgi-bin/webhook/send?key=K`` with a JSON message.

As WeCom answers: HTTP 200 with ``errcode`` always — 93000 for an unknown key, 45009 when a
fault is scripted, 40008 for an unknown msgtype, 44004 for an empty content, 40058 for a text
over 2048 bytes or markdown over 4096 bytes or a mentioned_list that is not a list of strings.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from fakeapi.http import HttpRequest, HttpResponse

from .model import (
    EMPTY_CONTENT,
    INVALID_MSGTYPE,
    INVALID_PARAMETER,
    ROBOT_BAD_KEY,
    Refusal,
    RobotMessage,
)

if TYPE_CHECKING:
    from .server import FakeWeCom

PATH = "/cgi-bin/webhook/send"
LIMITS = {"text": 2048, "markdown": 4096, "markdown_v2": 4096}


class RobotEndpoint:
    """Mixin of FakeWeCom: the robots' HTTP endpoint."""

    async def _robot_http(self: FakeWeCom, request: HttpRequest) -> HttpResponse:
        if request.path != PATH or request.method != "POST":
            return HttpResponse.json(404, {"errcode": 404, "errmsg": "not found"})
        key = (parse_qs(request.query).get("key") or [""])[0]
        try:
            payload: Any = json.loads(request.body or b"null")
        except ValueError:
            payload = None
        try:
            message = self._robot_accept(key, payload)
        except Refusal as refusal:
            self.robot_requests.append((key, payload, refusal.errcode))
            answer = {"errcode": refusal.errcode, "errmsg": refusal.errmsg}
        else:
            self.robot_requests.append((key, payload, 0))
            self.robot[key].append(message)
            answer = {"errcode": 0, "errmsg": "ok"}
        self._touch()
        return HttpResponse.json(200, answer)

    def _robot_accept(self: FakeWeCom, key: str, payload: Any) -> RobotMessage:
        if key not in self.robot_keys:
            raise Refusal(ROBOT_BAD_KEY, "invalid webhook url, hint: [fake]")
        if self._robot_failures:
            raise self._robot_failures.popleft()
        msgtype = payload.get("msgtype") if isinstance(payload, dict) else None
        part = payload.get(msgtype) if isinstance(payload, dict) and msgtype else None
        if not isinstance(msgtype, str) or not isinstance(part, dict):
            raise Refusal(INVALID_MSGTYPE, f"invalid message type {msgtype!r}")
        content = part.get("content", "")
        if msgtype in LIMITS:
            if not isinstance(content, str) or not content:
                raise Refusal(EMPTY_CONTENT, "empty content")
            if len(content.encode("utf-8")) > LIMITS[msgtype]:
                raise Refusal(INVALID_PARAMETER, f"content exceed max length {LIMITS[msgtype]}")
        mentioned = part.get("mentioned_list", []) if msgtype == "text" else []
        if not isinstance(mentioned, list) or not all(isinstance(m, str) for m in mentioned):
            raise Refusal(INVALID_PARAMETER, "invalid parameter: mentioned_list")
        return RobotMessage(key, msgtype, str(content), tuple(mentioned), payload)
