"""Drills: scripted and interactive runs on a virtual clock, the report, and script errors."""

import asyncio
import io
import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import run
from bot.drill.command import drill, parse_speed
from bot.drill.interactive import LATEST, Asker, Terminal, _wait
from bot.drill.runner import Drill, DrillStopped
from bot.drill.script import DrillScriptError, load_script
from bot.i18n import Translator
from bot.planfile import load_plan
from bot.service.clock import ManualClock
from bot.settings import Settings
from bot.store import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "plans"
START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ALIAS_BOMB = "- &l0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"- &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 8)
)


async def test_interactive_drill_reads_choices_from_the_terminal(tmp_path: Path) -> None:
    lines = iter(
        [
            "网帖说……",  # the description
            "2",
            "2",
            "9",
            "2",
            "2",
            "1",  # answers; 9 is no option and is asked again
            "1",  # confirm (level 一般)
            "5",  # done: the reply (after 已平稳 and a regrade to each of the three other levels)
        ]
    )
    prompts: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None  # the user closed the input

    result = await drill(
        Translator("en"), PLANS / "county.yaml", None, None, START, tmp_path / "d.db", ask=ask
    )
    incident = result.incident
    assert incident is not None
    assert incident.answers == {
        "reach": "50to100",
        "media": "no",
        "key_subject": "no",
        "harm": "no",
        "category": "inquiry",
    }
    assert (incident.level_id, incident.state.value) == ("general", "active")
    assert incident.obligation("respond").status.value == "met"
    assert prompts[0] == "You are the informant. Describe the post you found:"


@pytest.mark.parametrize(
    ("script", "line", "message"),
    [
        ("- at: 0\n  confirm: true\n", 1, "The first step must be a report"),
        ("- at: 0\n  report: x\n- at: 1h\n  confrim: true\n", 3, "exactly one action"),
        ("- at: 0\n  report: x\n- at: soon\n  confirm: true\n", 3, "is not a duration"),
        (
            "- at: 0\n  report: x\n- at: 1m\n  answer: {reach: over500}\n",
            3,
            "unanswered: media, key_subject, harm, category",
        ),
        ("- at: 1h\n  report: x\n- at: 30m\n  confirm: true\n", 3, "cannot be earlier"),
        ("- at: 0\n  report: x\n  as: ghost\n", 1, "no role “ghost”"),
        ("report: x\n", 1, "is a list of steps"),
        ("- at: 0\n  report: [unclosed\n", 3, "list is not closed"),
        ("- at: !!int abc\n  report: x\n", 1, "not a valid !!int"),
        ("- " * 200 + "x\n", 1, "levels deep"),
        (ALIAS_BOMB, 6, "Too large"),  # 9**7 values from 8 lines: read safely, refused
    ],
)
def test_broken_scripts_name_their_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], script: str, line: int, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(script, encoding="utf-8")
    with pytest.raises(DrillScriptError):
        load_script(path, load_plan(PLANS / "county.yaml"))
    code = run(
        ["drill", str(PLANS / "county.yaml"), "--script", str(path), "--speed", "max"],
        Settings(locale="en", _env_file=None),
    )  # type: ignore[call-arg]
    err = capsys.readouterr().err
    assert code == 1 and f"Drill script {path}, line {line}: " in err and message in err


@pytest.mark.parametrize(("raw", "value"), [("max", None), ("600", 600.0), ("0.5", 0.5)])
def test_speed(raw: str, value: float | None) -> None:
    assert parse_speed(raw) == value


@pytest.mark.parametrize("raw", ["0", "-3", "fast"])
def test_bad_speed_is_refused(raw: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        ["drill", str(PLANS / "county.yaml"), "--speed", raw], Settings(locale="en", _env_file=None)
    )  # type: ignore[call-arg]
    assert code == 2 and "is not valid" in capsys.readouterr().err


