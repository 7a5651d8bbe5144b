"""FakeWeCom: the AI bot's WebSocket and the group robot's HTTP endpoint, on 127.0.0.1.

It serves in the current event loop (``async with FakeWeCom() as wecom:``), so the bot under
test runs in that loop too, or in a subprocess (``yuqing-bot run`` with
``YUQING_WECOM_WS_URL=wecom.ws_url`` and ``YUQING_WECOM_WEBHOOK_URL=wecom.webhook_url``).
"""

from __future__ import annotations

import asyncio
import collections
from typing import Any, Self

from fakeapi.http import HttpRequest, HttpResponse, HttpServer
from websockets.asyncio.server import Server, serve

from .acting import Faults, Users
from .inspection import Inspection
from .media import MEDIA_PATH, MediaEndpoint
from .model import Callback, Card, Posted, Received, RobotMessage
from .robot import RobotEndpoint
from .wire import Conn, Wire


class FakeWeCom(Wire, Users, Faults, Inspection, RobotEndpoint, MediaEndpoint):
    """A fake WeCom for one AI bot (``bot_id``, ``secret``) and the group robots ``robots``."""

    def __init__(
        self,
        bot_id: str = "BOT1",
        secret: str = "SECRET1",
        robots: tuple[str, ...] = ("ROBOTKEY1",),
        *,
        bot_name: str = "机器人",
        update_window: float = 5.0,
        button_text: int = 10,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.bot_id, self.secret, self.bot_name = bot_id, secret, bot_name
        self.robot_keys = set(robots)
        self.update_window = update_window  # seconds after a click in which its card may change
        self.button_text = button_text  # characters a button's text may have
        self.host, self.port = host, port  # port: the WebSocket's (0: any free one)
        # what happened
        self.frames: list[Received] = []  # every frame the bot sent, subscribes included
        self.callbacks: dict[str, Callback] = {}  # what the fake pushed, by req_id
        self.posts: list[Posted] = []  # replies and pushes, in order
        self.cards: dict[str, Card] = {}  # by task_id
        self.robot: dict[str, list[RobotMessage]] = collections.defaultdict(list)
        self.robot_requests: list[tuple[str, Any, int]] = []  # (key, payload, errcode) of each
        self.talked: set[str] = set()  # chats that talked to the bot: pushes may go there
        self.subscribes = 0  # accepted subscribes
        self.connections = 0  # WebSocket connections opened
        self.errors: list[BaseException] = []  # bugs inside the fake
        self._conns: set[Conn] = set()
        self._live: Conn | None = None  # the subscribed connection the fake pushes to
        self._changed = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._ws: Server | None = None
        self._http = HttpServer(self._http_request, lambda: False)
        self._seq = 0
        Faults.__init__(self)
        MediaEndpoint.__init__(self)

    @property
    def ws_url(self) -> str:
        """The AI bot's long-connection URL (YUQING_WECOM_WS_URL)."""
        assert self._ws is not None, "the fake is not started"
        port = self._ws.sockets[0].getsockname()[1]
        return f"ws://{self.host}:{port}"

    @property
    def webhook_url(self) -> str:
        """The group robot's URL, without ``?key=`` (YUQING_WECOM_WEBHOOK_URL)."""
        return f"http://{self.host}:{self._http.port}/cgi-bin/webhook/send"

    async def _http_request(self, request: HttpRequest) -> HttpResponse:
        """The robots' webhook, or the media URLs."""
        if request.path.startswith(MEDIA_PATH):
            return await self._media_http(request)
        return await self._robot_http(request)

    async def start(self) -> Self:
        self._ws = await serve(self._connection, self.host, self.port, ping_interval=None)
        await self._http.start(self.host, 0)
        return self

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._ws is not None:
            self._ws.close()
            await self._ws.wait_closed()
        await self._http.close()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _touch(self) -> None:
        """Wake the waiters: something changed."""
        self._changed.set()
        self._changed = asyncio.Event()

    def _next(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}{self._seq}"

    def _later(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
