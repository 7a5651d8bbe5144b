"""Playing a drill at the terminal: you are the informant and the leaders, choosing by number."""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

from bot.domain.durations import parse_duration
from bot.domain.incident import Incident
from bot.domain.lifecycle import State
from bot.domain.obligations import REVIEW_ID, ObStatus, task_spec
from bot.domain.progress import report_met_by_update
from bot.domain.series import parse_instance
from bot.domain.verdicts import closing_pending
from bot.drill.runner import Drill, DrillStopped
from bot.drill.script import Step
from bot.drill.scripted import answer, perform
from bot.i18n import Translator
from bot.render.words import task_name

Ask = Callable[[str], str]  # prompt -> the user's line; EOFError ends the drill
# the virtual clock stays far from datetime's limit: deadlines of years are added to it
LATEST = datetime(3999, 12, 31, tzinfo=UTC)


class Terminal:
    """Asks at the terminal, reading stdin as bytes: a line that is not UTF-8 is asked again."""

    def __init__(
        self, t: Translator, stdin: BinaryIO | None = None, stop: asyncio.Event | None = None
    ) -> None:
        self.t = t
        self.stdin = stdin
        self.stop = stop  # set by a Ctrl-C that came while the drill was busy

    def __call__(self, prompt: str) -> str:
        """Show ``prompt`` and return the user's line; EOFError when the input is closed."""
        if self.stop is not None and self.stop.is_set():
            raise DrillStopped
        with _ctrl_c_raises():
            while True:
                print(prompt, end="", flush=True)
                raw = (self.stdin or sys.stdin.buffer).readline()
                if not raw:
                    raise EOFError
                try:
                    return raw.decode("utf-8").removesuffix("\n").removesuffix("\r")
                except UnicodeDecodeError:
                    print(self.t("drill.not_utf8"), flush=True)


@contextmanager
def _ctrl_c_raises() -> Iterator[None]:
    """While the user is asked, Ctrl-C raises KeyboardInterrupt at once.

    The drill's asyncio handler only cancels its task, which a blocking read never notices.
    """
    current = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or current in (
        signal.SIG_IGN,  # nohup'd: leave it ignored
        None,  # a handler installed outside Python could not be put back
    ):
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, current)


@dataclass(frozen=True)
class Choice:
    """One thing the user may do now."""

    label: str
    action: str
    value: object = None
    needs_text: bool = False


async def play(drill: Drill, ask: Ask, real: Callable[[], float] = time.monotonic) -> None:
    """Report, answer each question as it is asked, then act until it ends or the user quits.

    ``real`` is the wall clock: at a speed, virtual time passes while the user thinks.
    """
    t, asker = drill.t, Asker(drill, ask, real)
    text = ""
    while not text.strip():  # the drill's clock starts with the report: no time passes before
        text = ask(drill.tint(t("drill.ask.description"), "prompt"))
    await _do(drill, "report", text)
    for index, question in enumerate(drill.plan.questions):  # the group shows it, numbered
        option = question.options[await asker.number(len(question.options))]
        await answer(drill, index, option.id)
    while (await drill.incident()).state not in (State.CLOSED, State.CANCELLED):
        choices = await _choices(drill)
        drill.out(drill.tint(t("drill.ask.action"), "title"))
        for number, choice in enumerate(choices, 1):
            drill.out(f"  {drill.tint(f'{number})', 'choice')} {choice.label}")
        picked = choices[await asker.number(len(choices))]
        if picked.action == "quit":
            return
        if picked.action == "wait":
            await _wait(drill, asker)
            continue
        value = await asker.line(t("drill.ask.text")) if picked.needs_text else picked.value
        if picked.action == "draft":
            value = {"obligation": picked.value, "text": value}
        await _do(drill, picked.action, value)


