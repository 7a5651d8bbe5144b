"""The commands that take ``--database`` accept a ``postgresql://`` URL as well as a file.

On the tests' throwaway cluster (tests/pg_support.py; skipped, saying why, without one). The
URL carries a password the server does not need, to show it is never printed back.
"""

import asyncio
import json
from pathlib import Path

import pytest
from conftest import pg_database
from support import PLAN_TEXT
from test_check_impact import incidents

from bot.cli import run
from bot.settings import Settings
from bot.store import latest_version
from bot.store.opening import open_store

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s3cret-pw"


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A fresh database of the test's own, its URL with a password in it."""
    plain = asyncio.run(pg_database(tmp_path))
    return plain.replace("postgresql://yuqing@", f"postgresql://yuqing:{SECRET}@", 1)


def cli(capsys: pytest.CaptureFixture[str], *argv: str, **settings: object) -> tuple[int, str]:
    """Run the command line in English; its status and output (nothing on stderr)."""
    code = run(list(argv), Settings(locale="en", _env_file=None, **settings))  # type: ignore[call-arg]
    out, err = capsys.readouterr()
    assert err == "" and SECRET not in out
    return code, out


def test_init_db_creates_the_schema_on_a_server(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = cli(capsys, "init-db", "--database", url)
    shown = url.replace(f":{SECRET}", "")
    assert code == 0
    assert (
        out.strip()
        == f"Database {shown}: schema version {latest_version()}, 0 incident(s), 0 open."
    )


def test_check_plan_lists_the_open_incidents_of_a_server_database(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(incidents(url))
    plan = tmp_path / "small.yaml"
    plan.write_text(PLAN_TEXT.replace("{id: report, text: 上报", "{id: up, text: 上报"))
    code, out = cli(capsys, "check-plan", str(plan), "--database", url)
    shown = url.replace(f":{SECRET}", "")
    assert code == 0 and out.splitlines()[-2:] == [
        f"1 of the 2 open incident(s) in {shown} are affected by these plans:",
        "#1 (plan small, level high, in progress): the plan no longer has the task “上报”:"
        " shown under the old names, and the group is told",
    ]


def test_a_drill_is_recorded_in_a_server_database_and_kept_out_of_stats(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    plan, script = ROOT / "plans" / "county.yaml", ROOT / "plans" / "drills" / "county.yaml"
    argv = ["drill", str(plan), "--script", str(script), "--speed=max", "--database", url]
    code, out = cli(capsys, *argv)
    assert code == 0 and "—— Drill report #1: Major" in out

    async def recorded() -> list[bool]:
        async with await open_store(url, read_only=True) as store:
            return [incident.is_drill for incident in await store.list_incidents()]

    assert asyncio.run(recorded()) == [True]
    code, out = cli(capsys, "stats", "--json", "--database", url, plans=ROOT / "plans")
    assert code == 0 and all(row["incidents"] == 0 for row in json.loads(out).values())
