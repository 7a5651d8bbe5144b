"""Build bot/export/templates/report.docx, the shipped report template (GB/T 9704 layout).

Run ``python scripts/make_report_template.py`` after changing it; the template is committed. An
office replaces it with its own (``yuqing-bot export N --template FILE``): docs/report.md says
which styles and placeholders the export uses.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "bot" / "export" / "templates" / "report.docx"

XIAOBIAOSONG, FANGSONG, HEITI, KAITI, SONGTI = (
    "方正小标宋简体",
    "仿宋_GB2312",
    "黑体",
    "楷体_GB2312",
    "宋体",
)
LATIN = "Times New Roman"
# Declared in the font table: what Word or LibreOffice may use where the named font is missing.
FALLBACKS = {
    XIAOBIAOSONG: ("华文中宋", "roman"),
    FANGSONG: ("仿宋", "modern"),
    HEITI: ("SimHei", "modern"),
    KAITI: ("楷体", "modern"),
    SONGTI: ("SimSun", "auto"),
}
LINE = Pt(29)  # 22 lines in the 225 mm text block
TEXT_WIDTH = Mm(156)


def _fonts(style: object, east_asian: str, size: float, bold: bool = False) -> None:
    """Name the font for Latin and East Asian text, its size and weight, black."""
    font = style.font  # type: ignore[attr-defined]
    rpr = style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    for child in list(rpr):
        rpr.remove(child)
    font.name = LATIN if east_asian != HEITI else HEITI
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:cs"), east_asian)
    font.size = Pt(size)
    font.bold = bold
    font.italic = False
    font.color.rgb = None


def _paragraph(style: object, align: int, first_chars: int = 0, line: object = LINE) -> None:
    """Alignment, first-line indent in characters, fixed line height, no extra space."""
    ppr = style.element.get_or_add_pPr()  # type: ignore[attr-defined]
    for child in list(ppr):
        ppr.remove(child)
    fmt = style.paragraph_format  # type: ignore[attr-defined]
    fmt.alignment = align
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line
    ind = OxmlElement("w:ind")  # always said: styles based on Normal would inherit its indent
    ind.set(qn("w:firstLineChars"), str(first_chars * 100))
    ind.set(qn("w:firstLine"), str(first_chars * 320))
    ppr.append(ind)


def _style(document: object, name: str) -> object:
    styles = document.styles  # type: ignore[attr-defined]
    try:
        return styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        return style


def _styles(document: object) -> None:
    center, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    right = WD_ALIGN_PARAGRAPH.RIGHT
    table = (FANGSONG, 10.5, False, left, 0, Pt(15))
    looks = {
        "Normal": (FANGSONG, 16, False, WD_ALIGN_PARAGRAPH.JUSTIFY, 2, LINE),
        "Title": (XIAOBIAOSONG, 22, False, center, 0, Pt(36)),
        "Subtitle": (KAITI, 16, False, center, 0, LINE),
        "Heading 1": (HEITI, 16, False, WD_ALIGN_PARAGRAPH.JUSTIFY, 2, LINE),
        "Heading 2": (KAITI, 16, False, WD_ALIGN_PARAGRAPH.JUSTIFY, 2, LINE),
        "Caption": (FANGSONG, 12, False, center, 0, Pt(20)),
        "Table Text": table,
        "Table Heading": (HEITI, 10.5, False, center, 0, Pt(15)),
        "Masthead": (FANGSONG, 14, False, left, 0, LINE),
        "Signature": (FANGSONG, 16, False, right, 0, LINE),
        "Footer": (SONGTI, 14, False, right, 0, Pt(20)),
        "Header": (FANGSONG, 10.5, False, center, 0, Pt(15)),
    }
    for name, (face, size, bold, align, indent, line) in looks.items():
        style = _style(document, name)
        _fonts(style, face, size, bold)
        _paragraph(style, align, indent, line)
    for name in ("Title", "Heading 1", "Heading 2", "Subtitle"):
        _style(document, name).paragraph_format.keep_with_next = True  # type: ignore[attr-defined]
    for level, name in enumerate(("Heading 1", "Heading 2")):  # PDF bookmarks, navigation pane
        outline = OxmlElement("w:outlineLvl")
        outline.set(qn("w:val"), str(level))
        _style(document, name).element.get_or_add_pPr().append(outline)  # type: ignore[attr-defined]
    _style(document, "Title").paragraph_format.space_after = LINE  # type: ignore[attr-defined]
    _style(document, "Subtitle").paragraph_format.space_after = LINE  # type: ignore[attr-defined]
    signature = _style(document, "Signature").paragraph_format  # type: ignore[attr-defined]
    signature.right_indent = Pt(64)  # 4 characters in from the right
    masthead = _style(document, "Masthead")
    masthead.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)  # type: ignore[attr-defined]
    masthead.paragraph_format.space_after = LINE  # type: ignore[attr-defined]
    _border(masthead.element.get_or_add_pPr())  # type: ignore[attr-defined]


def _border(ppr: object) -> None:
    """A black rule under the masthead (a red-free 版头 line)."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "8"), ("space", "4"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    ppr.insert_element_before(borders, "w:tabs", "w:spacing", "w:ind", "w:jc")  # type: ignore[attr-defined]


