"""The written report: Markdown, docx (re-read with python-docx), the chart, and bad input."""

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from bot.cli import run
from bot.drill.command import drill
from bot.i18n import Translator
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding the county drill (#1), played to the end."""
    import asyncio

    path = tmp_path_factory.mktemp("export") / "d.db"
    asyncio.run(
        drill(
            Translator("zh_CN"),
            ROOT / "plans" / "county.yaml",
            ROOT / "plans" / "drills" / "county.yaml",
            None,
            START,
            path,
        )
    )
    return path


def cli(*args: str, locale: str = "zh_CN") -> int:
    settings = Settings(locale=locale, plans=ROOT / "plans", _env_file=None)  # type: ignore[call-arg]
    return run(list(args), settings)


def test_docx_has_headings_tables_and_the_chart(database: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.docx"
    assert cli("export", "1", "--database", str(database), "--output", str(out)) == 0
    document = Document(str(out))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [
        "一、基本情况",
        "二、定级及依据",
        "三、各项时限落实情况",
        "四、审批记录",
        "五、续报情况",
        "六、处置过程",
        "七、总结评估",
    ]
    deadlines = document.tables[0]
    assert [c.text for c in deadlines.rows[0].cells] == [
        "事项",
        "责任方",
        "截止时间",
        "完成时间",
        "结果",
    ]
    first = [c.text for c in deadlines.rows[1].cells]
    assert first[2:] == ["2026-03-02 11:00", "2026-03-02 12:10", "迟报（超时 1小时10分钟）"]
    assert len(document.inline_shapes) == 1  # the timeline chart
    text = "\n".join(p.text for p in document.paragraphs)
    assert "有主流媒体介入报道" in text and "（本事件为演练，不计入统计。）" in text


def test_markdown_in_english_with_its_chart(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.md"
    assert (
        cli(
            "export",
            "1",
            "--format",
            "md",
            "--lang",
            "en",
            "--database",
            str(database),
            "--output",
            str(out),
        )
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Public-opinion incident report\n")
    assert "| Department involved assesses it" in text and "| reported late (1 h 10 min) |" in text
    decided = text.split("## 4.")[1]  # approvals and timeline name levels and tasks, not ids
    assert "report_up" not in decided and "| graded Major |" in decided
    assert "| level confirmed：Major |" in decided
    assert "![timeline](r-timeline.png)" in text
    assert (tmp_path / "r-timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"已写入 {out}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "9"], "没有找到事件 #9"),
        (
            ["export", "1", "--output", "/nonexistent/dir/r.docx"],
            "无法写入 /nonexistent/dir/r.docx",
        ),
    ],
)
def test_bad_export_requests(
    database: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(*args, "--database", str(database)) == 1
    assert message in capsys.readouterr().err


def test_an_unwritable_folder_leaves_nothing_behind(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    target = folder / "r.docx"
    target.mkdir()  # a directory where the file should go: the final rename fails
    assert cli("export", "1", "--database", str(database), "--output", str(target)) == 1
    assert "无法写入" in capsys.readouterr().err
    assert os.listdir(folder) == ["r.docx"] and target.is_dir()


def test_docx_converts_to_pdf_in_libreoffice(database: Path, tmp_path: Path) -> None:
    import shutil
    import subprocess

    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        pytest.skip("LibreOffice is not installed here; the docx is re-read by the tests above")
    out = tmp_path / "report.docx"
    assert cli("export", "1", "--database", str(database), "--output", str(out)) == 0
    subprocess.run(
        [office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
