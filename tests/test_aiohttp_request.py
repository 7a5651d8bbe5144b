"""The Bot API's HTTP client (bot/telegram/request.py) against a real HTTP server on 127.0.0.1.

What PTB hands it arrives as Telegram expects (form fields; a file as multipart with its name
and type), and what goes wrong comes back as PTB's errors: an answer too slow is TimedOut, a
refused connection NetworkError. The end-to-end suites run the bot on it throughout
(tests/test_api_faults.py: a slow, then unreachable API).
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trustme
from aiohttp import web
from aiohttp.test_utils import TestServer
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.request import AiohttpRequest

OK = {"ok": True, "result": {"message_id": 7}}
ME = {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "舆情助手", "username": "yq"}}


@asynccontextmanager
async def opened(request: AiohttpRequest) -> AsyncIterator[AiohttpRequest]:
    """The request initialized while inside, shut down after."""
    await request.initialize()
    try:
        yield request
    finally:
        await request.shutdown()


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
async def server() -> AsyncIterator[tuple[TestServer, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    async def handle(request: web.Request) -> web.Response:
        if request.path.endswith("/slow"):
            await asyncio.sleep(5)
        fields: dict[str, Any] = {}
        if request.content_type == "multipart/form-data":
            async for part in await request.multipart():
                data = await part.read()  # type: ignore[union-attr]
                name, filename = part.name, part.filename  # type: ignore[union-attr]
                fields[str(name)] = (filename, part.headers.get("Content-Type"), data)
        else:
            fields.update(await request.post())
        seen.append({"path": request.path, "method": request.method, "fields": fields})
        return web.json_response(ME if request.path.endswith("/getMe") else OK)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    async with TestServer(app, host="127.0.0.1") as running:
        yield running, seen


async def test_parameters_and_files_arrive_as_telegram_reads_them(
    server: tuple[TestServer, list[dict[str, Any]]],
) -> None:
    running, seen = server
    async with opened(AiohttpRequest()) as request:
        url = str(running.make_url("/bot1:T/sendMessage"))
        params = [
            RequestParameter.from_input("chat_id", -100),
            RequestParameter.from_input("text", "网帖 <b>"),
        ]
        status, body = await request.do_request(url, "POST", RequestData(params))
        assert (status, json.loads(body)) == (200, OK)
        assert seen[-1]["fields"] == {"chat_id": "-100", "text": "网帖 <b>"}
        document = InputFile(b"PK\x03\x04docx", filename="总结.docx")
        params = [
            RequestParameter.from_input("chat_id", -100),
            RequestParameter.from_input("document", document),
        ]
        status, _ = await request.do_request(url, "POST", RequestData(params))
        assert status == 200
        name, kind, data = seen[-1]["fields"]["document"]
        assert (name, data) == ("总结.docx", b"PK\x03\x04docx") and kind
        assert seen[-1]["fields"]["chat_id"] == (None, "text/plain; charset=utf-8", b"-100")


async def test_a_slow_answer_is_timed_out_and_a_refused_connection_a_network_error(
    server: tuple[TestServer, list[dict[str, Any]]],
) -> None:
    running, _ = server
    async with opened(AiohttpRequest(read_timeout=0.2)) as request:
        with pytest.raises(TimedOut):
            await request.do_request(str(running.make_url("/bot1:T/slow")), "POST")
        with pytest.raises(NetworkError) as caught:
            await request.do_request(f"http://127.0.0.1:{free_port()}/bot1:T/getMe", "POST")
        assert not isinstance(caught.value, TimedOut)


async def test_it_serves_a_bot_and_opens_again_after_a_shutdown(
    server: tuple[TestServer, list[dict[str, Any]]],
) -> None:
    running, seen = server
    request = AiohttpRequest()
    with pytest.raises(RuntimeError):
        await request.do_request(str(running.make_url("/x")), "POST")
    base = str(running.make_url("/bot"))
    for _ in range(2):  # a Bot starts (getMe) and shuts down its requests each time
        async with Bot("1:T", base_url=base, request=request, get_updates_request=request) as bot:
            found = await bot.do_api_request("anyMethod", {"chat_id": 1, "text": "x"})
            assert found == OK["result"]
    paths = [entry["path"] for entry in seen]
    assert paths == ["/bot1:T/getMe", "/bot1:T/anyMethod"] * 2


async def test_a_proxy_set_in_the_environment_is_used(
    server: tuple[TestServer, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    running, seen = server
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", str(running.make_url("/")))  # the server stands for it
    async with opened(AiohttpRequest()) as request:
        status, _ = await request.do_request("http://api.example.invalid/bot1:T/getMe", "POST")
    assert status == 200 and seen[-1]["path"] == "/bot1:T/getMe"


async def test_https_is_verified_against_the_authorities_it_trusts() -> None:
    authority = trustme.CA()
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(served)

    async def answer(_: web.Request) -> web.Response:
        return web.json_response(OK)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=served).start()
    url = f"https://127.0.0.1:{port}/bot1:T/getMe"
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)
    try:
        async with opened(AiohttpRequest(tls=trusting)) as request:
            assert (await request.do_request(url, "POST"))[0] == 200
        async with opened(AiohttpRequest()) as request:  # certifi's authorities, not this test's
            with pytest.raises(NetworkError, match=r"(?i)certificate"):
                await request.do_request(url, "POST")
    finally:
        await runner.cleanup()
