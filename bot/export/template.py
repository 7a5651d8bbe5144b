"""The report's Word template: opening it (shipped or an office's own), placeholders, properties."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import UTC
from importlib import resources
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.opc.exceptions import PackageNotFoundError
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph

from bot.domain.errors import YuqingError
from bot.domain.messages import N_
from bot.export.model import Report

SHIPPED = "report.docx"


class TemplateError(YuqingError):
    """The template given is not a Word document that can be opened."""

    key = N_("error.template")


def open_template(path: Path | None) -> DocumentObject:
    """The office's template, or the shipped one (GB/T 9704 layout) when none is given."""
    if path is None:
        data = (resources.files("bot.export") / "templates" / SHIPPED).read_bytes()
        return Document(BytesIO(data))
    try:
        return Document(str(path))
    except (OSError, PackageNotFoundError, zipfile.BadZipFile, KeyError, SyntaxError, ValueError):
        raise TemplateError(path=str(path)) from None  # not a Word document: one line, no trace


def style(document: DocumentObject, name: str) -> ParagraphStyle | None:
    """The template's paragraph style of this name; None (its default) if it has none."""
    try:
        found = document.styles[name]
    except KeyError:
        return None
    return found if isinstance(found, ParagraphStyle) else None


def _paragraphs(document: DocumentObject) -> Iterator[Paragraph]:
    """Every paragraph a placeholder may sit in: body, its tables, headers and footers."""
    yield from document.paragraphs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs
    for section in document.sections:
        for part in (
            section.header,
            section.footer,
            section.even_page_header,
            section.even_page_footer,
            section.first_page_header,
            section.first_page_footer,
        ):
            if not part.is_linked_to_previous:
                yield from part.paragraphs


def fill(document: DocumentObject, report: Report) -> None:
    """Replace {unit}, {date}, {title} and {number} wherever the template has them."""
    values = {
        "{unit}": report.unit,
        "{date}": report.date,
        "{title}": report.title,
        "{number}": str(report.number),
    }
    for paragraph in _paragraphs(document):
        before = paragraph.text
        if "{" not in before:
            continue
        after = before
        for key, value in values.items():
            after = after.replace(key, value)
        if after == before:
            continue
        for run in paragraph.runs:  # keeps each run's formatting where a placeholder is whole
            for key, value in values.items():
                run.text = run.text.replace(key, value)
        if paragraph.text != after and paragraph.runs:  # a placeholder split across runs
            paragraph.runs[0].text = after
            for run in paragraph.runs[1:]:
                run.text = ""


def describe(document: DocumentObject, report: Report) -> None:
    """Document properties an office's file list shows: title, unit, subject, dates, language."""
    props = document.core_properties
    props.title = f"{report.title}（#{report.number}）"
    props.subject = report.subtitle
    props.author = report.unit
    props.last_modified_by = report.unit
    props.keywords = report.keywords
    props.category = report.title
    props.comments = ""
    props.language = "zh-CN" if report.lang == "zh_CN" else "en-US"
    props.revision = 1
    if report.written_at is not None:
        moment = report.written_at.astimezone(UTC).replace(tzinfo=None)
        props.created = props.modified = moment
