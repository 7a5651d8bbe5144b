"""The report as a Word document (python-docx): headings, paragraphs, tables, the chart."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from bot.export.model import Report

CJK_FONT = "Noto Sans CJK SC"  # falls back to the reader's CJK font if absent


def _east_asian(document: object) -> None:
    """Set a CJK font for East Asian text in every style used."""
    styles = document.styles  # type: ignore[attr-defined]
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Table Grid"):
        style = styles[name]
        style.font.name = CJK_FONT
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), CJK_FONT)


def to_docx(report: Report, chart_png: bytes | None, path: Path) -> None:
    """Write the report to ``path``."""
    document = Document()
    _east_asian(document)
    document.styles["Normal"].font.size = Pt(11)
    document.add_heading(report.title, level=0)
    document.add_paragraph(report.subtitle)
    for index, section in enumerate(report.sections):
        document.add_heading(section.heading, level=1)
        for paragraph in section.paragraphs:
            document.add_paragraph(paragraph)
        if len(section.table) > 1:
            table = document.add_table(rows=0, cols=len(section.table[0]))
            table.style = document.styles["Table Grid"]
            for number, row in enumerate(section.table):
                cells = table.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    cell.text = text
                    if number == 0:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True
        if index == 2 and chart_png:  # the chart belongs with the obligations
            document.add_picture(BytesIO(chart_png), width=Cm(16))
    document.save(str(path))
