"""``export N --archive``: one zip with the written report, the kept files and a manifest.

The manifest (``manifest.json``, and ``manifest.csv`` for a spreadsheet) lists every file
attached to the incident — kept or not — with its sha256, name, kind, size, time, who sent it,
with what, and where it is in the zip (or why it was not kept).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.domain.evidence import Evidence
from bot.export.command import facts_of, render_facts, write_file
from bot.export.gather import file_name
from bot.export.model import Facts
from bot.service.plans import PlanBook
from bot.service.shelf import Shelf
from bot.store import Store

COLUMNS = ("sha256", "name", "kind", "size", "time", "who", "source", "status", "reason", "file")


def _entry(item: Evidence, facts: Facts, shelf: Shelf) -> dict[str, Any]:
    """One file's manifest row; ``file`` is its path in the zip, empty if it is not there."""
    kept = item.digest is not None and shelf.has(item.digest)
    return {
        "sha256": item.digest or "",
        "name": file_name(item),
        "kind": item.kind,
        "size": item.size if item.size is not None else "",
        "time": item.at.astimezone(facts.plan.zone).isoformat(timespec="seconds"),
        "who": facts.names.get(item.actor or "", item.actor or ""),
        "source": item.source,
        "status": item.status.value,
        "reason": item.reason or "",
        "file": f"evidence/{item.digest[:12]}-{file_name(item)}" if kept and item.digest else "",
    }


def _csv(rows: list[dict[str, Any]]) -> bytes:
    """The manifest as CSV, with a BOM so that spreadsheets read the Chinese right."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def pack(
    facts: Facts,
    items: list[Evidence],
    shelf: Shelf,
    fmt: str,
    lang: str | None,
    template: Path | None = None,
) -> bytes:
    """The zip's bytes: report, chart, evidence files and manifest."""
    data, chart, _ = render_facts(facts, fmt, lang, template)
    name = f"yuqing-{facts.incident.number}"
    rows = [_entry(item, facts, shelf) for item in items]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(f"{name}.{fmt}", data)
        if chart is not None:
            out.writestr(f"{name}-timeline.png", chart)
        for item, row in zip(items, rows, strict=True):
            if row["file"] and item.digest:
                out.write(shelf.path(item.digest), row["file"])
        manifest = {"incident": facts.incident.number, "files": rows}
        out.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        out.writestr("manifest.csv", _csv(rows))
    return buffer.getvalue()


async def export_archive(
    store: Store,
    plans: PlanBook,
    number: int,
    fmt: str,
    output: Path | None,
    lang: str | None,
    now: datetime,
    shelf: Shelf,
    template: Path | None = None,
) -> Path:
    """Write incident #``number``'s archive zip; its path."""
    facts = await facts_of(store, plans, number, now, shelf)
    items = await store.evidence(facts.incident.id)
    path = output or Path(f"yuqing-{number}.zip")
    write_file(path, pack(facts, items, shelf, fmt, lang, template))
    return path
