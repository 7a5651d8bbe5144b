"""A small HTTP/1.1 server on asyncio streams: keep-alive, Content-Length or chunked bodies.

Each connection gets its own task, so a long-polling ``getUpdates`` on one connection never
blocks calls on another. Body decoding covers JSON, urlencoded forms and multipart uploads.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote

from .model import JSON, UploadedFile
from .validate import coerce_form_value


class HttpParseError(ValueError):
    pass


@dataclass
class HttpRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    body: bytes


@dataclass
class HttpResponse:
    status: int
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def json(cls, status: int, payload: Any) -> HttpResponse:
        return cls(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"))


# Returning None drops the connection without a response (fault injection).
Handler = Callable[[HttpRequest], Awaitable[HttpResponse | None]]


async def read_request(reader: asyncio.StreamReader) -> HttpRequest | None:
    line = await reader.readline()
    if not line:
        return None
    parts = line.decode("latin-1").rstrip("\r\n").split(" ")
    if len(parts) != 3:
        raise HttpParseError(f"bad request line {line!r}")
    headers: dict[str, str] = {}
    while True:
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                await reader.readline()
                break
            chunks.append(await reader.readexactly(size))
            await reader.readline()
        body = b"".join(chunks)
    else:
        body = await reader.readexactly(int(headers.get("content-length") or 0))
    path, _, query = parts[1].partition("?")
    return HttpRequest(parts[0].upper(), unquote(path), query, headers, body)


def encode_response(resp: HttpResponse, keep_alive: bool) -> bytes:
    try:
        reason = HTTPStatus(resp.status).phrase
    except ValueError:
        reason = "Unknown"
    head = (
        f"HTTP/1.1 {resp.status} {reason}\r\n"
        f"Server: fake-telegram-bot-api\r\n"
        f"Content-Type: {resp.content_type}\r\n"
        f"Content-Length: {len(resp.body)}\r\n"
        f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
    )
    return head.encode("latin-1") + resp.body


def decode_params(req: HttpRequest) -> JSON:
    """Request parameters from the query string and the body, typed like PTB sent them.

    Raises ValueError on an undecodable body.
    """
    params: JSON = {k: coerce_form_value(k, v) for k, v in parse_qsl(req.query)}
    ctype = req.headers.get("content-type", "")
    if not req.body:
        return params
    if ctype.startswith("application/json"):
        data = json.loads(req.body.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("JSON body is not an object")
        params.update(data)
    elif ctype.startswith("application/x-www-form-urlencoded"):
        pairs = parse_qsl(req.body.decode("utf-8"), keep_blank_values=True)
        params.update({k: coerce_form_value(k, v) for k, v in pairs})
    elif ctype.startswith("multipart/form-data"):
        params.update(_decode_multipart(ctype, req.body))
    return params


def _decode_multipart(ctype: str, body: bytes) -> JSON:
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    message = parser.parsebytes(b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + body)
    fields: JSON = {}
    files: dict[str, UploadedFile] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        filename = part.get_filename()
        if filename is not None:
            files[name] = UploadedFile("", filename, payload, part.get_content_type())
        else:
            fields[name] = coerce_form_value(name, payload.decode("utf-8"))
    for key, value in list(fields.items()):  # PTB's attach://<name> references
        if isinstance(value, str) and value.startswith("attach://"):
            fields[key] = files.pop(value.removeprefix("attach://"), value)
    return {**files, **fields}


class HttpServer:
    def __init__(self, handler: Handler, refuse: Callable[[], bool]) -> None:
        self._handler = handler
        self._refuse = refuse
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._server = await asyncio.start_server(self._serve, host, port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1)
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            while not self._refuse():
                request = await read_request(reader)
                if request is None or self._refuse():
                    break
                response = await self._handler(request)
                if response is None:
                    break
                keep_alive = request.headers.get("connection", "").lower() != "close"
                writer.write(encode_response(response, keep_alive))
                await writer.drain()
                if not keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, HttpParseError, ValueError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            writer.close()
            # cancelled here too when the server closes meanwhile: end quietly all the same
            # (a connection task ending cancelled is an ERROR in asyncio's log)
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await writer.wait_closed()
            if task is not None:
                self._tasks.discard(task)
