"""WeCom's part of the composition: the AI bot's long connection, the group robots, the face."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from bot.service.running import Running
from bot.service.transport import Transport
from bot.settings import Settings
from bot.wecom.client import State, WeComClient
from bot.wecom.errors import SubscribeRejected
from bot.wecom.intake import Intake
from bot.wecom.robot import Robot
from bot.wecom.transport import WecomTransport

log = logging.getLogger(__name__)


class WecomFace:
    """WeCom as ``run`` starts it (a ``bot.serve.Face``): connected while this process leads."""

    def __init__(self, settings: Settings) -> None:
        assert settings.wecom_bot_id is not None and settings.wecom_secret is not None
        keys = {chat: key.get_secret_value() for chat, key in settings.wecom_webhooks.items()}
        self.robot = Robot(keys, settings.wecom_webhook_url)
        self.client = WeComClient(
            settings.wecom_bot_id,
            settings.wecom_secret.get_secret_value(),
            url=settings.wecom_ws_url,
        )
        self._transport = WecomTransport(self.client, self.robot)
        self._watch: asyncio.Task[None] | None = None

    @property
    def transport(self) -> Transport:
        """The WeCom client behind the Transport port."""
        return self._transport

    async def start(self, running: Running) -> None:
        """Subscribe (SubscribeRejected: wrong credentials) and hand callbacks to the face."""
        self._transport.store = running.service.store
        self.client.handler = Intake(self._transport, running).handle
        await self.client.start(must_connect=False)  # unreachable now: it keeps trying
        self._watch = asyncio.create_task(self._watch_end(), name="wecom-watch")

    def problem(self) -> str | None:
        """Why the long connection is not usable now (None: subscribed)."""
        state = self.client.state
        return None if state is State.ONLINE else f"long connection {state.value}"

    async def _watch_end(self) -> None:
        """Say once if WeCom ends for good while the process goes on (other messengers too)."""
        try:
            state = await self.client.wait_done()
        except SubscribeRejected as exc:
            log.error("WeCom refused the bot's subscription on reconnecting (%s): WeCom stops", exc)
            return
        if state is not State.KICKED:  # a takeover was said once already, by the client
            log.warning("the WeCom connection has ended (%s); the rest of the bot goes on", state)

    async def stop(self) -> None:
        """Close the long connection (this process stops leading; it may start it again)."""
        if self._watch is not None:
            self._watch.cancel()
            with suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        await self.client.stop()

    async def close(self) -> None:
        """Close the connection and the robots' HTTP client, for good."""
        await self.stop()
        await self.robot.aclose()
        await self._transport.files.aclose()
