"""Charts: whole names wrapped (no ids, nothing cut), deadlines as shares, empty state, fonts."""

import asyncio
import json
import warnings
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fontTools.ttLib import TTFont
from hypothesis import given
from hypothesis import strategies as st
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text

from bot.cli import run
from bot.domain.incident import Incident
from bot.drill.command import drill
from bot.export.chart import (
    LABEL_COLUMNS,
    UNDRAWN,
    stats_chart,
    stats_figure,
    timeline_chart,
    timeline_figure,
    timeline_rows,
)
from bot.export.labels import PAIRS, columns, pieces, wrap
from bot.export.typeface import cjk_text, families, font_path
from bot.i18n import Translator
from bot.planfile import load_plan
from bot.render.words import task_name
from bot.settings import Settings
from bot.store import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
COUNTY = load_plan(ROOT / "plans" / "county.yaml")
START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ZH, EN = Translator("zh_CN"), Translator("en")


@pytest.fixture(scope="module")
def drilled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Incident, datetime]:
    """Incident #1 of the county drill, played to the end, and the moment it was read."""
    path = tmp_path_factory.mktemp("charts") / "d.db"
    scripts = ROOT / "plans" / "drills" / "county.yaml"
    asyncio.run(drill(ZH, ROOT / "plans" / "county.yaml", scripts, None, START, path))

    async def first() -> Incident:
        async with await SqliteStore.open(path) as store:
            found = await store.get_by_number(1)
        assert found is not None
        return found

    incident = asyncio.run(first())
    assert incident.closed_at is not None
    return incident, incident.closed_at


def texts(figure: Figure) -> list[str]:
    """Every text the figure draws, tick labels and legend included."""
    with cjk_text():
        figure.canvas.draw()  # tick labels exist only once drawn
    return [item.get_text() for item in figure.findobj(Text) if item.get_text()]


@given(st.text(alphabet="舆情处置报送进展（）()【】，。ab12 ", max_size=60), st.integers(4, 30))
def test_wrapping_keeps_every_character_and_the_width(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:  # too wide only where one piece (with its opening brackets) is
        assert columns(line) <= width or len(pieces(line.lstrip("".join(PAIRS)))) == 1


def test_brackets_stay_whole_on_a_line() -> None:
    assert wrap("报送处置进展（续报）（第12次）", 20) == ["报送处置进展（续报）", "（第12次）"]
    assert wrap("Progress report after calming #12", 20) == ["Progress report", "after calming #12"]
    assert wrap("发布首次回应（通稿），说明已掌握情况", 12)[1].startswith("（通稿），")


def test_timeline_names_tasks_in_full_wrapped_never_cut(drilled: tuple[Incident, datetime]) -> None:
    incident, now = drilled
    figure = timeline_figure(incident, COUNTY, ZH, now)
    drawn = [ob for ob in incident.obligations if ob.status not in UNDRAWN and ob.due_at]
    names = [task_name(COUNTY, incident.level_id, ob, "zh_CN") for ob in drawn]
    labels = [label.get_text() for label in figure.axes[0].get_yticklabels()]
    assert [label.replace("\n", "") for label in labels] == names  # whole names, in order
    assert any("\n" in label for label in labels)  # the long ones are wrapped
    assert "（第2次）" in labels[-1].split("\n")  # a report's number is never split
    for label, name in zip(labels, names, strict=True):
        lines = label.split("\n")
        assert all(columns(line) <= LABEL_COLUMNS for line in lines)
        phrases = [p for p in pieces(name) if p[0] in PAIRS and columns(p) <= LABEL_COLUMNS]
        assert all(any(phrase in line for line in lines) for phrase in phrases)
    shown = texts(figure)
    assert not {ob.id for ob in incident.obligations} & set(shown)  # no task ids anywhere


def test_a_two_hour_and_a_three_day_limit_are_both_legible(
    drilled: tuple[Incident, datetime],
) -> None:
    incident, now = drilled
    rows = {
        row.limit.total_seconds() / 3600: row
        for row in timeline_rows(incident, COUNTY, "zh_CN", now)
    }
    assert {2, 72} <= set(rows)
    # drawn as shares of their own limits, both bars are wide (on an hour axis 2 h is 1/36 of 3 d)
    assert rows[2].share > 1 and 0.3 < rows[72].share < 1
    shown = texts(timeline_figure(incident, COUNTY, ZH, now))
    assert "时限 2小时，用时 3小时10分钟" in shown and "时限 3天，用时 1天14小时" in shown
    assert "时限" in shown and "逾期完成" in shown and "按时完成" in shown


def test_empty_stats_chart_says_no_data() -> None:
    figure = stats_figure({}, {}, COUNTY, ZH)
    shown = texts(figure)
    assert shown.count("暂无数据") == 2
    assert all(not axis.axison for axis in figure.axes)  # no blank axes at −0.04…0.04
    assert texts(stats_figure({}, {}, COUNTY, EN)).count("No data") == 2


def test_stats_chart_names_tasks_and_counts_whole_incidents() -> None:
    levels = COUNTY.level_ids
    on_time = {"progress": [3, 4], "report_up": [1, 2], "review": [2, 2]}
    figure = stats_figure({levels[0]: 1, levels[-1]: 3}, on_time, COUNTY, ZH)
    per_level, punctual = figure.axes
    texts(figure)
    ticks = [label.get_text() for label in per_level.get_yticklabels()]
    assert ticks and all(tick.isdigit() for tick in ticks)  # 0, 1, 2, 3: no 0.5 incidents
    names = [label.get_text().replace("\n", "") for label in punctual.get_yticklabels()]
    assert "重报进展：阶段性公布调查和解决实况（续报）" in names  # the 续报 as one series
    assert "书面总结评估报告" in names
    assert not set(on_time) & set(names)
    assert "3/4" in texts(figure)


def test_chinese_renders_with_the_shipped_font_and_no_missing_glyph() -> None:
    incident_free = stats_figure({COUNTY.level_ids[0]: 2}, {"review": [1, 1]}, COUNTY, ZH)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)"
        png = stats_chart({COUNTY.level_ids[0]: 2}, {"review": [1, 1]}, COUNTY, ZH)
    assert png[:4] == b"\x89PNG"
    with cjk_text():
        found = font_manager.findfont(font_manager.FontProperties(family=families()))
    assert Path(found) == font_path()
    covered = TTFont(font_path()).getBestCmap()
    shown = "".join(texts(incident_free))
    assert any(ord(char) > 0x4E00 for char in shown)
    assert not {char for char in shown if not char.isspace() and ord(char) not in covered}


