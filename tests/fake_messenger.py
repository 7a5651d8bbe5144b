"""A test-only messenger on the Transport port: the proof that a new messenger is small.

It stands in for the next one (it reads the plan's ``feishu`` handles): a parser of its events
into the one dispatch, a renderer of the neutral Doc (mentions as ``<at id=…>``), a client that
talks to an in-memory server. Everything else (the flow, delivery, the clock) is the engine's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import count

from bot.domain.access import Actor
from bot.domain.errors import YuqingError
from bot.domain.plan import Person
from bot.render.doc import Doc, Seg, Style
from bot.service.buttons import unpack
from bot.service.commands import parse
from bot.service.dispatch import Dispatch, Item
from bot.service.running import Running
from bot.service.transport import Capabilities, ChatGone, Outgoing, RetryLater

NAME = "feishu"


@dataclass
class Shown:
    """A message as the fake server keeps it."""

    chat: str
    text: str
    buttons: list[tuple[str, str]]  # (label, data)
    mentioned: list[str]  # handles notified
    edits: int = 0


@dataclass
class Server:
    """The messenger's side: the chats the bot is in, and every message it holds."""

    chats: set[str] = field(default_factory=set)
    messages: dict[str, Shown] = field(default_factory=dict)
    answers: list[tuple[str, str | None]] = field(default_factory=list)
    busy: int = 0  # answer this many calls with "slow down"
    ids: count[int] = field(default_factory=lambda: count(1))
    stalls: dict[str, asyncio.Event] = field(default_factory=dict)  # calls to a chat wait for it
    stalled: asyncio.Event = field(default_factory=asyncio.Event)  # set when a call waits

    async def arrive(self, chat: str) -> None:
        """A call to ``chat`` gets through once the chat is not stalled."""
        release = self.stalls.get(chat)
        if release is not None:
            self.stalled.set()
            await release.wait()

    def accept(self, chat: str) -> None:
        """Refuse a call as the messenger would: not in the chat, or too fast."""
        if self.busy:
            self.busy -= 1
            raise RetryLater("rate limited", seconds=0.01)
        if chat not in self.chats:
            raise ChatGone(f"bot not in chat {chat}")


def segment(seg: Seg, people: Mapping[str, Person], mentioned: list[str]) -> str:
    """One segment; a mention of a person with a handle notifies them."""
    handle = people[str(seg.ref)].handle(NAME) if seg.ref in people else None
    if seg.style is Style.MENTION and handle is not None:
        mentioned.append(str(handle))
        return f"<at id={handle}>{seg.text}</at>"
    return f"**{seg.text}**" if seg.style is Style.BOLD else seg.text


def render(doc: Doc, people: Mapping[str, Person], chat: str) -> Shown:
    """The document as the fake messenger shows it."""
    mentioned: list[str] = []
    lines = ["".join(segment(seg, people, mentioned) for seg in line) for line in doc.lines]
    buttons = [(b.label, b.data) for row in doc.buttons for b in row]
    return Shown(chat, "\n".join(lines), buttons, mentioned)


class FakeMessenger:
    """The client: every call goes to the in-memory server."""

    name = NAME
    capabilities = Capabilities(
        edits=True,
        edit_window=None,
        push=True,
        mentions=True,
        text_limit=30_000,
        buttons=None,
        button_label=None,
    )

    def __init__(self) -> None:
        self.server = Server()

    async def send(self, out: Outgoing) -> str:
        """Post a message."""
        await self.server.arrive(out.chat)
        self.server.accept(out.chat)
        ref = str(next(self.server.ids))
        self.server.messages[ref] = render(out.doc, out.people, out.chat)
        return ref

    async def edit(self, ref: str, out: Outgoing) -> str:
        """Replace a message."""
        await self.server.arrive(out.chat)
        self.server.accept(out.chat)
        edits = self.server.messages[ref].edits + 1
        self.server.messages[ref] = render(out.doc, out.people, out.chat)
        self.server.messages[ref].edits = edits
        return ref

    async def answer(self, press: str, text: str | None = None) -> None:
        """Acknowledge a press."""
        self.server.answers.append((press, text))


@dataclass
class Face:
    """The parser: what people do on the fake server, as typed input to the one dispatch."""

    running: Running
    server: Server

    async def say(self, chat: str, user: str, text: str) -> None:
        """Someone types in the group; a command of ours is run, anything else ignored."""
        command = parse(text)
        if command is not None:
            await self._run(command, chat, user)

    async def press(self, ref: str, label: str, user: str) -> None:
        """Someone presses the button ``label`` on message ``ref``."""
        shown = self.server.messages[ref]
        await self._run(unpack(dict(shown.buttons)[label]), shown.chat, user)

    async def _run(self, item: Item, chat: str, user: str) -> None:
        key = f"{NAME}:{chat}"
        dispatch = Dispatch(self.running.service, self.running.lang)
        try:
            reply = await dispatch(item, Actor(NAME, user), key)
        except YuqingError as exc:  # a refusal, told in the group as the messenger would
            self.post(chat, await self.running.refusal(key, exc))
        else:
            for part in reply.parts:
                if isinstance(part, Doc):
                    self.server.messages[str(next(self.server.ids))] = render(part, {}, chat)
        await self.running.changed()
        await self.running.deliveries[NAME].drain()

    def post(self, chat: str, text: str) -> None:
        """A plain reply from the bot."""
        self.server.messages[str(next(self.server.ids))] = Shown(chat, text, [], [])
