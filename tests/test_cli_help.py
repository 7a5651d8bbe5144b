"""The command line explains itself in its language: help, --version, -o, --plans, plain errors."""

import argparse
import asyncio
import re
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from test_cli import cli, incidents_in_two_zones

from bot.argtexts import argparse_language, wrap
from bot.cli import run
from bot.cliparser import build_parser
from bot.domain.text import LANGUAGES
from bot.i18n import Translator, catalog
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# argparse's English that must not show through in Chinese
BOILERPLATE = ("usage:", "positional arguments", "options:", "show this help", "error:")


def parsers(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """The parser and every subcommand's, with the subcommand's name."""
    yield "", parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


COMMANDS = [name for name, _ in parsers(build_parser(Translator("en"))) if name]


def test_every_command_has_a_description_and_every_argument_help() -> None:
    for lang in LANGUAGES:
        t = Translator(lang)
        with argparse_language(t):
            parser = build_parser(t)
        summaries = {
            choice.dest: choice.help
            for action in parser._actions
            if isinstance(action, argparse._SubParsersAction)
            for choice in action._choices_actions
        }
        for name, sub in parsers(parser):
            assert sub.description and not sub.description.startswith("cli."), (lang, name)
            if name:
                assert summaries[name] and not summaries[name].startswith("cli."), (lang, name)
            for action in sub._actions:
                where = (lang, name, action.option_strings or action.dest)
                assert action.help and action.help != argparse.SUPPRESS, where
                assert not action.help.startswith(("cli.", "argparse.")), where


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_chinese_help_has_no_english_boilerplate(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit) as done:
        cli(capsys, *[part for part in (command, "-h") if part])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert out.startswith("用法：yuqing-bot")
    assert "选项:" in out and "显示本说明并退出" in out
    assert not [words for words in BOILERPLATE if words in out]


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_english_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit):
        cli(capsys, *[part for part in (command, "-h") if part], locale="en")
    out = capsys.readouterr().out
    assert out.startswith("usage: yuqing-bot") and "show this help message and exit" in out
    assert "options:" in out and "用法" not in out and "显示本说明" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "x"], "yuqing-bot export：错误：参数 N：“x” 不是事件编号：应为正整数，如 12"),
        (
            ["export", "1", "--format", "pdf"],
            "参数 --format：'pdf' 不是可选的值（可选：'docx', 'md'）",
        ),
        (["grade"], "yuqing-bot grade：错误：缺少必填的参数：PLAN"),
        (["stats", "--bogus"], "yuqing-bot：错误：无法识别的参数：--bogus"),
        (["export", "1", "--output"], "参数 -o/--output：后面须跟一个值"),
        (["frobnicate"], "参数 COMMAND：'frobnicate' 不是可选的值"),
    ],
)
def test_usage_errors_in_chinese(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as done:
        cli(capsys, *args)
    err = capsys.readouterr().err
    assert done.value.code == 2
    assert err.startswith("用法：") and message in err
    assert not [words for words in BOILERPLATE if words in err]


def test_argparse_speaks_english_again_after_a_run(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli(capsys, "-h")
    assert argparse.ArgumentParser(prog="p").format_usage() == "usage: p [-h]\n"


def test_version_comes_from_the_package(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli(capsys, "--version")
    assert done.value.code == 0
    assert capsys.readouterr().out == f"yuqing-bot {version('yuqing-bot')}\n"


def test_chinese_help_lines_fit_the_terminal_width() -> None:
    t = Translator("zh_CN")
    with argparse_language(t):
        parser = build_parser(t, width=60)
        # the usage block (before the first blank line) is argparse's own layout
        texts = [sub.format_help().split("\n\n", 1)[1] for _, sub in parsers(parser)]
    lines = [line for text in texts for line in text.splitlines()]
    too_wide = [line for line in lines if sum(1 + (ord(c) >= 0x3000) for c in line) > 60 + 2]
    assert too_wide == []  # a closing "、" or "。" may hang past the edge: 2 columns
    assert wrap("预案，文件", 5) == ["预案，", "文件"]  # no line starts with a comma
    assert wrap("use --plans DIR here", 9) == ["use", "--plans", "DIR here"]


@pytest.fixture
def two_incidents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Plans and a database with incidents #1 and #2, run from a folder with no plans/ in it."""
    plans, database = tmp_path / "plans", tmp_path / "y.db"
    plans.mkdir()
    asyncio.run(incidents_in_two_zones(database, plans))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return plans, database


def test_export_reads_plans_from_plans_and_writes_to_o(
    two_incidents: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plans, database = two_incidents
    target = tmp_path / "报告.md"
    args = ["export", "1", "--format", "md", "-o", str(target), "--database", str(database)]
    code, out, err = cli(capsys, *args, "--plans", str(plans))
    assert (code, err) == (0, "")
    assert f"已写入 {target}" in out and "网帖" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", [["export", "1"], ["stats"]])
def test_missing_plans_name_the_setting(
    two_incidents: tuple[Path, Path], capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    _, database = two_incidents
    code, out, err = cli(capsys, *command, "--database", str(database), locale="en")
    assert code == 1 and out == ""
    assert err == (
        "There is no plan file or folder plans: check the setting YUQING_PLANS, "
        "or name it with --plans.\n"
    )


def test_stats_reads_plans_from_plans(
    two_incidents: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    plans, database = two_incidents
    code, out, _ = cli(
        capsys, "stats", "--json", "--database", str(database), "--plans", str(plans)
    )
    assert code == 0 and '"east"' in out and '"west"' in out


def test_missing_database_names_the_setting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    settings = Settings(database=tmp_path / "none.db", _env_file=None)  # type: ignore[call-arg]
    code = run(["export", "1", "--plans", str(ROOT / "plans")], settings)
    err = capsys.readouterr().err
    assert code == 1 and "YUQING_DATABASE" in err and "--database" in err


def readme_synopses() -> list[tuple[str, list[str]]]:
    """Each README command row: the subcommand and the options it shows."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `yuqing-bot ([a-z-]+)([^`]*)` \|", text, re.MULTILINE)
    return [(name, re.findall(r"--[a-z-]+", rest)) for name, rest in rows]


def test_readme_commands_and_options_exist() -> None:
    synopses = readme_synopses()
    assert {name for name, _ in synopses} == set(COMMANDS)
    parser = dict(parsers(build_parser(Translator("en"))))
    for name, options in synopses:
        known = {flag for action in parser[name]._actions for flag in action.option_strings}
        assert set(options) <= known, (name, set(options) - known)


def test_plan_messages_speak_plainly() -> None:
    for lang in LANGUAGES:
        texts = {k: v for k, v in catalog(lang).items() if k.startswith(("plan.", "yaml."))}
        jargon = ("映射", "锚点", "别名", "mapping", "anchor", "alias (")
        assert not [(k, w) for k, v in texts.items() for w in jargon if w in v]
