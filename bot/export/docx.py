"""The report as a Word document: the template's styles, sized tables, pictures, the signature."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_LINE_SPACING
from docx.image.exceptions import (
    InvalidImageStreamError,
    UnexpectedEndOfFileError,
    UnrecognizedImageError,
)
from docx.image.image import Image
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Length, Mm

from bot.export.model import Block, Figure, Para, Report, Sub, Table
from bot.export.template import describe, fill, open_template, style

MAX_PICTURE_HEIGHT = Mm(150)  # a tall photo keeps room for its caption on the page


def to_docx(report: Report, path: Path, template: Path | None = None) -> None:
    """Write the report to ``path``, laid out by ``template`` (the shipped one by default)."""
    document = open_template(template)
    fill(document, report)
    document.add_paragraph(report.title, style=style(document, "Title"))
    document.add_paragraph(report.subtitle, style=style(document, "Subtitle"))
    for section in report.sections:
        document.add_paragraph(section.heading, style=style(document, "Heading 1"))
        for block in section.blocks:
            _block(document, block)
    document.add_paragraph("")
    document.add_paragraph("")
    for line in (report.unit, report.date):  # 落款: the unit, then the date
        document.add_paragraph(line, style=style(document, "Signature"))
    describe(document, report)
    document.save(str(path))


def _block(document: DocumentObject, block: Block) -> None:
    if isinstance(block, Para):
        paragraph = document.add_paragraph(block.text)
        if block.plain:
            paragraph.paragraph_format.first_line_indent = Emu(0)
    elif isinstance(block, Sub):
        document.add_paragraph(block.text, style=style(document, "Heading 2"))
    elif isinstance(block, Table):
        _table(document, block)
    else:
        _figure(document, block)


def _text_width(document: DocumentObject) -> int:
    section = document.sections[-1]
    width = (section.page_width or Mm(210)) - (section.left_margin or 0)
    return int(width - (section.right_margin or 0))


def _table(document: DocumentObject, block: Table) -> None:
    """A table of fixed column widths (the shares given), its header row repeated on each page."""
    total = _text_width(document)
    widths = [Emu(int(total * share / sum(block.widths))) for share in block.widths]
    table = document.add_table(rows=0, cols=len(widths))
    table.style = style(document, "Table Grid")
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for column, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        column.w = width
    for number, row in enumerate(block.rows):
        cells = table.add_row().cells
        heading = number == 0
        kind = "Table Heading" if heading else "Table Text"
        for cell, text, width in zip(cells, row, widths, strict=True):
            cell.width = width
            paragraph = cell.paragraphs[0]
            paragraph.style = style(document, kind)
            run = paragraph.add_run(text)
            run.bold = True if heading or number in block.marked else None
        _row_mark(table.rows[-1]._tr, "w:cantSplit")  # a row is never cut between pages
        if heading:
            _row_mark(table.rows[0]._tr, "w:tblHeader")
    document.add_paragraph("")  # a table directly before a heading would touch it


def _row_mark(tr: object, tag: str) -> None:
    """A row property: cantSplit (kept on one page), tblHeader (repeated atop each page)."""
    tr.get_or_add_trPr().append(OxmlElement(tag))  # type: ignore[attr-defined]


def _figure(document: DocumentObject, block: Figure) -> None:
    """The picture, as wide as the text (or shorter if tall), centred, with its caption."""
    source: str | BytesIO = (
        str(block.image) if isinstance(block.image, Path) else BytesIO(block.image)
    )
    try:
        image = Image.from_file(source)
    except (OSError, UnrecognizedImageError, InvalidImageStreamError, UnexpectedEndOfFileError):
        # not a picture after all (or a damaged one): named, not shown
        document.add_paragraph(block.caption, style=style(document, "Caption"))
        return
    if isinstance(source, BytesIO):
        source.seek(0)
    width: Length = Emu(int(_text_width(document) * block.width))
    limit: Length = MAX_PICTURE_HEIGHT
    height: Length = Emu(int(width * image.px_height / max(image.px_width, 1)))
    if height > limit:
        width, height = Emu(int(width * limit / height)), limit
    document.add_picture(source, width=width, height=height)
    picture = document.paragraphs[-1]
    picture.style = style(document, "Caption")
    picture.paragraph_format.keep_with_next = True
    picture.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE  # a fixed height clips it
    document.add_paragraph(block.caption, style=style(document, "Caption"))
