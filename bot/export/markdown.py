"""The report as Markdown."""

from __future__ import annotations

from pathlib import Path

from bot.export.model import Block, Figure, Para, Report, Sub


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _block(block: Block) -> list[str]:
    if isinstance(block, Para):
        return [block.text, ""]
    if isinstance(block, Sub):
        return [f"### {block.text}", ""]
    if isinstance(block, Figure):  # a stored file is linked; the chart is written beside
        return [f"![{block.caption}]({block.image})", ""] if isinstance(block.image, Path) else []
    header, *rows = block.rows
    out = ["| " + " | ".join(map(_cell, header)) + " |", "|" + "---|" * len(header)]
    for number, row in enumerate(rows, start=1):
        cells = [f"**{_cell(c)}**" if number in block.marked else _cell(c) for c in row]
        out.append("| " + " | ".join(cells) + " |")
    return [*out, ""]


def to_markdown(report: Report) -> str:
    """Headings, paragraphs, pipe tables, linked pictures, the signature."""
    out = [f"# {report.title}", "", report.subtitle, ""]
    for section in report.sections:
        out += [f"## {section.heading}", ""]
        for block in section.blocks:
            out += _block(block)
    out += [report.unit, "", report.date]
    return "\n".join(out).rstrip() + "\n"
