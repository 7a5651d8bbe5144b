"""The written report as an office prints it: the county drill's docx converted by LibreOffice.

Skipped only where LibreOffice is not installed (.ci/run installs it, with CJK fonts).
"""

import asyncio
import dataclasses
import re
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from pypdf import PdfReader

from bot.drill.command import drill
from bot.export.chart import timeline_chart
from bot.export.command import report_file
from bot.export.gather import gather
from bot.export.model import EvidenceItem
from bot.i18n import Translator
from bot.service.plans import PlanBook
from bot.service.resolve import PlanResolver
from bot.store import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 2, 9, 0, tzinfo=ZONE)
NOW = datetime(2026, 3, 5, 10, 0, tzinfo=ZONE)  # the day the report is written
PHOTO_SIZE = (321, 187)  # odd sizes: no other picture in the report has them
A4 = (595.3, 841.9)  # points
HEADINGS = [
    "一、基本情况",
    "二、定级及依据",
    "三、各项时限落实情况",
    "四、审批记录",
    "五、续报情况",
    "六、处置过程",
    "七、总结评估",
    "八、证据材料",
]
OFFICE = shutil.which("soffice") or shutil.which("libreoffice")


async def _docx(database: Path, photo: Path, target: Path) -> None:
    """The drilled incident's report, with a photo kept as evidence, written as docx."""
    plans = PlanBook.load(ROOT / "plans", "Asia/Shanghai")
    async with await SqliteStore.open(database) as store:
        incident = await store.get_by_number(1)
        assert incident is not None
        plan = await PlanResolver(store, plans).plan(incident)
        facts = await gather(store, incident, plan, NOW)
    kept = EvidenceItem("photo", "现场照片.png", photo, photo.stat().st_size, START)
    facts = dataclasses.replace(facts, evidence=[kept])
    t = Translator("zh_CN")
    chart = timeline_chart(incident, plan, t, NOW)
    target.write_bytes(report_file(facts, t, chart, "docx"))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, PdfReader]:
    """The county drill played to the end, exported, and converted to PDF by LibreOffice."""
    if OFFICE is None:
        pytest.skip("LibreOffice is not installed here (.ci/run installs it where apt-get works)")
    folder = tmp_path_factory.mktemp("pdf")
    database = folder / "d.db"
    county = ROOT / "plans" / "county.yaml"
    script = ROOT / "plans" / "drills" / "county.yaml"
    asyncio.run(drill(Translator("zh_CN"), county, script, None, START, database))
    photo = folder / "photo.png"
    Image.new("RGB", PHOTO_SIZE, (200, 60, 40)).save(photo)
    docx = folder / "report.docx"
    asyncio.run(_docx(database, photo, docx))
    profile = (folder / "profile").as_uri()  # its own profile: parallel runs do not collide
    command = [OFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf"]
    subprocess.run(
        [*command, "--outdir", str(folder), str(docx)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return docx, PdfReader(folder / "report.pdf")


def _flat(reader: PdfReader) -> str:
    """All the text, with line breaks and spaces gone (table cells wrap anywhere)."""
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_every_page_is_a4_and_numbered(rendered: tuple[Path, PdfReader]) -> None:
    _, reader = rendered
    assert len(reader.pages) >= 3
    for number, page in enumerate(reader.pages, start=1):
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A4, abs=1)
        assert f"— {number} —" in page.extract_text()


def test_the_fonts_named_and_the_fonts_rendered(rendered: tuple[Path, PdfReader]) -> None:
    docx, reader = rendered
    with zipfile.ZipFile(docx) as package:
        styles = package.read("word/styles.xml").decode()
        fonts = package.read("word/fontTable.xml").decode()
    for face in ("方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"):
        assert f'w:eastAsia="{face}"' in styles
        assert f'w:name="{face}"' in fonts  # declared with its stand-in (w:altName)
    assert 'w:altName w:val="仿宋"' in fonts
    used = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    # none of the office fonts is installed here: serif and sans CJK fallbacks carry the text
    assert any("SerifCJK" in name for name in used) and any("SansCJK" in name for name in used)


def test_masthead_sections_and_signature_in_order(rendered: tuple[Path, PdfReader]) -> None:
    _, reader = rendered
    text = _flat(reader)
    unit, date = "区网络舆情处置工作领导小组办公室", "2026年3月5日"
    assert text.startswith(unit + date + "舆情处置情况报告")
    places = [text.index(heading) for heading in HEADINGS]
    assert places == sorted(places)
    assert text.rstrip("—0123456789").endswith(unit + date)


def test_the_approved_release_and_grading_answers(rendered: tuple[Path, PdfReader]) -> None:
    _, reader = rendered
    text = _flat(reader)
    approvals = text[text.index("四、审批记录") : text.index("五、续报情况")]
    assert "新闻发言人发布权威信息" in approvals and "审定稿全文" in approvals
    assert "关于网帖反映问题的情况通报：经核实……" in approvals
    assert "处置方案：涉事部门当日核实情况，新闻发言人统一口径回应。" in approvals
    grading = text[text.index("二、定级及依据") : text.index("三、各项时限落实情况")]
    for asked, answered in (
        ("目前阅读量、跟帖量、舆情总量大约多少？", "100-500篇/条"),
        ("是否有主流媒体（电视、报刊）介入报道？", "是有主流媒体介入报道"),
        ("舆情属于哪一类？", "询问、质疑、诉求"),
    ):
        assert asked + answered in grading


def test_the_timeline_folds_reminders_and_marks_escalations(
    rendered: tuple[Path, PdfReader],
) -> None:
    _, reader = rendered
    text = _flat(reader)
    timeline = text[text.index("六、处置过程") : text.index("七、总结评估")]
    assert "回答定级问题×5" in timeline and "提醒×2" in timeline
    assert timeline.count("升级涉事主体") == 2
    tasks = text[text.index("三、各项时限落实情况") : text.index("四、审批记录")]
    assert "曾升级至第2级" in tasks


def test_the_evidence_photo_is_embedded(rendered: tuple[Path, PdfReader]) -> None:
    _, reader = rendered
    sizes = {  # LibreOffice lists every picture in each page's resources
        (int(image["/Width"]), int(image["/Height"]))
        for page in reader.pages
        for image in page["/Resources"].get("/XObject", {}).values()
        if image.get_object().get("/Subtype") == "/Image"
    }
    assert PHOTO_SIZE in sizes  # the photo; the timeline chart is the other picture
    assert len(sizes) == 2
    evidence = _flat(reader).split("八、证据材料")[1]
    assert evidence.startswith("图1现场照片.png（2026-03-0209:00，1KB）")
