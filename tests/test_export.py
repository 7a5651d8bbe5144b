"""The written report: Markdown, docx (re-read with python-docx), the chart, and bad input."""

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from docx.shared import Emu, Mm

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
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "一、基本情况",
        "二、定级及依据",
        "三、各项时限落实情况",
        "四、审批记录",
        "五、续报情况",
        "六、处置过程",
        "七、总结评估",
        "八、证据材料",
    ]
    questions = [c.text for c in document.tables[0].columns[0].cells]
    assert questions[0] == "定级问题" and "舆情属于哪一类？" in questions
    deadlines = document.tables[1]
    assert [c.text for c in deadlines.rows[0].cells] == [
        "事项",
        "责任方",
        "截止时间",
        "完成时间",
        "完成标准",
        "结果",
    ]
    first = [c.text for c in deadlines.rows[1].cells]
    assert first[2:] == [
        "2026-03-02 11:00",
        "2026-03-02 12:10",
        "责任方报告完成",
        "迟报（超时 1小时10分钟）；曾升级至第2级",
    ]
    assert len(document.inline_shapes) == 1  # the timeline chart
    section = document.sections[0]
    size = (section.page_width, section.page_height, section.top_margin, section.left_margin)
    assert [round(Emu(v).mm) for v in size if v is not None] == [210, 297, 37, 28]
    props = document.core_properties
    assert props.title == "舆情处置情况报告（#1）"
    assert props.author == "区网络舆情处置工作领导小组办公室" and props.language == "zh-CN"
    assert props.created is not None and props.created.year >= 2026
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
    assert (
        "| Department involved assesses it" in text
        and "| reported late (1 h 10 min); escalated to step 2 |" in text
    )
    decided = text.split("## 4.")[1]  # approvals and timeline name levels and tasks, not ids
    assert "report_up" not in decided and "| graded Major |" in decided
    assert "| level confirmed：Major |" in decided
    assert "![timeline](r-timeline.png)" in text
    assert "| Grading question | Answer | What it means |" in text
    assert "\n\nDistrict public-opinion leading group office\n\n" in text  # the signature
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


def test_an_office_template_gives_the_layout(database: Path, tmp_path: Path) -> None:
    """A template without our styles still works; its placeholders are filled."""
    template = tmp_path / "ours.docx"
    plain = Document()
    plain.add_paragraph("{unit} · 第{number}号 · {date}")
    plain.save(str(template))
    out = tmp_path / "r.docx"
    args = ["export", "1", "--database", str(database), "--output", str(out)]
    assert cli(*args, "--template", str(template)) == 0
    document = Document(str(out))
    assert document.paragraphs[0].text.startswith("区网络舆情处置工作领导小组办公室 · 第1号 · 20")
    assert document.sections[0].page_width != Mm(210)  # the office's page, not ours (Letter)


def test_a_template_that_is_not_a_word_document(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = tmp_path / "notes.docx"
    template.write_text("not a document", encoding="utf-8")
    args = ["export", "1", "--database", str(database), "--output", str(tmp_path / "r.docx")]
    assert cli(*args, "--template", str(template)) == 1
    err = capsys.readouterr().err
    assert f"无法打开模板 {template}：请提供 Word 文档（.docx）。" in err
    assert "Traceback" not in err and not (tmp_path / "r.docx").exists()
