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
from bot.drill.scripted import perform
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


async def play(drill: Drill, ask: Ask) -> None:
    """Report, answer the questions, then act until the incident ends or the user quits."""
    t = drill.t
    text = ""
    while not text.strip():
        text = ask(t("drill.ask.description"))
    await _do(drill, "report", text)
    answers = {}
    for question in drill.plan.questions:
        options = [o.text.get(t.lang) for o in question.options]
        index = _pick(drill.out, ask, question.text.get(t.lang), options)
        answers[question.id] = question.options[index].id
    await _do(drill, "answer", answers)
    real_start = time.monotonic()
    while (await drill.incident()).state not in (State.CLOSED, State.CANCELLED):
        if drill.speed:  # virtual time flows while the user thinks
            await _catch_up(drill, drill.speed, real_start)
        choices = await _choices(drill)
        labels = [c.label for c in choices]
        picked = choices[_pick(drill.out, ask, t("drill.ask.action"), labels)]
        if picked.action == "quit":
            return
        if picked.action == "wait":
            await _wait(drill, ask)
            continue
        value = ask(t("drill.ask.text")) if picked.needs_text else picked.value
        if picked.action == "draft":
            value = {"obligation": picked.value, "text": value}
        await _do(drill, picked.action, value)


async def _catch_up(drill: Drill, speed: float, real_start: float) -> None:
    """Bring the clock to where the thinking time took it, at once: that time has passed."""
    elapsed = timedelta(seconds=(time.monotonic() - real_start) * speed)
    drill.speed = None
    try:
        await drill.run_until(max(drill.clock.now(), drill.start + elapsed))
    finally:
        drill.speed = speed


async def _do(drill: Drill, action: str, value: object) -> None:
    await perform(drill, Step(drill.clock.now() - drill.start, action, value, None, 0))


async def _wait(drill: Drill, ask: Ask) -> None:
    while True:
        raw = ask(drill.t("drill.ask.wait"))
        try:
            target = drill.clock.now() + parse_duration(raw)
        except ValueError:
            drill.out(drill.t("plan.bad_duration", value=raw))
            continue
        if target > LATEST:
            drill.out(drill.t("drill.too_far", limit=f"{LATEST:%Y-%m-%d}"))
            continue
        await drill.run_until(target)
        return


def _pick(out: Callable[[str], None], ask: Ask, title: str, labels: list[str]) -> int:
    """Show numbered labels and read a valid number."""
    while True:
        out(title)
        for number, label in enumerate(labels, 1):
            out(f"  {number}) {label}")
        raw = ask("> ").strip()
        if raw.isdigit() and 1 <= int(raw) <= len(labels):
            return int(raw) - 1


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
