"""Typed text commands and the one parser every messenger uses (``/done 1 task`` → ``Done``).

A messenger strips its own addressing first (``/cmd@this_bot``, a group robot's
``@机器人``) and hands the rest here; a command written the wrong way raises ``Usage``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.errors import DomainError
from bot.domain.incident import Attachment
from bot.domain.messages import N_

MAX_STATS_DAYS = 36500  # a century: any longer span is a typing mistake (and overflows dates)
NAME = re.compile(r"/([A-Za-z0-9_]+)")
LANGUAGES = {
    **dict.fromkeys(("zh", "zh_cn", "zh-cn", "cn", "中文"), "zh_CN"),
    **dict.fromkeys(("en", "english"), "en"),
}


class Usage(DomainError):
    """A command written the wrong way; the message shows the right way."""

    key = N_("error.usage")


@dataclass(frozen=True)
class Report:
    """Report a post: its description and what it carries (photos, links, the post replied to)."""

    text: str
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Done:
    """Mark a task of incident #``number`` done: ``obligation`` as typed (id, name or number)."""

    number: int
    obligation: str


@dataclass(frozen=True)
class Draft:
    """Submit content (e.g. the release 通稿) for a task (id, number or one-word name)."""

    number: int
    obligation: str
    text: str


@dataclass(frozen=True)
class Update:
    """A progress report (续报), with the files it carries (photos, documents, voice)."""

    number: int
    text: str
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Review:
    """The written review (总结评估), for the approvers, with the files it carries."""

    number: int
    text: str
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Status:
    """The card of incident #``number`` again."""

    number: int


@dataclass(frozen=True)
class List:
    """The chat's open incidents with their next deadline."""


@dataclass(frozen=True)
class Stats:
    """The chat's figures (drills excluded), over the last ``days`` or all time."""

    days: int | None = None


@dataclass(frozen=True)
class ShowPlan:
    """The plan the chat runs."""


@dataclass(frozen=True)
class Lang:
    """Set the chat's language (a supported language code)."""

    code: str


@dataclass(frozen=True)
class Export:
    """The written report of incident #``number`` as a Word file, with its chart."""

    number: int


@dataclass(frozen=True)
class Help:
    """What the bot does and its commands."""


Changing = Report | Done | Draft | Update | Review | Lang
Reading = Status | List | Stats | ShowPlan | Export | Help
Command = Changing | Reading


@dataclass(frozen=True)
class _Words:
    """A command's text after its name: the words, and the rest after some of them."""

    body: str
    usage: str

    @property
    def args(self) -> list[str]:
        """The whitespace-separated words."""
        return self.body.split()

    def least(self, count: int) -> list[str]:
        """The words; Usage if there are fewer than ``count``."""
        if len(self.args) < count:
            raise Usage(usage=self.usage)
        return self.args

    def rest(self, skip: int) -> str:
        """The text after the first ``skip`` words, line breaks kept."""
        parts = self.body.split(maxsplit=skip)
        return parts[skip] if len(parts) > skip else ""

    def number(self, word: str) -> int:
        """An incident number, written ``3`` or ``#3``; Usage otherwise."""
        found = _integer(word.lstrip("#"))
        if found is None:
            raise Usage(usage=self.usage)
        return found


def _integer(word: str) -> int | None:
    """The whole number ``word`` spells in digits (any script's), else None."""
    if not word.isdigit():
        return None
    try:
        return int(word)
    except ValueError:  # a digit int() does not read ("³"), or thousands of them
        return None


def _report(w: _Words) -> Command:
    return Report(w.rest(0).strip())


def _done(w: _Words) -> Command:
    number = w.least(2)[0]
    return Done(w.number(number), " ".join(w.rest(1).split()))  # a name may have spaces


def _draft(w: _Words) -> Command:
    number, obligation = w.least(3)[:2]
    return Draft(w.number(number), obligation, w.rest(2))


def _update(w: _Words) -> Command:
    return Update(w.number(w.least(2)[0]), w.rest(1))


def _review(w: _Words) -> Command:
    return Review(w.number(w.least(2)[0]), w.rest(1))


def _status(w: _Words) -> Command:
    return Status(w.number(w.least(1)[0]))


def _export(w: _Words) -> Command:
    return Export(w.number(w.least(1)[0]))


def _stats(w: _Words) -> Command:
    if not w.args:
        return Stats()
    days = _integer(w.args[0])
    if days is None or not 0 < days <= MAX_STATS_DAYS:
        raise Usage(usage=w.usage)
    return Stats(days)


def _lang(w: _Words) -> Command:
    code = LANGUAGES.get(w.least(1)[0].lower())
    if code is None:
        raise Usage(usage=w.usage)
    return Lang(code)


# name -> (how it is written, its parser)
PARSERS: dict[str, tuple[str, Callable[[_Words], Command]]] = {
    "report": ("/report text", _report),
    "done": ("/done N task", _done),
    "draft": ("/draft N task text", _draft),
    "update": ("/update N text", _update),
    "review": ("/review N text", _review),
    "status": ("/status N", _status),
    "export": ("/export N", _export),
    "stats": ("/stats [days]", _stats),
    "list": ("/list", lambda w: List()),
    "plan": ("/plan", lambda w: ShowPlan()),
    "lang": ("/lang zh|en", _lang),
    "help": ("/help", lambda w: Help()),
    "start": ("/start", lambda w: Help()),
}
NAMES = tuple(PARSERS)


def command_name(text: str) -> str | None:
    """The name (lower case) of the command ``text`` starts with, if it is one of ours."""
    found = NAME.match(text)
    name = found.group(1).lower() if found else None
    return name if name in PARSERS else None


def parse(text: str) -> Command | None:
    """The command ``text`` is (None if it is none of ours); Usage if it is written wrongly."""
    name = command_name(text)
    if name is None:
        return None
    found = NAME.match(text)
    assert found is not None
    usage, parser = PARSERS[name]
    return parser(_Words(text[found.end() :], usage))
