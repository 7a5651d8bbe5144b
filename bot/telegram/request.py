"""The Bot API over aiohttp: python-telegram-bot's requests, without the cost of its httpx stack.

PTB's default ``HTTPXRequest`` spends ~0.65 ms of CPU on a request to a local server (httpx,
httpcore, h11 and anyio, all pure Python); this one ~0.16 ms (aiohttp's parser and multidicts
are compiled). The bot makes seven Bot API calls a report conversation, so this is most of
what it does. PTB still builds every request and reads every answer; only the HTTP client
differs. Errors are PTB's: a timeout is ``TimedOut``, any other failure ``NetworkError``. A
proxy set in the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``) is used, as
httpx uses it; unlike httpx, aiohttp does not read ``ALL_PROXY``. Servers are verified against
certifi's certificate authorities, as httpx verifies them (a slim container may have no others).

Timeouts keep PTB's meaning where aiohttp has one: ``connect`` (a connection, with waiting
for the pool) and ``read`` (between reads of the answer). aiohttp has no write timeout; each
request is bounded instead by the sum of all four, so a server that stops reading an upload
cannot hold a request forever.
"""

from __future__ import annotations

import ssl

import aiohttp
import certifi
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

MEDIA_WRITE_TIMEOUT = 20.0  # as PTB's HTTPXRequest allows for uploading a file


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a connection pool, for PTB's Bot API calls."""

    def __init__(
        self,
        pool: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._pool = pool
        self._tls = tls  # None: certifi's certificate authorities, as httpx trusts
        self._read, self._write = read_timeout, write_timeout
        self._connect, self._wait = connect_timeout, pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds it to a long poll's own)."""
        return self._read

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            tls = self._tls or ssl.create_default_context(cafile=certifi.where())
            connector = aiohttp.TCPConnector(limit=self._pool, ssl=tls)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},  # PTB's, as its own client sends
                trust_env=True,  # HTTP(S)_PROXY and NO_PROXY, which httpx honours too
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One HTTP request; its status and body."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data is not None and request_data.contains_files
        read = _given(read_timeout, self._read)
        write = _given(write_timeout, MEDIA_WRITE_TIMEOUT if files else self._write)
        connect = _total(_given(connect_timeout, self._connect), _given(pool_timeout, self._wait))
        timeout = aiohttp.ClientTimeout(
            total=_total(connect, write, read), connect=connect, sock_read=read
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's timeouts are asyncio's
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def _given(value: ODVInput[float], default: float | None) -> float | None:
    """A timeout passed for one call, or the default when none was."""
    return default if isinstance(value, DefaultValue) else value


def _total(*parts: float | None) -> float | None:
    """The sum of timeouts; None (no limit) if any is."""
    if any(part is None for part in parts):
        return None
    return sum(part for part in parts if part is not None)


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """The request's parameters: a form, with its files when it has any."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters
    form = aiohttp.FormData(request_data.json_parameters, quote_fields=False)  # names as UTF-8
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
