"""Progress reports (续报) as a series of tasks: the series a level owes and each report's spec."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from bot.domain.plan import Obligation, Plan, ReminderRules
from bot.domain.text import LANGUAGES, LText

PROGRESS_ID = "progress"  # 续报 while the incident is being handled
FOLLOWUP_ID = "followup"  # 续报 after it calms down
SERIES_IDS = (PROGRESS_ID, FOLLOWUP_ID)
_INSTANCE = re.compile(r"^(progress|followup)-([1-9][0-9]{0,5})$")

DEFAULT_TEXT = {
    PROGRESS_ID: LText({"zh_CN": "报送处置进展（续报）", "en": "Progress report"}),
    FOLLOWUP_ID: LText({"zh_CN": "报送舆情稳定后续报", "en": "Progress report after calming"}),
}


@dataclass(frozen=True)
class Series:
    """One cadence of progress reports a level owes."""

    id: str
    every: timedelta
    owner: str
    after: Literal["confirmed", "stabilised"]
    for_: timedelta | None  # None: until the incident calms down
    text: LText
    reminders: ReminderRules | None = None


def series_of(plan: Plan, level_id: str) -> list[Series]:
    """The progress series ``level_id`` owes: during handling, and after calming."""
    found: list[Series] = []
    level = plan.level(level_id)
    if level.progress is not None:
        p = level.progress
        text = p.text or DEFAULT_TEXT[PROGRESS_ID]
        found.append(Series(PROGRESS_ID, p.every, p.owner, "confirmed", p.for_, text, p.reminders))
    follow = plan.follow_up_for(level_id)
    if follow is not None:
        text = follow.text or DEFAULT_TEXT[FOLLOWUP_ID]
        series = Series(
            FOLLOWUP_ID,
            follow.every,
            follow.owner,
            "stabilised",
            follow.for_,
            text,
            follow.reminders,
        )
        found.append(series)
    return found


def instance_id(series_id: str, number: int) -> str:
    """The task id of the ``number``-th report of a series (``progress-3``)."""
    return f"{series_id}-{number}"


def parse_instance(obligation_id: str) -> tuple[str, int] | None:
    """(series id, number) for a progress report's task id, None for any other task."""
    found = _INSTANCE.match(obligation_id)
    return (found.group(1), int(found.group(2))) if found else None


def numbered(text: LText, number: int) -> LText:
    """The series' text with the report's number, in every language."""
    return LText(
        {
            lang: f"{text.get(lang)}（第{number}次）"
            if lang == "zh_CN"
            else f"{text.get(lang)} #{number}"
            for lang in LANGUAGES
        }
    )


def instance_spec(series: Series, number: int) -> Obligation:
    """The ``number``-th report as a task: its owner, words and reminder rules."""
    return Obligation(
        id=instance_id(series.id, number),
        text=numbered(series.text, number),
        owner=series.owner,
        within=series.every,
        after="stabilised" if series.after == "stabilised" else "reported",
        reminders=series.reminders,
        report=True,  # a 续报
    )


def find_series(plan: Plan, level_id: str | None, series_id: str) -> Series | None:
    """The series by id at ``level_id``, else at any level (a report from before a regrade)."""
    levels = [level_id] if level_id in plan.level_ids else []
    levels += [lid for lid in plan.level_ids if lid != level_id]
    for lid in levels:
        for series in series_of(plan, lid):
            if series.id == series_id:
                return series
    return None


def series_key(obligation_id: str) -> str:
    """The series a report belongs to (``progress``), or the task id itself for any other task."""
    parsed = parse_instance(obligation_id)
    return parsed[0] if parsed else obligation_id


def series_text(plan: Plan, series_id: str) -> LText:
    """A series' words as the plan writes them at its first level that has it, else the default."""
    series = find_series(plan, None, series_id)
    return series.text if series is not None else DEFAULT_TEXT[series_id]
