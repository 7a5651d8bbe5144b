"""WeCom as a Transport: cards where WeCom allows them, markdown pushes, the robot's @-mentions.

A message with buttons becomes a ``button_interaction`` card where WeCom lets one reach the
group: the update of a card just clicked (the next grading question, the incident card, a
decision shown) or the reply to the message that asked for it (``/draft`` → the approval card,
``/status`` → the incident card). Anywhere else it is pushed as markdown, its buttons written
as the commands that do the same. A card refresh that no click waits for is neither a reply nor
pushed (the group reads the card with ``/status``); one whose click missed WeCom's 5 seconds
is pushed. Every message that
names people also goes through the group robot, whose ``mentioned_list`` notifies them.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine, Mapping
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from bot.domain.plan import Person
from bot.i18n import Translator
from bot.render.doc import Doc
from bot.service.outbox import Kind
from bot.service.transport import (
    CannotEdit,
    Capabilities,
    Outgoing,
    Rate,
    Refused,
    RetryLater,
)
from bot.store import Store
from bot.wecom import frames, push, render, tokens
from bot.wecom.client import WeComClient
from bot.wecom.errors import (
    BadRobotKey,
    Kicked,
    NoRobot,
    RateLimited,
    Rejected,
    Unreachable,
    WeComError,
)
from bot.wecom.files import MediaFiles
from bot.wecom.robot import Robot
from bot.wecom.slots import Click, Slots

log = logging.getLogger(__name__)

NAME = "wecom"
CARDS = "wecom_cards"  # kv: task id -> every page of the card as last drawn, and the one shown
RATE_WAIT = 3.0  # seconds to wait after a frequency limit (30/min per chat, 20/min per robot)
CAPABILITIES = Capabilities(
    edits=True,
    edit_window=timedelta(seconds=5),  # a card is updated only within 5 s of a click on it
    push=True,  # markdown, into groups that have @-ed the bot
    mentions=True,  # through the group robot, where the group has one
    text_limit=6000,  # 20 480 bytes of markdown, in Chinese characters with room for markup
    buttons=render.BUTTONS,
    button_label=10,
    per_chat=(Rate(20, 60.0),),  # a group robot takes 20 messages a minute
)


class WecomTransport:
    """The AI bot's long connection and the groups' robots behind the Transport port."""

    name = NAME
    capabilities = CAPABILITIES

    def __init__(
        self,
        client: WeComClient,
        robot: Robot,
        bot_name: str | None = None,
        files: MediaFiles | None = None,
    ) -> None:
        self.client, self.robot, self.bot_name = client, robot, bot_name
        self.files = files or MediaFiles()  # the FileSource: images and files people send
        self.slots = Slots()
        self.store: Store | None = None  # the service's, given when the face starts
        self._sent: dict[int, str | None] = {}  # outbox id -> ref: sent, its mention owed
        self._late: set[int] = set()  # outbox ids of refreshes answering a late click
        self._warned: set[str] = set()  # chats whose robot trouble was logged

    def _store(self) -> Store:
        assert self.store is not None, "the WeCom face has not started"
        return self.store

    async def send(self, out: Outgoing) -> str | None:
        """Post the message (a card, or markdown), then @-mention its people by the robot."""
        item = out.item.id
        ref = self._sent[item] if item in self._sent else await self._post(out)
        self._sent[item] = ref
        await self._mention(out)
        del self._sent[item]
        return ref

    async def edit(self, ref: str, out: Outgoing) -> str:
        """Update the card ``ref`` if it was just clicked; else CannotEdit."""
        if Kind(out.item.kind) is Kind.ANSWERED:
            return ref  # the card turns into the next question, or the incident card, at once
        click = self.slots.take_click(ref)
        if click is None:
            if self.slots.answered_late(ref):
                self._late.add(out.item.id)
            raise CannotEdit("no click on it within WeCom's 5 seconds")
        try:
            await self._update(click, out)
        except CannotEdit:
            self._late.add(out.item.id)  # the click waits for this answer: it is pushed
            raise
        return ref

    async def answer(self, press: str, text: str | None = None) -> None:
        """A click is answered by updating its card (see the face); nothing else to do."""

    async def fetch(self, ref: str, limit: int) -> bytes:
        """An image or file people sent (its URL and key in ``ref``), decrypted: a FileSource."""
        return await self.files.fetch(ref, limit)

    async def _post(self, out: Outgoing) -> str | None:
        """The message into the group: a clicked card, a reply card, or a markdown push."""
        kind, has_buttons = Kind(out.item.kind), bool(render.card_data(out.doc))
        refresh = kind is Kind.CARD and not out.item.payload.get("announce")
        if has_buttons and kind in (Kind.QUESTION, Kind.CARD):
            clicked = self.slots.click_on(out.item.incident_id)
            click = self.slots.take_click(clicked) if clicked else None
            if click is not None:
                try:
                    await self._update(click, out)
                    return click.task_id
                except CannotEdit as exc:  # WeCom's window closed after all: pushed
                    log.warning("WeCom card %s not updated (%s); pushed", click.task_id, exc)
                    if refresh:
                        self._late.add(out.item.id)
        caused = self.slots.take_reply(out.chat, out.item.created_at) if not refresh else None
        if caused is not None:  # what a message caused is its reply
            return await self._answer(caused, out)
        if refresh and out.item.id not in self._late:
            return None  # nobody waits for it: /status shows the card as it is
        await self._push(out)
        self._late.discard(out.item.id)  # only now: a push retried later is still owed
        return None

    async def _card(self, out: Outgoing, task_id: str) -> dict[str, Any]:
        """The Doc as the card ``task_id``, its keys in the store, the card kept for refusals."""
        return await self.draw(_task(out), task_id, out.doc, out.people, out.lang)

    async def draw(
        self, task: tokens.Task, task_id: str, doc: Doc, people: Mapping[str, Person], lang: str
    ) -> dict[str, Any]:
        """Page ``task.page`` of ``doc`` as the card ``task_id``, recorded as showing ``task``."""
        store = self._store()
        keys = await tokens.keys_for(store, render.card_data(doc))
        t = Translator(lang)
        pages = [
            render.template_card(doc, people, t, keys, task_id, page).template_card
            for page in range(len(render.views(doc)))
        ]
        page = min(task.page, len(pages) - 1)
        async with store.transaction() as tx:
            await tx.kv_set(tokens.TASKS, task_id, asdict(task))
            await tx.kv_set(CARDS, task_id, {"pages": pages, "page": page})
        return pages[page]

    async def reply(self, out: Outgoing) -> None:
        """A command's answer: a card if it has buttons, else markdown; as the reply if it can."""
        req_id = self.slots.take_reply(out.chat)
        if req_id is None:
            await self._push(out)
        else:
            await self._answer(req_id, out)

    async def _answer(self, req_id: str, out: Outgoing) -> str | None:
        """The reply to message ``req_id``: a card (its task id) or markdown, the rest pushed."""
        if render.card_data(out.doc):
            try:
                return await self._reply(req_id, out)
            except Rejected as exc:  # the reply came too late or twice: push instead
                log.warning("WeCom reply in chat %s refused (%s); pushed instead", out.chat, exc)
                await self._push(out)
                return None
        contents = push.to_markdown(await self._typed(out))
        try:
            await self.client.respond(req_id, frames.markdown(contents.pop(0)))
        except Rejected as exc:
            log.warning("WeCom reply in chat %s refused (%s); pushed instead", out.chat, exc)
            contents = push.to_markdown(await self._typed(out))
        except WeComError as exc:
            raise _port_error(exc) from exc
        for content in contents:
            await self._send_markdown(out.chat, content)
        return None

    async def _update(self, click: Click, out: Outgoing) -> None:
        card = await self._card(out, click.task_id)
        try:
            await self.client.update(click.req_id, card)
        except Rejected as exc:  # late after all, or answered already: the push carries it
            raise CannotEdit(str(exc)) from exc
        except WeComError as exc:
            raise _port_error(exc) from exc

    async def _reply(self, req_id: str, out: Outgoing) -> str:
        task_id = await tokens.new_task(self._store(), _task(out))
        card = await self._card(out, task_id)
        try:
            await self.client.respond(req_id, frames.card(card))
        except (Unreachable, RateLimited) as exc:
            raise _port_error(exc) from exc
        return task_id

    async def _push(self, out: Outgoing) -> None:
        """Markdown into the group, buttons written as commands."""
        for content in push.to_markdown(await self._typed(out)):
            await self._send_markdown(out.chat, content)

    async def _send_markdown(self, chat: str, content: str) -> None:
        """One markdown push (through the group robot while another instance holds the bot)."""
        try:
            await self.client.send(chat, frames.markdown(content))
        except Kicked as exc:
            if not self.robot.covers(chat):
                raise _port_error(exc) from exc
            await self._robot(chat, self.robot.markdown(chat, content))
        except WeComError as exc:
            raise _port_error(exc) from exc

    async def _typed(self, out: Outgoing) -> Doc:
        if not render.card_data(out.doc) or out.item.incident_id is None:
            return out.doc
        incident = await self._store().get_incident(out.item.incident_id)
        number = incident.number if incident else 0
        return push.typed(out.doc, Translator(out.lang), number, self.bot_name)

    async def _mention(self, out: Outgoing) -> None:
        """The robot's text with ``mentioned_list``: what really notifies the people named."""
        texts = push.robot_texts(out.doc, out.people)
        if not texts or not texts[0].mentioned_list:
            return
        if not self.robot.covers(out.chat):
            self._warn(out.chat, NoRobot(out.chat))
            return
        first = texts[0]
        await self._robot(out.chat, self.robot.text(out.chat, first.content, first.mentioned_list))

    def _warn(self, chat: str, exc: WeComError) -> None:
        """One log line per group whose robot cannot notify anyone."""
        if chat not in self._warned:
            self._warned.add(chat)
            log.error("%s; people there are named but not notified", exc)  # exc names the chat

    async def _robot(self, chat: str, call: Coroutine[Any, Any, None]) -> None:
        try:
            await call
        except (NoRobot, BadRobotKey) as exc:
            self._warn(chat, exc)
        except (RateLimited, Unreachable) as exc:
            raise _port_error(exc) from exc
        except Rejected as exc:
            log.error("WeCom group robot of %s refused a message: %s", chat, exc)


def _task(out: Outgoing) -> tokens.Task:
    """What a card drawn for ``out`` shows, as its task id records it."""
    item = out.item
    return tokens.Task(f"{NAME}:{out.chat}", item.incident_id, item.kind, 0, item.id or None)


def _port_error(exc: WeComError) -> Exception:
    """A client error as the port's: wait and retry, or refused."""
    if isinstance(exc, RateLimited):
        return RetryLater(str(exc), seconds=RATE_WAIT)
    if isinstance(exc, Unreachable):
        return RetryLater(str(exc), timed_out=exc.timed_out)
    return Refused(str(exc))
