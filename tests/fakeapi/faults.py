"""Fault injection for the fake Bot API: scripted errors, delays, refused connections."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http import HTTPStatus

from .http import HttpResponse
from .model import ApiError

_NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
    b"Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    description: str | None
    apply: bool
    count: int


class FaultInjection:
    """Mixin; the server consults ``_take_failure`` and ``_delays`` on every API call."""

    def __init__(self) -> None:
        self._fault_lock = threading.Lock()
        self._failures: dict[str, list[_Failure]] = {}
        self._delays: dict[str, float] = {}
        self._refusing = False

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        count: int = 1,
        description: str | None = None,
        apply: bool = False,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` ("*" = any) with an error.

        status 429 carries ``parameters.retry_after`` (default 1); 502 is nginx's HTML page;
        0 drops the connection without an answer. ``apply=True`` performs the call first
        (the bot's action takes effect but it sees a failure).
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        failure = _Failure(status, retry_after, description, apply, count)
        with self._fault_lock:
            self._failures.setdefault(method, []).append(failure)

    def delay(self, method: str, seconds: float) -> None:
        """Hold every later ``method`` call ("*" = any) for ``seconds`` (0 removes the delay)."""
        with self._fault_lock:
            if seconds > 0:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def clear_failures(self) -> None:
        """Forget every failure ``fail_next`` still has queued."""
        with self._fault_lock:
            self._failures.clear()

    def refuse_connections(self, refuse: bool = True) -> None:
        """While set, every connection (new or kept-alive) is closed without an answer."""
        self._refusing = refuse

    def _take_failure(self, method: str) -> _Failure | None:
        with self._fault_lock:
            for key in (method, "*"):
                queue = self._failures.get(key)
                if queue:
                    failure = queue[0]
                    failure.count -= 1
                    if failure.count <= 0:
                        queue.pop(0)
                    return failure
        return None

    # ---- request handling -------------------------------------------------------------------
    def _delay_for(self, method: str) -> float:
        with self._fault_lock:
            return self._delays.get(method, self._delays.get("*", 0.0))

    @staticmethod
    def _failure_response(failure: _Failure) -> HttpResponse | None:
        if failure.status == 0:
            return None
        if failure.status == 502 and failure.description is None:
            return HttpResponse(502, _NGINX_502, "text/html")
        if failure.status == 429:
            text = failure.description or f"Too Many Requests: retry after {failure.retry_after}"
        else:
            text = failure.description or _phrase(failure.status)
        params = {"retry_after": failure.retry_after} if failure.retry_after else None
        return HttpResponse.json(failure.status, ApiError(failure.status, text, params).payload())


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
