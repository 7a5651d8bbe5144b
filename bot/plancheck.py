"""``yuqing-bot check-plan``: plan files checked, and the open incidents an edit affects."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from bot.domain.errors import PlanError
from bot.domain.lifecycle import LIVE_STATES
from bot.i18n import N_, Translator
from bot.planfile import PlanProblem, load_plan, plan_files
from bot.store.opening import missing, open_store, redact


def problem_text(t: Translator, key: str, params: dict[str, Any], hint: str | None = None) -> str:
    """A plan problem's message: a YAML error's plain words inside it, the hint after it."""
    if "what" in params:  # a YAML syntax error: which one, in words
        params = params | {"what": t(str(params["what"]), **params)}
    text = t(key, **params)
    hint = hint or params.get("hint")  # a drill script's error carries it among its params
    return f"{text}{t(str(hint), **params)}" if hint else text


def _problem_line(t: Translator, problem: PlanProblem) -> str:
    where = f"{problem.file}:{problem.line}" if problem.line else problem.file
    text = problem_text(t, problem.key, problem.params, problem.hint)
    return f"{where}: {problem.field}: {text}"


def check_plans(t: Translator, paths: list[Path]) -> int:
    failed = 0
    for path in paths:
        files = plan_files(path)
        if not files:
            print(t("cli.check_plan.no_files", path=str(path)), file=sys.stderr)
            failed += 1
        for file in files:
            try:
                load_plan(file)
            except PlanError as exc:
                failed += 1
                print_plan_error(t, exc)
                continue
            print(t("cli.check_plan.ok", file=str(file)))
    return 1 if failed else 0


async def impact(t: Translator, paths: list[Path], database: str | Path) -> int:
    """List the open incidents of ``database`` that the plans at ``paths`` change something for."""
    from bot.render.impact import impact_line
    from bot.service.impact import affected
    from bot.service.plans import PlanBook

    plans = PlanBook([load_plan(file) for path in paths for file in plan_files(path)])
    if missing(database):
        print(t("error.no_database", path=str(database)), file=sys.stderr)
        return 1
    async with await open_store(database, read_only=True) as store:
        found = await affected(store, plans)
        total = len(await store.list_incidents(states=LIVE_STATES))
    key = N_("cli.check_plan.impact") if found else N_("cli.check_plan.impact_none")
    print(t(key, path=redact(str(database)), count=len(found), open=total))
    for item in found:
        print(impact_line(item, t))
    return 0


def print_plan_error(t: Translator, exc: PlanError) -> None:
    if exc.problems:
        for problem in exc.problems:
            print(_problem_line(t, problem), file=sys.stderr)
        print(t("cli.check_plan.failed", **exc.params), file=sys.stderr)
    else:
        print(t(exc.key, **exc.params), file=sys.stderr)
