"""WeCom's callbacks into the one dispatch: @-messages as typed commands, clicks as presses.

A message that @-s the bot (``@机器人 /report …``) is a typed command, answered as its reply;
a click on a card is the press its key names (resolved from the store), answered by updating
that card within WeCom's 5 seconds. A refused click changes the card for the presser alone,
saying why. Each callback is handled once (its msgid), even when WeCom delivers it again.
"""

from __future__ import annotations

import copy
import logging
import re
from contextlib import suppress
from dataclasses import replace
from typing import Any

from bot.domain.access import Actor, person_ids
from bot.domain.errors import StoreError, YuqingError
from bot.domain.incident import Attachment
from bot.domain.lifecycle import State
from bot.domain.text import links_in
from bot.render.doc import Doc
from bot.render.messages import question
from bot.service import commands
from bot.service.buttons import StaleButton, unpack
from bot.service.dispatch import Dispatch, Reply
from bot.service.plans import UnknownChat
from bot.service.running import Running
from bot.service.seen import Window
from bot.service.transport import Outgoing, TransportError
from bot.store import OutboxItem
from bot.wecom import render, tokens
from bot.wecom.errors import WeComError
from bot.wecom.frames import CardClick, Inbound, Message
from bot.wecom.media import Media
from bot.wecom.slots import Click
from bot.wecom.text import cut
from bot.wecom.transport import CARDS, NAME, WecomTransport

log = logging.getLogger(__name__)

ADDRESSED = re.compile(r"^\s*(?:@\S+\s*)+")  # the "@机器人 " WeCom keeps at the start
DESC = 60  # a card's main_title.desc, in half-width units


