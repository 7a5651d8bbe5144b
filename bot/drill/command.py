"""``yuqing-bot drill``: set up the store, clock and language, run the drill, print the report."""

from __future__ import annotations

import tempfile
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.incident import Incident
from bot.drill.interactive import Ask, play
from bot.drill.report import report_lines
from bot.drill.runner import Drill, Heard
from bot.drill.script import load_script
from bot.drill.scripted import run_script
from bot.i18n import Translator
from bot.planfile import load_plan
from bot.service.clock import ManualClock
from bot.store import SqliteStore


@dataclass(frozen=True)
class DrillResult:
    """What a drill left: the messages heard, the incident at the end, and when it ended."""

    heard: list[Heard]
    incident: Incident | None
    end: datetime


async def drill(
    t: Translator,
    plan_path: Path,
    script: Path | None,
    speed: float | None,
    start: datetime | None = None,
    database: Path | None = None,
    ask: Ask = input,
) -> DrillResult:
    """Run one drill (scripted, or interactive through ``ask``) and print its report."""
    plan = load_plan(plan_path)
    steps = load_script(script, plan) if script else None
    with tempfile.TemporaryDirectory(prefix="yuqing-drill-") as scratch:
        path = database or Path(scratch) / "drill.db"
        async with await SqliteStore.open(path) as store:
            clock = ManualClock(start or datetime.now(UTC).replace(microsecond=0))
            session = Drill(plan, store, clock, t, speed)
            session.out(t("drill.start", plan=plan.title.get(t.lang), speed=_speed(t, speed)))
            if steps is not None:
                await run_script(session, steps)
            else:
                with suppress(EOFError):  # closing the input (Ctrl-D) ends the drill
                    await play(session, ask)
            incident = await session.incident() if session.incident_id is not None else None
            if incident is not None:
                for line in report_lines(incident, plan, t, clock.now()):
                    session.out(line)
            return DrillResult(session.heard, incident, clock.now())


def _speed(t: Translator, speed: float | None) -> str:
    return t("drill.speed_max") if speed is None else f"{speed:g}×"


def parse_speed(raw: str) -> float | None:
    """``max`` -> None (jump from event to event), else a positive factor."""
    if raw.strip().lower() == "max":
        return None
    value = float(raw)
    if value <= 0:
        raise ValueError(raw)
    return value
