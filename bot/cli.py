"""The ``yuqing-bot`` command: run, drill, check-plan, grade, plan-schema, init-db."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from bot.argtexts import argparse_language
from bot.cliparser import build_parser
from bot.domain.errors import PlanError, UnknownAnswer, YuqingError
from bot.domain.grading import grade, reason_text
from bot.domain.lifecycle import LIVE_STATES
from bot.domain.plan import Plan
from bot.i18n import N_, Translator
from bot.plancheck import check_plans, impact, print_plan_error, problem_text
from bot.planfile import load_plan
from bot.settings import Settings
from bot.settingsload import load_settings
from bot.store import SqliteStore, latest_version
from bot.store.opening import is_server_url, missing, open_store, redact


def _parse_answers(items: Sequence[str]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for item in items:
        question, sep, option = item.partition("=")
        if not sep or not question.strip() or not option.strip():
            raise UnknownAnswer(N_("error.answer_syntax"), item=item)
        answers[question.strip()] = option.strip()
    return answers


def _grade(t: Translator, plan: Plan, items: Sequence[str], as_json: bool) -> int:
    result = grade(plan, _parse_answers(items))
    reasons = [reason_text(plan, reason, t.lang) for reason in result.reasons]
    name = result.level.name.get(t.lang)
    if as_json:
        payload = {"level": result.level.id, "name": name, "reasons": reasons}
        print(json.dumps(payload, ensure_ascii=False))
    else:
        shown = t("cli.grade.separator").join(reasons) or t("cli.grade.default_reason")
        print(t("cli.grade.result", level=name, reasons=shown))
    return 0


async def _init_db(t: Translator, path: str | Path) -> int:
    async with await open_store(path) as store:
        incidents = await store.list_incidents()
        live = [incident for incident in incidents if incident.state in LIVE_STATES]
        if isinstance(store, SqliteStore):
            version, shown = await store.pragma("user_version"), str(path)
        else:  # a server's schema was brought to the latest; shown without its password
            version, shown = latest_version(), redact(str(path))
    print(t("cli.init_db.ok", path=shown, version=version, total=len(incidents), open=len(live)))
    return 0


async def _stats(t: Translator, settings: Settings, args: argparse.Namespace) -> int:
    from bot.export.chart import stats_chart
    from bot.export.command import write_file
    from bot.service.clock import SystemClock
    from bot.service.plans import PlanBook
    from bot.service.resolve import PlanResolver
    from bot.stats import compute, names_of, render

    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError:
            print(t("error.bad_since", value=args.since), file=sys.stderr)
            return 2
    plans = PlanBook.load(settings.plans, settings.timezone)
    database = args.database or settings.database
    if missing(database):
        print(t("error.no_database", path=str(database)), file=sys.stderr)
        return 1
    async with await open_store(database) as store:
        incidents = await store.list_incidents(include_drills=False)
        names = await names_of(incidents, PlanResolver(store, plans))
    now = SystemClock().now()
    report: dict[str, object] = {}
    for plan in plans:
        # a date without a zone is read in each plan's own zone, not the first plan's
        local = since.replace(tzinfo=plan.zone) if since and since.tzinfo is None else since
        figures = compute([i for i in incidents if i.plan_id == plan.id], now, local, plan)
        report[plan.id] = figures.as_json(plan, t.lang, names)
        if not args.json:
            print("\n".join(render(figures, plan, t, names)))
        if args.chart:
            chart = stats_chart(figures.per_level, figures.on_time, plan, t, names)
            path = (
                args.chart
                if len(list(plans)) == 1
                else args.chart.with_stem(f"{args.chart.stem}-{plan.id}")
            )
            write_file(path, chart)
            notices = sys.stderr if args.json else sys.stdout  # with --json, stdout is JSON only
            print(t("cli.stats.chart_written", path=str(path)), file=notices)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


async def _export(t: Translator, settings: Settings, args: argparse.Namespace) -> int:
    from bot.export.command import export_to_file
    from bot.service.clock import SystemClock
    from bot.service.plans import PlanBook
    from bot.service.shelf import Shelf

    plans = PlanBook.load(settings.plans, settings.timezone)
    database = args.database or settings.database
    if missing(database):
        print(t("error.no_database", path=str(database)), file=sys.stderr)
        return 1
    shelf = Shelf.beside(
        settings.database_file if is_server_url(database) else Path(database),
        settings.evidence_dir,
    )
    now = SystemClock().now()
    async with await open_store(database) as store:
        what = (store, plans, args.number, args.format, args.output, args.lang, now, shelf)
        if args.archive:
            from bot.export.archive import export_archive

            written = [await export_archive(*what, args.template)]
        else:
            written = await export_to_file(*what, args.template)
    for path in written:
        print(t("cli.export.written", path=str(path)))
    return 0


def _drill(t: Translator, args: argparse.Namespace) -> int:
    from bot.drill.command import FIRST_YEAR, LAST_YEAR, drill, parse_speed, parse_start

    try:
        speed = parse_speed(args.speed)
    except ValueError:
        print(t("error.bad_speed", value=args.speed), file=sys.stderr)
        return 2
    start = None
    if args.start:
        try:
            start = parse_start(args.start, load_plan(args.plan).zone)
        except ValueError:
            span = {"first": FIRST_YEAR, "last": LAST_YEAR}
            print(t("error.bad_start", value=args.start, **span), file=sys.stderr)
            return 2
    try:
        result = asyncio.run(drill(t, args.plan, args.script, speed, start, args.database))
    except KeyboardInterrupt:  # a second Ctrl-C, or one before the drill began
        return 130
    return 130 if result.interrupted else 0


def run(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Run the command line; return the exit status."""
    settings = settings or load_settings()
    if settings is None:
        return 2
    t = Translator(settings.locale)
    with argparse_language(t):
        args = build_parser(t).parse_args(argv)
    if getattr(args, "plans", None) is not None:
        settings = settings.model_copy(update={"plans": args.plans})
    try:
        if args.command == "check-plan":
            code = check_plans(t, args.paths)
            if code == 0 and args.database is not None:
                return asyncio.run(impact(t, args.paths, args.database))
            return code
        if args.command == "stats":
            return asyncio.run(_stats(t, settings, args))
        if args.command == "export":
            return asyncio.run(_export(t, settings, args))
        if args.command == "drill":
            return _drill(t, args)
        if args.command == "run":
            from bot.launch import run_bot

            return run_bot(t, settings)
        if args.command == "init-db":
            return asyncio.run(_init_db(t, args.database or settings.database))
        if args.command == "plan-schema":
            print(json.dumps(Plan.model_json_schema(by_alias=True), ensure_ascii=False, indent=2))
            return 0
        return _grade(t, load_plan(args.plan), args.answers, args.json)
    except PlanError as exc:
        print_plan_error(t, exc)
        return 1
    except YuqingError as exc:
        params = dict(exc.params)
        if "problem" in params:  # a located error (file, line) wrapping a specific message
            params["problem"] = problem_text(t, str(params["problem"]), params)
        print(t(exc.key, **params), file=sys.stderr)
        return 1


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