@dataclass(frozen=True)
class Asker:
    """Asks the user; what they answer happens when they answer, not when they were asked."""

    drill: Drill
    ask: Ask
    real: Callable[[], float]

    async def line(self, prompt: str) -> str:
        """The user's line; the clock is then where their thinking time took it, at once.

        Reminders that fell due meanwhile are shown first, each at its own time: that time has
        passed, so it is not waited again.
        """
        drill = self.drill
        asked, began = drill.clock.now(), self.real()
        raw = self.ask(drill.tint(prompt, "prompt"))
        if drill.speed:
            thought = timedelta(seconds=max(self.real() - began, 0) * drill.speed)
            await _jump(drill, asked + min(thought, LATEST - asked))
        return raw

    async def number(self, count: int) -> int:
        """A choice among ``count`` numbered ones (0-based); anything else is explained."""
        while True:
            raw = (await self.line("> ")).strip()
            if raw.isdecimal() and 1 <= int(raw) <= count:
                return int(raw) - 1
            t, shown = self.drill.t, raw if len(raw) <= 20 else raw[:20] + "…"
            said = (
                t("drill.bad_choice", choice=shown, count=count)
                if raw
                else t("drill.no_choice", count=count)
            )
            self.drill.out(self.drill.tint(said, "error"))


async def _jump(drill: Drill, target: datetime) -> None:
    """Bring the clock to ``target`` without waiting, showing what fell due on the way."""
    speed, drill.speed = drill.speed, None
    try:
        await drill.run_until(max(drill.clock.now(), target))
    finally:
        drill.speed = speed


async def _do(drill: Drill, action: str, value: object) -> None:
    await perform(drill, Step(drill.clock.now() - drill.start, action, value, None, 0))


async def _wait(drill: Drill, asker: Asker) -> None:
    while True:
        raw = await asker.line(drill.t("drill.ask.wait"))
        try:
            target = drill.clock.now() + parse_duration(raw)
        except ValueError:
            drill.out(drill.tint(drill.t("plan.bad_duration", value=raw), "error"))
            continue
        if target > LATEST:
            drill.out(drill.tint(drill.t("drill.too_far", limit=f"{LATEST:%Y-%m-%d}"), "error"))
            continue
        await drill.run_until(target)
        return


async def _choices(drill: Drill) -> list[Choice]:
    """What can be done now, given the incident's state and obligations."""
    t, incident = drill.t, await drill.incident()
    found: list[Choice] = []
    if incident.state is State.GRADED:
        found.append(Choice(t("button.confirm"), "confirm", True))
    if incident.state is State.ACTIVE:
        found.append(Choice(t("button.stabilise"), "stabilise", True))
    if closing_pending(incident):
        found.append(Choice(t("button.close"), "close", True))
    if incident.state in (State.GRADED, State.ACTIVE, State.STABILISED):  # any level, as the card
        for level in drill.plan.levels:
            if level.id != incident.level_id:
                name = level.name.get(t.lang)
                found.append(Choice(t("drill.choice.regrade", level=name), "regrade", level.id))
    assert incident.level_id is not None
    for ob in incident.obligations:
        # standby and spared tasks are not to be done; an update files the progress report
        if ob.status not in (ObStatus.OPEN, ObStatus.SUBMITTED) or parse_instance(ob.id):
            continue
        spec = task_spec(drill.plan, incident.level_id, ob)
        task = spec.text.get(t.lang)
        if ob.status is ObStatus.SUBMITTED:
            found.append(Choice(t("drill.choice.approve", task=task), "approve", ob.id))
            found.append(Choice(t("drill.choice.reject", task=task), "reject", ob.id))
        elif ob.id == REVIEW_ID:
            found.append(Choice(t("drill.choice.review"), "review", None, True))
        elif spec.approval:
            found.append(Choice(t("drill.choice.draft", task=task), "draft", ob.id, True))
        else:
            found.append(Choice(t("drill.choice.done", task=task), "done", ob.id))
    found.append(_update(drill, incident))
    found.append(Choice(t("button.cancel"), "cancel", True))
    found.append(Choice(t("drill.choice.wait"), "wait"))
    found.append(Choice(t("drill.choice.quit"), "quit"))
    return found


def _update(drill: Drill, incident: Incident) -> Choice:
    """A progress update; it names the report (续报) it would file, if one is owed."""
    t = drill.t
    report = report_met_by_update(incident.obligations, drill.clock.now())
    if report is None:
        return Choice(t("drill.choice.update"), "update", None, True)
    task = task_name(drill.plan, incident.level_id, incident.obligation(report), t.lang)
    return Choice(t("drill.choice.update_report", task=task), "update", None, True)