class Intake:
    """The WeCom face's parser, on one running service."""

    def __init__(self, transport: WecomTransport, running: Running) -> None:
        self.transport, self.running = transport, running
        self.dispatch = Dispatch(running.service, running.lang)
        self.window = Window()

    async def handle(self, item: Inbound) -> None:
        """One callback from WeCom (the client logs what this raises, with its context)."""
        if isinstance(item, Message):
            # the chat's newest message is the one WeCom lets us answer: record it as it
            # arrives, before any wait, so that two handled at once keep their order
            now = self.running.service.clock.now()
            self.transport.slots.message(item.chat, item.req_id, now)
            if await self._first(item.msgid):
                await self._message(item)
        elif isinstance(item, CardClick):
            if await self._first(item.msgid):
                await self._click(item)
        else:
            log.debug("WeCom %s %s ignored", item.cmd, item.eventtype)

    async def _first(self, msgid: str) -> bool:
        """Whether this callback is new (a database that cannot be used: handled anyway)."""
        try:
            service = self.running.service
            fresh = await self.window.claim(service.store, f"{NAME}:{msgid}", service.clock.now())
        except StoreError as exc:
            log.warning("WeCom callback %s not recorded as seen: %s", msgid, exc)
            fresh = True
        if fresh:
            self.running.meter.update(NAME)
        return fresh

    async def _message(self, msg: Message) -> None:
        """A typed command (anything else that @-s the bot gets /help)."""
        text = ADDRESSED.sub("", msg.text, count=1).strip()
        chat = f"{NAME}:{msg.chat}"
        try:
            command = with_attachments(commands.parse(text) or commands.Help(), msg)
            if (asked := await self._asked(chat, command)) is not None:
                await self._say(chat, asked)
                return
            reply = await self.dispatch(command, self._actor(chat, msg.userid), chat)
        except YuqingError as exc:
            await self._say(chat, Doc().line(await self.running.refusal(chat, exc)))
            return
        t = await self.running.translator(chat)
        for part in reply.parts:
            shown = (
                part if isinstance(part, Doc) else Doc().line(t("wecom.no_files", name=part.name))
            )
            await self._say(chat, shown, reply)
        await self.running.changed()

    async def _asked(self, chat: str, command: commands.Command) -> Doc | None:
        """For ``/status N`` while #N is graded: the question it waits on, with its buttons.

        The reporter answers on the card that asked; a question that could not come as that
        card's update (WeCom's 5 seconds missed, a restart) was pushed without buttons, and
        this reply brings them back.
        """
        if not isinstance(command, commands.Status):
            return None
        service = self.running.service
        try:
            incident = await service.find(chat, command.number)
            plan = await service.plan_for(incident)
        except YuqingError:
            return None  # the dispatch says why
        if incident.state is not State.REPORTED:
            return None
        t = await self.running.translator(chat)
        return question(incident, plan, t, len(incident.answers), None)

    def _actor(self, chat: str, userid: str) -> Actor:
        """Who acts: WeCom gives only the userid; the plan's name for them, if it has one."""
        actor = Actor(NAME, userid)
        with suppress(UnknownChat):
            plan = self.running.service.plans.for_chat(chat)
            for person_id in person_ids(plan, actor):
                return Actor(NAME, userid, None, plan.people[person_id].name)
        return actor

    async def _say(self, chat: str, doc: Doc, reply: Reply | None = None) -> None:
        """Answer in the chat (as the reply to its message while it can be)."""
        people = reply.people if reply is not None else {}
        now = self.running.service.clock.now()
        item = OutboxItem(0, chat, "reply", {}, now, _incident_of(doc))
        out = Outgoing(
            chat.partition(":")[2], doc, people, item, lang=await self.running.lang(chat)
        )
        try:
            await self.transport.reply(out)
        except (TransportError, WeComError) as exc:
            log.warning("WeCom answer in %s not delivered: %s", chat, exc)

    async def _click(self, click: CardClick) -> None:
        """A button: the card's other page, or the press its key stands for."""
        store = self.running.service.store
        task = await tokens.task_for(store, click.task_id)
        chat = f"{NAME}:{click.chat}"
        page = render.nav_page(click.event_key)
        if page is not None and task is not None:
            await self._turn(click, task, page)
            return
        data = await tokens.data_for(store, click.event_key)
        incident = task.incident_id if task is not None else None
        at = self.transport.slots.now()
        owed = Click(click.req_id, click.task_id, incident, at, click.userid)
        self.transport.slots.click(owed)
        try:
            press = unpack(data) if data is not None else None
            if press is None:
                raise StaleButton()
            await self.dispatch(press, self._actor(chat, click.userid), chat)
        except YuqingError as exc:
            await self._refuse(click, await self.running.refusal(chat, exc))
            return
        await self.running.changed()

    async def _refuse(self, click: CardClick, text: str) -> None:
        """Show the presser alone why nothing happened, on the card they pressed."""
        owed = self.transport.slots.take_click(click.task_id)
        shown = await self._shown(click.task_id)
        if owed is None or shown is None:
            log.info("WeCom click on %s refused, too late to say so", click.task_id)
            return
        pages, page = shown
        told: dict[str, Any] = copy.deepcopy(pages[page])
        told.setdefault("main_title", {})["desc"] = cut("⚠ " + text, DESC)
        try:
            await self.transport.client.update(owed.req_id, told, [click.userid])
        except WeComError as exc:
            log.warning("WeCom refusal on %s not shown: %s", click.task_id, exc)

    async def _shown(self, task_id: str) -> tuple[list[dict[str, Any]], int] | None:
        """Every page of card ``task_id`` as last drawn, and the page shown; None if unknown."""
        found = await self.running.service.store.kv_get(CARDS, task_id)
        if not isinstance(found, dict) or not isinstance(found.get("pages"), list):
            return None
        pages, page = found["pages"], found.get("page", 0)
        return (pages, page) if isinstance(page, int) and 0 <= page < len(pages) else None

    async def _turn(self, click: CardClick, task: tokens.Task, page: int) -> None:
        """更多 / 返回 / 刷新: the card as last drawn, on another page of its buttons."""
        shown = await self._shown(click.task_id)
        if shown is None:
            return
        pages = shown[0]
        page = min(page, len(pages) - 1)
        store = self.running.service.store
        async with store.transaction() as tx:
            await tx.kv_set(CARDS, click.task_id, {"pages": pages, "page": page})
        try:
            await self.transport.client.update(click.req_id, pages[page])
        except WeComError as exc:
            log.warning("WeCom card %s not turned to page %s: %s", click.task_id, page, exc)


def with_attachments(command: commands.Command, msg: Message) -> commands.Command:
    """A report, progress report or review with what its message carries: images, files, links.

    As on Telegram, a report also takes the message it quotes (the post reported): its text,
    images, files and links.
    """
    if isinstance(command, commands.Report):
        found = _carried(msg.media, msg.text) + _carried(msg.quoted, msg.quote_text, quoted=True)
    elif isinstance(command, commands.Update | commands.Review):
        found = _carried(msg.media, msg.text)
    else:
        return command
    return replace(command, attachments=command.attachments + found) if found else command


def _carried(media: tuple[Media, ...], text: str, quoted: bool = False) -> tuple[Attachment, ...]:
    """A message's parts as attachments: its text if quoted, its images and files, its links."""
    said = [Attachment("text", text.strip())] if quoted and text.strip() else []
    files = [Attachment(item.kind, item.ref) for item in media]
    return tuple(said + files + [Attachment("link", url) for url in links_in(text)])


def _incident_of(doc: Doc) -> int | None:
    """The incident a Doc's buttons act on (a /status card), if any."""
    for data in render.card_data(doc):
        try:
            return unpack(data).incident_id
        except StaleButton:
            continue
    return None