async def test_a_card_edit_shows_the_task_lines_that_changed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    await drill(
        Translator("en"), PLANS / "county.yaml", PLANS / "drills" / "county.yaml", None, START
    )
    out = capsys.readouterr().out.splitlines()
    edit = out.index("[03-02 12:10:00 +3:10:00] #1 Major incident · in progress")
    assert out[edit + 1].strip().startswith("1. Department involved assesses it")
    assert out[edit + 1].endswith("reported at 03-02 12:10 (1 h 10 min late)")  # the late report
    assert out[edit + 2].endswith("(awaiting approval)")  # the draft handed in since
    assert not out[edit + 3].startswith(" ")  # and nothing else: the other tasks did not change
    calm = out.index(
        "[03-02 21:00:00 +12:00:00] #1 Major incident · calmed down (follow-up and review)"
    )
    assert out[calm + 1].endswith(
        "Written review (Leading-group office (cyberspace office)) due 03-05 21:00"
    )


async def test_a_refusal_names_the_roles_in_the_drills_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "refused.yaml"
    script.write_text(
        "- at: 0\n  report: 网帖说……\n- at: 1m\n  answer: {reach: under50, media: 'no',"
        " key_subject: 'no', harm: 'no', category: inquiry}\n"
        "- at: 2m\n  confirm: true\n  as: monitor\n",
        encoding="utf-8",
    )
    await drill(Translator("en"), PLANS / "county.yaml", script, None, START)
    out = capsys.readouterr().out  # the plan is in Chinese; the drill runs in English
    expected = "Only Leader, Deputy leader, Leading-group office (cyberspace office) may do this."
    assert f"[03-02 09:02:00 +0:02:00] ⚠️ {expected}\n" in out


@pytest.mark.parametrize(
    "raw", ["nan", "inf", "-inf", "1e308", "1000001", "0", "-1", "abc", "", "0x10"]
)
def test_every_bad_speed_is_one_line(raw: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        ["drill", str(PLANS / "county.yaml"), f"--speed={raw}"],
        Settings(locale="en", _env_file=None),  # type: ignore[call-arg]
    )
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == (
        f"Speed “{raw}” is not valid: a number above 0 and at most 1000000 (e.g. 600), or max.\n"
    )


@pytest.mark.parametrize(("raw", "value"), [("1e6", 1e6), ("MAX", None), (" 0.001 ", 0.001)])
def test_speeds_at_the_edges_are_taken(raw: str, value: float | None) -> None:
    assert parse_speed(raw) == value


@pytest.mark.parametrize(
    "raw",
    ["0001-01-01T00:00", "9999-12-30T00:00", "1969-12-31T23:59", "3000-01-01", "tomorrow"],
)
def test_every_bad_start_is_one_line(raw: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        ["drill", str(PLANS / "county.yaml"), "--speed", "max", f"--start={raw}"],
        Settings(locale="en", _env_file=None),  # type: ignore[call-arg]
    )
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == (
        f"Start time “{raw}” is not valid: use an ISO time in the years 1970 to 2999, "
        "e.g. 2026-03-01T09:00.\n"
    )


@pytest.mark.parametrize("raw", ["1970-01-01T00:00", "2999-12-31T23:59"])
def test_a_drill_runs_at_either_end_of_the_start_range(
    raw: str, capsys: pytest.CaptureFixture[str]
) -> None:
    script = str(PLANS / "drills" / "county.yaml")
    code = run(
        ["drill", str(PLANS / "county.yaml"), "--script", script, "--speed=max", f"--start={raw}"],
        Settings(locale="en", _env_file=None),  # type: ignore[call-arg]
    )
    out = capsys.readouterr().out
    assert code == 0 and "—— Drill report #1: Major" in out


