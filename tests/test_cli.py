import asyncio
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support import SMALL_PLAN
from test_service import EYE

from bot.cli import run
from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.settings import Settings
from bot.store import SqliteStore, latest_version

ROOT = Path(__file__).resolve().parent.parent
COUNTY = ROOT / "plans" / "county.yaml"


def cli(
    capsys: pytest.CaptureFixture[str], *args: str, locale: str = "zh_CN"
) -> tuple[int, str, str]:
    code = run(list(args), Settings(locale=locale, _env_file=None))  # type: ignore[call-arg]
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("answers", "locale", "expected"),
    [
        (["reach=over500", "media=yes"], "zh_CN", "重大：有主流媒体介入报道"),
        (["reach=over500", "media=yes"], "en", "Major: Mainstream media have reported on it"),
        (["reach=under50", "media=no", "harm=no"], "zh_CN", "一般：未达到更高等级的条件"),
        (["harm=yes", "media=yes"], "zh_CN", "特别重大："),
    ],
)
def test_grade_prints_level_and_reasons(
    capsys: pytest.CaptureFixture[str], answers: list[str], locale: str, expected: str
) -> None:
    code, out, _ = cli(capsys, "grade", str(COUNTY), *answers, locale=locale)
    assert code == 0
    assert out.startswith(expected)


def test_grade_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "grade", str(COUNTY), "reach=over500", "media=yes", "--json")
    assert code == 0
    assert json.loads(out) == {"level": "major", "name": "重大", "reasons": ["有主流媒体介入报道"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["reach=lots"], "问题 reach 没有选项 “lots”；可选：under50, 50to100, 100to500, over500"),
        (["spread=over500"], "预案中没有问题 “spread”。"),
        (["reach"], "“reach” 的格式不对"),
        (["=yes"], "格式不对"),
    ],
)
def test_grade_bad_answers(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = cli(capsys, "grade", str(COUNTY), *args)
    assert code == 1 and out == ""
    assert message in err and "Traceback" not in err


def test_check_plan_ok_and_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(COUNTY.read_text(encoding="utf-8").replace("within: 2h", "within: soon"))
    code, out, err = cli(capsys, "check-plan", str(COUNTY), str(bad), locale="en")
    assert code == 1
    assert f"{COUNTY}: ok" in out
    line = next(
        i
        for i, text in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1)
        if "within: soon" in text
    )
    assert f"{bad}:{line}: levels[2].obligations[0].within: “soon” is not a duration" in err


def test_check_plan_folder_checks_every_plan(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "check-plan", str(ROOT / "plans"))
    assert code == 0
    assert out.count("：ok") == len(list((ROOT / "plans").glob("*.yaml")))


def test_check_plan_empty_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = cli(capsys, "check-plan", str(tmp_path), locale="en")
    assert code == 1 and "no plan files" in err


def test_missing_plan_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = cli(capsys, "grade", str(tmp_path / "nope.yaml"), "reach=over500", locale="en")
    assert code == 1 and err.startswith("Cannot read plan")


def test_plan_schema_is_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "plan-schema")
    schema = json.loads(out)
    assert code == 0
    assert {"id", "roles", "questions", "levels", "review"} <= set(schema["required"])
    assert "for" in schema["$defs"]["FollowUp"]["properties"]


def test_console_script_uses_yuqing_locale(tmp_path: Path) -> None:
    # the console script installed beside this interpreter by `pip install -e .`
    exe = shutil.which("yuqing-bot", path=str(Path(sys.executable).parent))
    assert exe is not None, "yuqing-bot console script is not installed"
    env = {"YUQING_LOCALE": "en", "PATH": str(Path(exe).parent)}
    done = subprocess.run(
        [exe, "grade", str(COUNTY), "harm=yes"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("Critical: Caused by an emergency")


def test_init_db_creates_and_reports(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "yuqing.db"
    code, out, _ = cli(capsys, "init-db", "--database", str(db), locale="en")
    assert code == 0 and db.exists()
    version = latest_version()
    assert out.strip() == f"Database {db}: schema version {version}, 0 incident(s), 0 open."


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"this is not sqlite" * 100, "is not a database"), (None, "Cannot open or read")],
)
def test_init_db_bad_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes | None, message: str
) -> None:
    db = tmp_path / "bad.db" if content is not None else tmp_path / "missing" / "dir" / "x.db"
    if content is not None:
        db.write_bytes(content)
    code, out, err = cli(capsys, "init-db", "--database", str(db), locale="en")
    assert code == 1 and out == ""
    assert message in err and "Traceback" not in err
    if content is not None:
        assert db.read_bytes() == content  # nothing written over a file that is not ours


async def incidents_in_two_zones(database: Path, plans: Path) -> None:
    """Plans east (UTC+8) and west (UTC+1), each with one graded incident at 20:00 UTC, 1 March."""
    for plan_id, zone in (("east", "Asia/Shanghai"), ("west", "Europe/Berlin")):
        text = SMALL_PLAN.replace("id: small\n", f"id: {plan_id}\ntimezone: {zone}\n")
        (plans / f"{plan_id}.yaml").write_text(text, encoding="utf-8")
    book = PlanBook.load(plans)
    book.bind("telegram:1", "east")
    book.bind("telegram:2", "west")
    async with await SqliteStore.open(database) as store:
        service = IncidentService(store, book, ManualClock(datetime(2026, 3, 1, 20, 0, tzinfo=UTC)))
        for chat in ("telegram:1", "telegram:2"):
            incident = await service.open_report(chat, EYE, "网帖")
            for index, option in enumerate(["high", "yes", "no"]):
                await service.answer(incident.id, EYE, index, option)


@pytest.mark.parametrize(
    ("since", "east", "west"),
    [
        # midnight in Shanghai is 16:00 UTC (after 20:00 UTC counts); in Berlin 23:00 UTC (not)
        ("2026-03-02T00:00", 1, 0),
        ("2026-03-02", 1, 0),
        ("2026-03-02T00:00+08:00", 1, 1),  # a zone given applies to every plan
    ],
)
def test_stats_since_is_read_in_each_plans_zone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], since: str, east: int, west: int
) -> None:
    plans, database = tmp_path / "plans", tmp_path / "y.db"
    plans.mkdir()
    asyncio.run(incidents_in_two_zones(database, plans))
    settings = Settings(plans=plans, _env_file=None)  # type: ignore[call-arg]
    code = run(["stats", "--json", "--since", since, "--database", str(database)], settings)
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (data["east"]["incidents"], data["west"]["incidents"]) == (east, west)


def test_stats_bad_since_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "stats", "--since", "last week", locale="en")
    assert code == 2 and out == ""
    assert err == (
        "The --since date “last week” is not valid: use ISO format, "
        "e.g. 2026-03-01 or 2026-03-01T09:00.\n"
    )
