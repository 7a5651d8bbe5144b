"""Exporting an incident's written report to a file (docx or Markdown, with its chart)."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

from bot.domain.errors import YuqingError
from bot.domain.messages import N_
from bot.export.chart import timeline_chart
from bot.export.docx import to_docx
from bot.export.gather import gather
from bot.export.markdown import to_markdown
from bot.export.model import Facts
from bot.export.report import build
from bot.i18n import Translator
from bot.service.base import UnknownIncident
from bot.service.plans import PlanBook
from bot.service.resolve import PlanResolver
from bot.service.shelf import Shelf
from bot.store import Store


class OutputError(YuqingError):
    """The report could not be written where asked."""

    key = N_("error.output")


def write_file(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, so a failure leaves nothing half-written."""
    temp: str | None = None
    try:
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temp, 0o666 & ~mask)  # mkstemp makes it private; a report is an ordinary file
        os.replace(temp, path)
    except OSError as exc:
        if temp is not None and os.path.exists(temp):
            os.unlink(temp)
        raise OutputError(path=str(path), detail=exc.strerror or str(exc)) from None


async def facts_of(
    store: Store, plans: PlanBook, number: int, now: datetime, shelf: Shelf | None = None
) -> Facts:
    """What incident #``number``'s report is made from (UnknownIncident if there is none)."""
    incident = await store.get_by_number(number)
    if incident is None:
        raise UnknownIncident(number=number)
    plan = await PlanResolver(store, plans).plan(incident)
    return await gather(store, incident, plan, now, shelf)


async def render_report(
    store: Store,
    plans: PlanBook,
    number: int,
    fmt: str,
    lang: str | None,
    now: datetime,
    shelf: Shelf | None = None,
    template: Path | None = None,
) -> tuple[bytes, bytes | None, str]:
    """The report file's bytes, the chart PNG (if any), and the language used."""
    facts = await facts_of(store, plans, number, now, shelf)
    return render_facts(facts, fmt, lang, template)


def render_facts(
    facts: Facts, fmt: str, lang: str | None, template: Path | None = None
) -> tuple[bytes, bytes | None, str]:
    """The report file's bytes, the chart PNG (if any), and the language used."""
    incident, plan, now = facts.incident, facts.plan, facts.now
    t = Translator(lang or incident.lang)
    chart = timeline_chart(incident, plan, t, now) if incident.obligations else None
    return report_file(facts, t, chart, fmt, template), chart, t.lang


def report_file(
    facts: Facts, t: Translator, chart: bytes | None, fmt: str, template: Path | None = None
) -> bytes:
    """The report as docx (the chart inside, laid out by the template) or as Markdown."""
    if fmt == "md":
        return to_markdown(build(facts, t)).encode("utf-8")
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "report.docx"
        to_docx(build(facts, t, chart), target, template)
        return target.read_bytes()


async def export_to_file(
    store: Store,
    plans: PlanBook,
    number: int,
    fmt: str,
    output: Path | None,
    lang: str | None,
    now: datetime,
    shelf: Shelf | None = None,
    template: Path | None = None,
) -> list[Path]:
    """Write the report (and, for Markdown, its chart beside it); return the files written."""
    data, chart, _ = await render_report(store, plans, number, fmt, lang, now, shelf, template)
    path = output or Path(f"yuqing-{number}.{fmt}")
    written = []
    if fmt == "md" and chart is not None:
        picture = path.with_name(f"{path.stem}-timeline.png")
        write_file(picture, chart)
        written.append(picture)
        data += f"\n![timeline]({picture.name})\n".encode()
    write_file(path, data)
    written.insert(0, path)
    return written