def test_the_terminal_asks_again_after_a_line_that_is_not_utf8(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ask = Terminal(Translator("en"), io.BytesIO(b"\xff\xfe\n\xe7\xbd\x91\xe5\xb8\x96\r\n"))
    assert ask("Describe: ") == "网帖"
    with pytest.raises(EOFError):
        ask("> ")
    assert capsys.readouterr().out == (
        "Describe: That line could not be read (it is not UTF-8 text); please type it again.\n"
        "Describe: > "
    )


async def test_waiting_stops_short_of_the_clocks_limit(tmp_path: Path) -> None:
    plan = load_plan(PLANS / "county.yaml")
    said: list[str] = []
    answers = iter(["3650d", "30d"])
    async with await SqliteStore.open(tmp_path / "d.db") as store:
        session = Drill(plan, store, ManualClock(LATEST - timedelta(days=100)), Translator("en"))
        session.out = said.append
        await _wait(session, Asker(session, lambda _prompt: next(answers), time.monotonic))
        assert session.clock.now() == LATEST - timedelta(days=70)
    assert said == ["The drill's clock cannot go past 3999-12-31; please enter a shorter time."]


async def test_thinking_time_is_caught_up_at_once(tmp_path: Path) -> None:
    plan = load_plan(PLANS / "county.yaml")
    async with await SqliteStore.open(tmp_path / "d.db") as store:
        session = Drill(plan, store, ManualClock(START), Translator("en"), 600, out=print)
        hours = iter([0.0, 3600.0])  # the wall clock when asked, and when answered
        asker = Asker(session, lambda _prompt: "1", lambda: next(hours))
        # an hour of thinking at 600× is 25 virtual days; that hour has passed: no sleeping again
        assert await asyncio.wait_for(asker.line("> "), 20) == "1"
        assert session.clock.now() == START + timedelta(days=25)
        assert session.speed == 600


def test_a_ctrl_c_that_came_while_busy_stops_the_next_question() -> None:
    stop = asyncio.Event()
    stop.set()
    with pytest.raises(DrillStopped):
        Terminal(Translator("en"), io.BytesIO(b"1\n"), stop=stop)("> ")


async def test_a_drill_closes_with_a_task_owed_and_reports_it_unmet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "close.yaml"
    script.write_text(
        "- at: 0\n  report: 网帖说……\n- at: 1m\n  answer: {reach: under50, media: 'no',"
        " key_subject: 'no', harm: 'no', category: inquiry}\n"
        "- at: 2m\n  confirm: true\n- at: 1h\n  stabilise: true\n"
        "- at: 2h\n  review: 总结\n- at: 3h\n  approve: review\n- at: 30h\n  close: true\n",
        encoding="utf-8",
    )
    result = await drill(Translator("zh_CN"), PLANS / "county.yaml", script, None, START)
    out = capsys.readouterr().out
    assert "尚有" not in out and "但仍有任务未完成：涉事主体解决网民诉求、回应网民关切" in out
    assert (
        "已确认结案。尚未完成的任务（涉事主体解决网民诉求、回应网民关切）记为“结案时未完成”" in out
    )
    assert result.incident is not None and result.incident.state.value == "closed"
    unmet = next(line for line in out.splitlines() if line.startswith("· 涉事主体解决网民诉求"))
    assert unmet.endswith("时限 1天：未完成，已超时 6小时 ✗")  # counted up to the close


async def test_the_drill_acts_as_plan_people_whatever_their_handles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same drill with and without Telegram handles: the same run, mentions aside."""
    from bot.drill.report import outcomes

    script, runs, printed = PLANS / "drills" / "township.yaml", [], []
    text = (PLANS / "township.yaml").read_text(encoding="utf-8")
    for name, body in (("with", text), ("without", re.sub(r", telegram: \d+", "", text))):
        (tmp_path / f"{name}.yaml").write_text(body, encoding="utf-8")
        runs.append(
            await drill(Translator("zh_CN"), tmp_path / f"{name}.yaml", script, None, START)
        )
        printed.append(capsys.readouterr().out)
    plan = load_plan(tmp_path / "without.yaml")
    assert not any(person.handles() for person in plan.people.values())
    verdicts = [[o.verdict for o in outcomes(r.incident, r.end)] for r in runs if r.incident]
    assert len(verdicts) == 2 and verdicts[0] == verdicts[1]
    assert runs[1].incident is not None
    assert runs[1].incident.reporter == f"drill:{plan.members(['monitor'])[0]}"
    refused = Translator("zh_CN")("drill.refused", message="")
    assert [out.count(f"] {refused}") for out in printed] == [0, 0]
    leader = plan.people[plan.members(["leader"])[0]].name
    assert f"@{leader}" in printed[0]  # a mention of someone a messenger can reach
    assert leader in printed[1] and f"@{leader}" not in printed[1]  # named, not mentioned
