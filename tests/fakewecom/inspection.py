"""Reading back what the bot did, and waiting for it (woken by each change, never fixed sleeps)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from .model import JSON, Card, Posted, Received, RobotMessage

if TYPE_CHECKING:
    from .server import FakeWeCom

T = TypeVar("T")


class Inspection:
    """Mixin of FakeWeCom: what the bot sent, as it stands, and waits for more."""

    @property
    def online(self: FakeWeCom) -> bool:
        """A subscribed connection is up."""
        return self._live is not None

    def sent(self: FakeWeCom, cmd: str | None = None) -> list[Received]:
        """Every frame the bot sent (of ``cmd``), oldest first."""
        return [r for r in self.frames if cmd is None or r.cmd == cmd]

    def pushes(self: FakeWeCom, chat: str | None = None) -> list[Posted]:
        """Accepted pushes (aibot_send_msg) into ``chat`` (any), oldest first."""
        return [p for p in self.posts if p.kind == "push" and chat in (None, p.chat)]

    def replies(self: FakeWeCom, chat: str | None = None) -> list[Posted]:
        """Accepted replies (aibot_respond_msg) in ``chat`` (any), oldest first."""
        return [p for p in self.posts if p.kind == "reply" and chat in (None, p.chat)]

    def card(self: FakeWeCom, task_id: str, userid: str | None = None) -> JSON:
        """Card ``task_id`` as it stands for ``userid`` (for everyone when None)."""
        return self.card_state(task_id).seen_by(userid)

    def card_state(self: FakeWeCom, task_id: str) -> Card:
        """Card ``task_id`` with its private views and history."""
        if task_id not in self.cards:
            raise AssertionError(f"no card {task_id!r}\n{self.describe()}")
        return self.cards[task_id]

    def robot_messages(self: FakeWeCom, key: str | None = None) -> list[RobotMessage]:
        """What the group robot ``key`` (any) accepted, oldest first."""
        return [m for k, ms in self.robot.items() if key in (None, k) for m in ms]

    def answer(self: FakeWeCom, req_id: str) -> Received | None:
        """The accepted reply or update that answered the callback ``req_id``."""
        return self.callbacks[req_id].answer

    def describe(self: FakeWeCom) -> str:
        """A summary for failure messages."""
        lines = [
            f"subscribes={self.subscribes} connections={self.connections} online={self.online}"
        ]
        lines += [
            f"  {r.conn}> {json.dumps(r.frame, ensure_ascii=False)[:300]}"
            for r in self.frames[-12:]
        ]
        lines += [
            f"  robot {m.key}: {m.content[:120]!r} @{list(m.mentioned_list)}"
            for m in self.robot_messages()[-5:]
        ]
        return "\n".join(lines)

    async def wait_for(
        self: FakeWeCom, check: Callable[[], T], timeout: float = 10.0, what: str = "a change"
    ) -> T:
        """Wait until ``check()`` is truthy, re-checking after each change; its value."""
        try:
            async with asyncio.timeout(timeout):
                while not (value := check()):
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(f"waited {timeout:g} s for {what}\n{self.describe()}") from None
        return value

    async def wait_subscribes(self: FakeWeCom, count: int, timeout: float = 10.0) -> None:
        """Wait until ``count`` subscribes were accepted in all."""
        await self.wait_for(lambda: self.subscribes >= count, timeout, f"{count} subscribes")

    async def wait_offline(self: FakeWeCom, timeout: float = 10.0) -> None:
        """Wait until no subscribed connection is up."""
        await self.wait_for(lambda: not self.online, timeout, "no subscribed connection")

    async def wait_frame(
        self: FakeWeCom,
        cmd: str,
        where: Callable[[Received], bool] = lambda r: True,
        after: int = 0,
        timeout: float = 10.0,
    ) -> Received:
        """The first frame of ``cmd`` (from the ``after``-th on) that matches ``where``."""

        def find() -> Received | None:
            return next((r for r in self.sent(cmd)[after:] if where(r)), None)

        return await self.wait_for(find, timeout, f"a {cmd} frame")

    async def wait_push(
        self: FakeWeCom,
        chat: str,
        where: Callable[[Posted], bool] = lambda p: True,
        after: int = 0,
        timeout: float = 10.0,
    ) -> Posted:
        """The first accepted push into ``chat`` (from the ``after``-th on) matching ``where``."""

        def find() -> Posted | None:
            return next((p for p in self.pushes(chat)[after:] if where(p)), None)

        return await self.wait_for(find, timeout, f"a push into {chat}")

    async def wait_reply(self: FakeWeCom, req_id: str, timeout: float = 10.0) -> Received:
        """The accepted reply or card update answering the callback ``req_id``."""
        return await self.wait_for(lambda: self.answer(req_id), timeout, f"an answer to {req_id}")

    async def wait_card(
        self: FakeWeCom,
        task_id: str,
        where: Callable[[JSON], bool],
        userid: str | None = None,
        timeout: float = 10.0,
    ) -> JSON:
        """Card ``task_id`` (as ``userid`` sees it) once it matches ``where``."""

        def find() -> JSON | None:
            card = self.cards.get(task_id)
            return (
                card.seen_by(userid) if card is not None and where(card.seen_by(userid)) else None
            )

        return await self.wait_for(find, timeout, f"card {task_id}")

    async def wait_robot(
        self: FakeWeCom,
        key: str,
        where: Callable[[RobotMessage], bool] = lambda m: True,
        after: int = 0,
        timeout: float = 10.0,
    ) -> RobotMessage:
        """The first message robot ``key`` took (from the ``after``-th on) matching ``where``."""

        def find() -> RobotMessage | None:
            return next((m for m in self.robot_messages(key)[after:] if where(m)), None)

        return await self.wait_for(find, timeout, f"a message of robot {key}")