def _defaults(document: object) -> None:
    """Chinese as the East Asian language, so viewers pick Simplified Chinese glyphs."""
    styles = document.styles.element  # type: ignore[attr-defined]
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    fonts = rpr.find(qn("w:rFonts"))
    for attribute in list(fonts.attrib):
        del fonts.attrib[attribute]
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    fonts.set(qn("w:eastAsia"), FANGSONG)


def _font_table(document: object) -> None:
    """Declare each named font with its stand-in (w:altName), GB2312 charset and family."""
    part = next(
        rel.target_part
        for rel in document.part.rels.values()
        if rel.reltype == RT.FONT_TABLE  # type: ignore[attr-defined]
    )
    from lxml import etree

    root = etree.fromstring(part.blob)
    for name, (alternative, family) in FALLBACKS.items():
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        for tag, value in (("altName", alternative), ("charset", "86"), ("family", family)):
            etree.SubElement(font, qn(f"w:{tag}")).set(qn("w:val"), value)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page(document: object) -> None:
    section = document.sections[0]  # type: ignore[attr-defined]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(25)
    document.settings.odd_and_even_pages_header_footer = True  # type: ignore[attr-defined]
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _page_number(paragraph: object, align: int) -> None:
    """ "— N —" in 4号 宋体, one character in from the outer edge (odd right, even left)."""
    paragraph.style = "Footer"  # type: ignore[attr-defined]
    fmt = paragraph.paragraph_format  # type: ignore[attr-defined]
    fmt.alignment = align
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = Pt(14)
    else:
        fmt.left_indent = Pt(14)
    paragraph.add_run("— ")  # type: ignore[attr-defined]
    run = paragraph.add_run()  # type: ignore[attr-defined]
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1")):
        if kind:
            mark = OxmlElement("w:fldChar")
            mark.set(qn("w:fldCharType"), kind)
            run._r.append(mark)
        elif text == " PAGE ":
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = text
            run._r.append(code)
        else:
            run._r.append(_text(text or ""))
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)
    paragraph.add_run(" —")  # type: ignore[attr-defined]


def _text(value: str) -> object:
    element = OxmlElement("w:t")
    element.text = value
    return element


APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Template>report.docx</Template><Application>yuqing-bot</Application>"
    "<DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop></Properties>"
)


def _package(document: object) -> None:
    """Say which program made the file, and drop the stock thumbnail of an empty page."""
    package = document.part.package  # type: ignore[attr-defined]
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rel_id]
        elif rel.reltype == RT.EXTENDED_PROPERTIES:
            rel.target_part._blob = APP.encode()


def build() -> object:
    """The template document: styles, page, footers, and the masthead with its placeholders."""
    document = Document()
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    _defaults(document)
    _styles(document)
    _font_table(document)
    _page(document)
    _package(document)
    document.add_paragraph("{unit}\t{date}", style="Masthead")
    props = document.core_properties
    props.title, props.author, props.last_modified_by = "{title}", "yuqing-bot", "yuqing-bot"
    props.comments, props.keywords, props.subject = "", "", ""
    props.created = props.modified = datetime(2026, 1, 1)
    props.revision = 1
    props.language = "zh-CN"
    return document


def main() -> None:
    """Write the template."""
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    build().save(str(TARGET))  # type: ignore[attr-defined]
    print(TARGET.relative_to(ROOT), file=sys.stderr)


if __name__ == "__main__":
    main()
