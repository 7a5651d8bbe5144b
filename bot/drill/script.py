"""Drill scripts: a YAML list of timed steps, validated against the plan with line numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from bot.domain.durations import parse_duration
from bot.domain.errors import PlanError, YuqingError
from bot.domain.messages import N_
from bot.domain.plan import Plan
from bot.planfile import read_yaml

ACTIONS = (
    "report",
    "answer",
    "confirm",
    "regrade",
    "cancel",
    "stabilise",
    "close",
    "done",
    "draft",
    "approve",
    "reject",
    "update",
    "review",
    "end",
)


class DrillScriptError(YuqingError):
    """A drill script that cannot be run; names the file and line."""

    key = N_("drill.bad_script")


@dataclass(frozen=True)
class Step:
    """One scripted action at a time offset from the start of the drill."""

    at: timedelta
    action: str
    value: Any
    role: str | None  # who acts ("as:"), else the runner picks the role the plan requires
    line: int


def _fail(file: str, line: int, key: str, **params: Any) -> DrillScriptError:
    return DrillScriptError(file=file, line=line, problem=key, **params)


def _offset(file: str, line: int, raw: Any) -> timedelta:
    if raw in (0, "0", None):
        return timedelta(0)
    try:
        return parse_duration(str(raw))
    except ValueError:
        raise _fail(file, line, N_("drill.bad_at"), value=str(raw)) from None


def _step(file: str, line: int, raw: Any, plan: Plan) -> Step:
    if not isinstance(raw, dict):
        raise _fail(file, line, N_("drill.step_not_mapping"))
    actions = [key for key in raw if key in ACTIONS]
    unknown = [key for key in raw if key not in (*ACTIONS, "at", "as")]
    if unknown or len(actions) != 1:
        raise _fail(
            file,
            line,
            N_("drill.step_action"),
            found=", ".join(map(str, raw)),
            actions=", ".join(ACTIONS),
        )
    action = actions[0]
    role = raw.get("as")
    if role is not None and role not in plan.roles:
        raise _fail(file, line, N_("drill.unknown_role"), role=str(role))
    value = raw[action]
    if action == "answer":
        if not isinstance(value, dict):
            raise _fail(file, line, N_("drill.answer_mapping"))
        value = {str(q): str(o) for q, o in value.items()}
        missing = [q.id for q in plan.questions if q.id not in value]
        if missing:
            raise _fail(file, line, N_("drill.unanswered"), questions=", ".join(missing))
    if action == "draft" and not (isinstance(value, dict) and {"obligation", "text"} <= set(value)):
        raise _fail(file, line, N_("drill.draft_mapping"))
    return Step(_offset(file, line, raw.get("at")), action, value, role, line)


def load_script(path: Path, plan: Plan) -> list[Step]:
    """Read a drill script; DrillScriptError names the line of the first problem."""
    file = str(path)
    try:
        data, _ = read_yaml(path.read_text(encoding="utf-8"), file)
    except (OSError, UnicodeDecodeError) as exc:
        raise DrillScriptError(N_("drill.unreadable"), file=file, detail=str(exc)) from None
    except PlanError as exc:  # the plan loader's reading: safe on alias bombs and deep nesting
        problem = exc.problems[0]
        raise _fail(
            file, problem.line or 1, problem.key, hint=problem.hint, **problem.params
        ) from None
    if not isinstance(data, list) or not data:
        raise _fail(file, 1, N_("drill.not_a_list"))
    lines = data.lc if hasattr(data, "lc") else None
    steps = [
        _step(file, lines.item(i)[0] + 1 if lines else i + 1, raw, plan)
        for i, raw in enumerate(data)
    ]
    if steps[0].action != "report":
        raise _fail(file, steps[0].line, N_("drill.first_report"))
    for before, after in pairwise(steps):
        if after.at < before.at:
            raise _fail(file, after.line, N_("drill.time_backwards"))
    return steps
