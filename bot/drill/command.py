"""``yuqing-bot drill``: set up the store, clock and language, run the drill, print the report."""

from __future__ import annotations

import asyncio
import signal
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from bot.domain.incident import Incident
from bot.drill.interactive import Ask, Terminal, play
from bot.drill.report import report_lines
from bot.drill.runner import Drill, DrillStopped, Heard
from bot.drill.screen import Screen
from bot.drill.script import Step, load_script
from bot.drill.scripted import run_script
from bot.i18n import Translator
from bot.planfile import load_plan
from bot.service.clock import ManualClock
from bot.store.opening import open_store

MAX_SPEED = 1e6  # a million virtual seconds per real second: beyond that, use max
FIRST_YEAR, LAST_YEAR = 1970, 2999  # a drill start far from datetime's limits


@dataclass(frozen=True)
class DrillResult:
    """What a drill left: the messages heard, the incident at the end, and when it ended."""

    heard: list[Heard]
    incident: Incident | None
    end: datetime
    interrupted: bool = False


async def drill(
    t: Translator,
    plan_path: Path,
    script: Path | None,
    speed: float | None,
    start: datetime | None = None,
    database: str | Path | None = None,
    ask: Ask | None = None,
    real: Callable[[], float] = time.monotonic,
) -> DrillResult:
    """Run one drill (scripted, or interactive through ``ask``) and print its report.

    ``real`` is the wall clock, against which the user's thinking time is measured.
    Ctrl-C ends it early: the report so far is printed and the result says it was interrupted.
    """
    plan = load_plan(plan_path)
    steps = load_script(script, plan) if script else None
    with tempfile.TemporaryDirectory(prefix="yuqing-drill-") as scratch:
        path = database or Path(scratch) / "drill.db"
        async with await open_store(path) as store:
            clock = ManualClock(start or datetime.now(UTC).replace(microsecond=0))
            screen = Screen()
            session = Drill(plan, store, clock, t, speed, out=screen, tint=screen.tint)
            title = t("drill.start", plan=plan.title.get(t.lang), speed=_speed(t, speed))
            session.out(session.tint(title, "title"))
            interrupted = await _play(session, steps, ask, real)
            if interrupted:
                session.out(t("drill.interrupted"))
            incident = await session.incident() if session.incident_id is not None else None
            if incident is not None:
                events = await store.timeline(incident.id)
                lines = report_lines(incident, plan, t, clock.now(), events)
                session.out(session.tint(lines[0], "title"))
                for line in lines[1:]:
                    session.out(line)
            return DrillResult(session.heard, incident, clock.now(), interrupted)


async def _play(
    session: Drill, steps: list[Step] | None, ask: Ask | None, real: Callable[[], float]
) -> bool:
    """Play the script or the terminal; True if Ctrl-C cut the drill short."""
    with _CtrlC(session.stop):
        try:
            if steps is not None:
                await run_script(session, steps)
            else:
                with suppress(EOFError):  # closing the input (Ctrl-D) ends the drill
                    await play(session, ask or Terminal(session.t, stop=session.stop), real)
        except KeyboardInterrupt:  # Ctrl-C while the terminal was read
            session.out("")  # end the prompt's line
            return True
        except DrillStopped:
            return True
    return False


class _CtrlC:
    """While active, Ctrl-C sets ``stop``: the drill ends where it next waits, then reports.

    asyncio.run's own handler cancels the task instead, which can cut a store call in half.
    """

    def __init__(self, stop: asyncio.Event) -> None:
        self.stop = stop
        self.loop = asyncio.get_running_loop()
        self.installed = False

    def __enter__(self) -> _CtrlC:
        if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # nohup'd: leave it ignored
            with suppress(ValueError, RuntimeError):  # not the main thread
                self.loop.add_signal_handler(signal.SIGINT, self.stop.set)
                self.installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self.installed:
            self.loop.remove_signal_handler(signal.SIGINT)  # back to raising KeyboardInterrupt


def _speed(t: Translator, speed: float | None) -> str:
    return t("drill.speed_max") if speed is None else f"{speed:g}×"


def parse_speed(raw: str) -> float | None:
    """``max`` -> None (jump from event to event), else a factor above 0 and up to MAX_SPEED."""
    if raw.strip().lower() == "max":
        return None
    value = float(raw)
    if not 0 < value <= MAX_SPEED:  # also refuses nan, which compares false with everything
        raise ValueError(raw)
    return value


def parse_start(raw: str, zone: tzinfo) -> datetime:
    """An ISO time (in ``zone`` if it names none) within FIRST_YEAR..LAST_YEAR; else ValueError."""
    start = datetime.fromisoformat(raw)
    if start.tzinfo is None:
        start = start.replace(tzinfo=zone)
    if not FIRST_YEAR <= start.year <= LAST_YEAR:  # the drill adds days and years of deadlines
        raise ValueError(raw)
    return start
