"""The report as Markdown."""

from __future__ import annotations

from bot.export.model import Report


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: Report) -> str:
    """Headings, paragraphs and pipe tables."""
    out = [f"# {report.title}", "", report.subtitle, ""]
    for section in report.sections:
        out += [f"## {section.heading}", ""]
        for paragraph in section.paragraphs:
            out += [paragraph, ""]
        if len(section.table) > 1:
            header, *rows = section.table
            out.append("| " + " | ".join(map(_cell, header)) + " |")
            out.append("|" + "---|" * len(header))
            out += ["| " + " | ".join(map(_cell, row)) + " |" for row in rows]
            out.append("")
    return "\n".join(out).rstrip() + "\n"
