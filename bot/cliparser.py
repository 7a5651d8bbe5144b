"""The ``yuqing-bot`` argument parser: every command and option explained in the CLI language."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bot.argtexts import formatter
from bot.i18n import N_, Translator
from bot.store.opening import database_arg

DISTRIBUTION = "yuqing-bot"


def program_version() -> str:
    """The installed package's version, from its metadata."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def _incident_number(t: Translator) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.strip().lstrip("#").isdigit() or int(text.strip().lstrip("#")) < 1:
            raise argparse.ArgumentTypeError(t("cli.bad_number", value=text))
        return int(text.strip().lstrip("#"))

    return parse


class _Commands:
    """Adds subcommands, each with its one-line help and its description, in one language."""

    def __init__(self, parser: argparse.ArgumentParser, t: Translator, width: int | None):
        self.t, self.width = t, width
        self.group = parser.add_subparsers(
            dest="command", required=True, metavar="COMMAND", help=t("cli.command")
        )

    def add(self, name: str, summary: str, description: str) -> argparse.ArgumentParser:
        """A subcommand; ``summary`` and ``description`` are message keys."""
        return self.group.add_parser(
            name,
            help=self.t(summary),
            description=self.t(description),
            formatter_class=formatter(self.width),
        )

    def database(self, parser: argparse.ArgumentParser, key: str = N_("cli.database")) -> None:
        """The --database option, its help under ``key``."""
        parser.add_argument(
            "--database", type=database_arg, default=None, metavar="DATABASE", help=self.t(key)
        )

    def plans(self, parser: argparse.ArgumentParser) -> None:
        """The --plans option: where the plans are read instead of YUQING_PLANS."""
        parser.add_argument(
            "--plans", type=Path, default=None, metavar="DIR", help=self.t("cli.plans")
        )


def _running(add: _Commands, t: Translator) -> None:
    add.plans(add.add("run", N_("cli.run.help"), N_("cli.run.description")))
    drill = add.add("drill", N_("cli.drill.help"), N_("cli.drill.description"))
    drill.add_argument("plan", type=Path, metavar="PLAN", help=t("cli.plan_file"))
    drill.add_argument(
        "--script", type=Path, default=None, metavar="FILE", help=t("cli.drill.script")
    )
    drill.add_argument("--speed", default="600", metavar="N|max", help=t("cli.drill.speed"))
    drill.add_argument("--start", default=None, metavar="ISO-TIME", help=t("cli.drill.start"))
    add.database(drill, N_("cli.drill.database"))


def _checking(add: _Commands, t: Translator) -> None:
    check = add.add("check-plan", N_("cli.check_plan.help"), N_("cli.check_plan.description"))
    check.add_argument(
        "paths", nargs="+", type=Path, metavar="PLAN", help=t("cli.check_plan.paths")
    )
    add.database(check, N_("cli.check_plan.database"))
    grade = add.add("grade", N_("cli.grade.help"), N_("cli.grade.description"))
    grade.add_argument("plan", type=Path, metavar="PLAN", help=t("cli.plan_file"))
    grade.add_argument("answers", nargs="*", metavar="QUESTION=OPTION", help=t("cli.grade.answers"))
    grade.add_argument("--json", action="store_true", help=t("cli.json.help"))


def _reporting(add: _Commands, t: Translator) -> None:
    export = add.add("export", N_("cli.export.help"), N_("cli.export.description"))
    export.add_argument(
        "number", type=_incident_number(t), metavar="N", help=t("cli.export.number")
    )
    export.add_argument(
        "--format", choices=("docx", "md"), default="docx", help=t("cli.export.format")
    )
    export.add_argument(
        "-o", "--output", type=Path, default=None, metavar="FILE", help=t("cli.export.output")
    )
    export.add_argument("--lang", choices=("zh_CN", "en"), default=None, help=t("cli.export.lang"))
    export.add_argument("--archive", action="store_true", help=t("cli.export.archive"))
    export.add_argument(
        "--template", type=Path, default=None, metavar="DOCX", help=t("cli.export.template")
    )
    add.database(export)
    add.plans(export)
    stats = add.add("stats", N_("cli.stats.help"), N_("cli.stats.description"))
    stats.add_argument("--since", default=None, metavar="DATE", help=t("cli.stats.since"))
    stats.add_argument("--json", action="store_true", help=t("cli.json.help"))
    stats.add_argument("--chart", type=Path, default=None, metavar="PNG", help=t("cli.stats.chart"))
    add.database(stats)
    add.plans(stats)


def build_parser(t: Translator, width: int | None = None) -> argparse.ArgumentParser:
    """The whole parser; build and use it inside ``argparse_language(t)``."""
    parser = argparse.ArgumentParser(
        prog="yuqing-bot", description=t("cli.description"), formatter_class=formatter(width)
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {program_version()}",
        help=t("cli.version"),
    )
    add = _Commands(parser, t, width)
    _running(add, t)
    _checking(add, t)
    _reporting(add, t)
    db = add.add("init-db", N_("cli.init_db.help"), N_("cli.init_db.description"))
    add.database(db, N_("cli.init_db.database"))
    add.add("plan-schema", N_("cli.plan_schema.help"), N_("cli.plan_schema.description"))
    return parser
