"""The one dispatch point: a typed button press or text command, by someone in a chat → a use case.

Every face (each messenger, and the drill) parses its input into the types of
``buttons`` and ``commands`` and calls ``Dispatch``; what comes back is neutral (Docs, files),
rendered by the face.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field

from bot.domain.access import Actor
from bot.domain.incident import Incident
from bot.domain.obligations import REVIEW_ID
from bot.domain.plan import Person
from bot.i18n import Translator
from bot.render.doc import Doc
from bot.service import commands as cmd
from bot.service import languages, queries
from bot.service.buttons import (
    Answer,
    Approve,
    Cancel,
    Close,
    Confirm,
    Done,
    Press,
    Regrade,
    Reject,
    Stabilise,
    StaleButton,
)
from bot.service.incidents import IncidentService
from bot.service.plans import UnknownChat
from bot.service.queries import Part

Language = Callable[[str], Awaitable[str]]  # chat key -> the language the chat reads
Item = Press | cmd.Command


@dataclass(frozen=True)
class Reply:
    """What a command answers with (Docs and files, in order), and the incident it acted on."""

    parts: tuple[Part, ...] = ()
    incident: Incident | None = None
    people: Mapping[str, Person] = field(default_factory=dict)  # the plan's, for mentions


@dataclass
class Dispatch:
    """Runs typed input through the incident service for one face."""

    service: IncidentService
    language: Language
    drill: bool = False  # reports open drill incidents (left out of statistics)

    async def __call__(self, item: Item, who: Actor, chat: str) -> Reply:
        """Act for ``who`` in ``chat``: errors are the use cases' own (YuqingError subclasses)."""
        if isinstance(item, Press):
            return Reply(incident=await self.press(item, who, chat))
        return await self.command(item, who, chat)

    async def press(self, press: Press, who: Actor, chat: str) -> Incident:
        """The use case a button stands for, only on an incident of the pressing chat."""
        found = await self.service.store.get_incident(press.incident_id)
        if found is None or found.chat != chat:
            raise StaleButton()
        service, incident_id = self.service, press.incident_id
        match press:
            case Answer(index=index, option=option):
                return await service.answer(incident_id, who, index, option)
            case Confirm():
                return await service.confirm(incident_id, who)
            case Regrade(level=level):
                return await service.regrade(incident_id, who, level)
            case Cancel():
                return await service.cancel(incident_id, who)
            case Stabilise():
                return await service.stabilise(incident_id, who)
            case Close():
                return await service.close(incident_id, who)
            case Done(obligation=obligation):
                return await service.done(incident_id, who, obligation)
            case Approve(obligation=obligation, digest=digest):
                return await service.decide_content(incident_id, who, obligation, True, digest)
            case Reject(obligation=obligation, digest=digest):
                return await service.decide_content(incident_id, who, obligation, False, digest)

    async def command(self, command: cmd.Command, who: Actor, chat: str) -> Reply:
        """A text command: the state-changing ones act, the read-side ones answer."""
        service = self.service
        match command:
            case cmd.Report(text=text, attachments=attachments):
                lang = await self.language(chat)
                incident = await service.open_report(
                    chat, who, text, attachments, lang, drill=self.drill
                )
                return Reply(incident=incident)
            case cmd.Done(number=number, obligation=obligation):
                found = await service.find(chat, number)
                return Reply(incident=await service.done(found.id, who, obligation))
            case cmd.Draft(number=number, obligation=obligation, text=text):
                found = await service.find(chat, number)
                return Reply(incident=await service.submit(found.id, who, obligation, text))
            case cmd.Review(number=number, text=text, attachments=files):
                found = await service.find(chat, number)
                return Reply(incident=await service.submit(found.id, who, REVIEW_ID, text, files))
            case cmd.Update(number=number, text=text, attachments=files):
                found = await service.find(chat, number)
                return Reply(incident=await service.update(found.id, who, text, files))
            case cmd.Lang(code=code):
                await languages.set_language(service, chat, who, code)
                return await self.answer(command, who, chat)  # in the new language
            case _:
                return await self.answer(command, who, chat)

    async def answer(self, command: cmd.Reading | cmd.Lang, who: Actor, chat: str) -> Reply:
        """A read-side command's parts, with the people of the chat's plan (none if unbound)."""
        parts = await self.read(command, who, chat)
        people: Mapping[str, Person] = {}
        with suppress(UnknownChat):
            people = self.service.plans.for_chat(chat).people
        return Reply(tuple(parts), people=people)

    async def read(self, command: cmd.Reading | cmd.Lang, who: Actor, chat: str) -> list[Part]:
        """What a read-side command shows, in the chat's language."""
        service = self.service
        lang = await self.language(chat)
        t = Translator(lang)
        match command:
            case cmd.Status(number=number):
                return await queries.status(service, chat, number, t)
            case cmd.List():
                return await queries.listing(service, chat, t)
            case cmd.ShowPlan():
                return queries.show_plan(service, chat, t)
            case cmd.Stats(days=days):
                return await queries.stats(service, chat, days, t)
            case cmd.Export(number=number):
                return await queries.export(service, chat, number, lang, t)
            case cmd.Help():
                return queries.help_for(service, chat, who, t)
            case cmd.Lang():
                return [Doc().line(t("lang.set"))]