def test_the_font_covers_what_the_bot_writes() -> None:
    covered = TTFont(font_path()).getBestCmap()
    files = [*(ROOT / "plans").rglob("*.yaml"), *(ROOT / "locales").rglob("*.po")]
    hanzi = {c for f in files for c in f.read_text(encoding="utf-8") if 0x4E00 <= ord(c) <= 0x9FFF}
    assert hanzi and not {char for char in hanzi if ord(char) not in covered}
    assert font_path().stat().st_size < 2_000_000  # not the 103 MB of mplfonts
    assert "SIL OPEN FONT LICENSE" in (font_path().parent / "OFL.txt").read_text(encoding="utf-8")


def test_timeline_chart_is_a_png(drilled: tuple[Incident, datetime]) -> None:
    incident, now = drilled
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert timeline_chart(incident, COUNTY, EN, now)[:4] == b"\x89PNG"


def test_stats_says_which_charts_it_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database, plans = tmp_path / "y.db", tmp_path / "plans"
    plans.mkdir()
    for name in ("county", "school"):
        (plans / f"{name}.yaml").write_text(
            (ROOT / "plans" / f"{name}.yaml").read_text(encoding="utf-8"), encoding="utf-8"
        )
    settings = Settings(plans=plans, _env_file=None)  # type: ignore[call-arg]

    async def create() -> None:
        async with await SqliteStore.open(database):
            pass

    asyncio.run(create())
    chart = tmp_path / "stats.png"
    assert run(["stats", "--database", str(database), "--chart", str(chart)], settings) == 0
    out = capsys.readouterr().out
    for name in ("county", "school"):
        path = tmp_path / f"stats-{name}.png"
        assert f"已写入统计图 {path}" in out and path.read_bytes()[:4] == b"\x89PNG"
    assert (
        run(["stats", "--json", "--database", str(database), "--chart", str(chart)], settings) == 0
    )
    captured = capsys.readouterr()
    assert set(json.loads(captured.out)) == {"county", "school"}  # stdout stays JSON
    assert f"已写入统计图 {tmp_path / 'stats-county.png'}" in captured.err
