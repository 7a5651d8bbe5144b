"""FakeBotAPI: the HTTP front of the fake Telegram Bot API, with fault injection.

Two ways to run it:

* ``async with FakeBotAPI(token) as server:`` serves on the *current* event loop (the test's),
  so the bot under test must run in that loop too (e.g. a PTB ``Application`` in the test).
* ``server = FakeBotAPI(token).start_in_thread()`` ... ``server.stop()`` (or ``with
  FakeBotAPI(token) as server:``) serves from a daemon thread with its own loop, for a bot in
  a subprocess or in another thread. Client helpers and inspection work the same in both modes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import threading
import time
from types import TracebackType
from typing import Any, Self

from .client import FakeTelegram
from .faults import FaultInjection
from .flood import FloodControl
from .http import HttpRequest, HttpResponse, HttpServer, decode_params
from .inspection import Inspection
from .methods import CANONICAL, METHODS, ApiError, Params
from .model import ApiRequest
from .state import State

_LOG = logging.getLogger(__name__)
_API_PATH = re.compile(r"/bot([^/]*)/([^/]*)")
_FILE_PATH = re.compile(r"/file/bot([^/]*)/files/([^/]+)/[^/]+")
_TOKEN = re.compile(r"\d+:[\w-]+")
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)


class FakeBotAPI(FakeTelegram, Inspection, FaultInjection):
    def __init__(
        self,
        token: str = "123:ABC",
        *,
        bot_username: str = "test_bot",
        bot_first_name: str = "Test Bot",
        privacy_mode: bool = False,
        strict_html: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        FaultInjection.__init__(self)
        FakeTelegram.__init__(
            self,
            State(
                token,
                bot_username=bot_username,
                bot_first_name=bot_first_name,
                strict_html=strict_html,
                privacy_mode=privacy_mode,
            ),
        )
        self.host, self.port = host, port
        self.errors: list[BaseException] = []  # bugs inside the fake (answered with 500)
        self.downloads: list[str] = []  # file ids the bot downloaded, in order
        self._http = HttpServer(self._handle, lambda: self._refusing)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._waiters: set[asyncio.Future[None]] = set()
        self._poll_generation = 0
        self.state.on_change = self._notify
        self.flood: FloodControl | None = None  # opt-in Telegram flood limits (429s)

    # ---- lifecycle --------------------------------------------------------------------------
    @property
    def token(self) -> str:
        return self.state.token

    @property
    def base_url(self) -> str:
        """For ``Bot(token, base_url=...)`` / ``ApplicationBuilder().base_url(...)``."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> Self:
        self._loop = asyncio.get_running_loop()
        self.port = await self._http.start(self.host, self.port)
        return self

    async def aclose(self) -> None:
        self._wake()
        await self._http.close()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def start_in_thread(self, timeout: float = 5.0) -> Self:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(self.start())
            except BaseException as err:
                failure.append(err)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self.aclose())
                loop.close()

        self._thread = threading.Thread(target=run, name="fake-bot-api", daemon=True)
        self._thread.start()
        if not ready.wait(timeout) or failure:
            raise RuntimeError(f"fake Bot API did not start: {failure}")
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None

    def __enter__(self) -> Self:
        return self.start_in_thread()

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ---- fault injection --------------------------------------------------------------------
    async def _handle(self, req: HttpRequest) -> HttpResponse | None:
        file_match = _FILE_PATH.fullmatch(req.path)
        if file_match:
            failure = self._take_failure("download")  # fail_next("download", status=502)
            if failure is not None:
                return self._failure_response(failure)
            with self.state.lock:
                self.downloads.append(file_match.group(2))
            return self._download(*file_match.groups())
        match = _API_PATH.fullmatch(req.path)
        if not match or not _TOKEN.fullmatch(match.group(1)):
            return HttpResponse.json(404, ApiError(404, "Not Found").payload())
        token, name = match.groups()
        if token != self.state.token:
            return HttpResponse.json(401, ApiError(401, "Unauthorized").payload())
        method = CANONICAL.get(name.lower(), name)
        try:
            params = decode_params(req)
        except ValueError:
            params = {}
            error: ApiError | None = ApiError(400, "Bad Request: can't parse request body")
        else:
            error = None
        record = ApiRequest(method, params, time.monotonic(), token)
        with self.state.lock:
            self.state.requests.append(record)
        pause = self._delay_for(method)
        if pause:
            await asyncio.sleep(pause)
        failure = self._take_failure(method)
        retry = 0
        if self.flood is not None and error is None and failure is None:
            retry = self.flood.check(method, params.get("chat_id"))
        if error is not None:
            response: HttpResponse | None = HttpResponse.json(400, error.payload())
        elif failure is not None:
            if failure.apply:
                await self._call(method, params)
            response = self._failure_response(failure)
        elif retry:
            text = f"Too Many Requests: retry after {retry}"
            response = HttpResponse.json(429, ApiError(429, text, {"retry_after": retry}).payload())
        else:
            response = HttpResponse.json(*await self._call(method, params))
        with self.state.lock:
            record.status = response.status if response else -1  # -1: dropped connection
            record.response = _body(response)
        return response

    async def _call(self, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        try:
            if method == "getUpdates":
                result: Any = await self._get_updates(Params(params))
            elif method in METHODS:
                result = METHODS[method](self.state, Params(params))
            else:
                raise ApiError(404, "Not Found")
        except ApiError as err:
            return err.code, err.payload()
        except Exception as err:
            _LOG.exception("fake Bot API failed on %s", method)
            self.errors.append(err)
            return 500, ApiError(500, f"Internal Server Error: fake API bug: {err!r}").payload()
        return 200, {"ok": True, "result": result}

    def _download(self, token: str, file_id: str) -> HttpResponse:
        if token != self.state.token:
            return HttpResponse.json(401, ApiError(401, "Unauthorized").payload())
        with self.state.lock:
            file = self.state.files.get(file_id)
        if file is None or file.content is None:
            return HttpResponse.json(404, ApiError(404, "Not Found").payload())
        return HttpResponse(200, file.content, file.mime_type or "application/octet-stream")

    async def _get_updates(self, p: Params) -> list[dict[str, Any]]:
        with self.state.lock:
            if self.state.webhook["url"]:
                raise ApiError(409, CONFLICT_WEBHOOK)
        self._poll_generation += 1
        mine = self._poll_generation
        self._wake()  # an older long poll now ends with 409, as on Telegram
        offset, limit = p.int("offset"), p.int("limit") or 100
        timeout = float(p.raw("timeout") or 0)
        allowed = p.obj("allowed_updates")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                if mine != self._poll_generation:
                    raise ApiError(409, CONFLICT_POLL)
                updates = self.state.take_updates(offset, limit, allowed)
                remaining = deadline - loop.time()
                if updates or remaining <= 0:
                    return updates
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter, remaining)
            finally:
                self._waiters.discard(waiter)

    def _wake(self) -> None:
        for waiter in list(self._waiters):
            if not waiter.done():
                waiter.set_result(None)

    def _notify(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._wake)


def _body(response: HttpResponse | None) -> Any:
    if response is None:
        return None
    if response.content_type == "application/json":
        return json.loads(response.body)
    return response.body.decode("utf-8", "replace")
