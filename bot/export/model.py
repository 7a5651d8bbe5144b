"""The report as neutral data (text, tables, pictures) and the facts it is made from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.domain.incident import Incident, TimelineEvent
from bot.domain.plan import Plan
from bot.store import Approval


@dataclass(frozen=True)
class EvidenceItem:
    """A file kept with the incident: a photo, a document or a voice message."""

    kind: str  # "photo" | "document" | "voice"
    name: str
    path: Path | None  # the stored file, None if it could not be kept
    size: int
    at: datetime


@dataclass(frozen=True)
class Para:
    """A paragraph of body text (``plain``: no first-line indent, as for a quoted text's title)."""

    text: str
    plain: bool = False


@dataclass(frozen=True)
class Sub:
    """A second-level heading: （一）…"""

    text: str


@dataclass(frozen=True)
class Table:
    """Rows (header first); each column's share of the text width; rows to set off (escalations)."""

    rows: list[list[str]]
    widths: tuple[float, ...]
    marked: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Figure:
    """A picture (PNG/JPEG bytes or a stored file) with its caption."""

    image: bytes | Path
    caption: str
    width: float = 1.0  # share of the text width at most (a photo is not blown up to the margins)


Block = Para | Sub | Table | Figure


@dataclass
class Section:
    """A first-level heading and what follows it."""

    heading: str
    blocks: list[Block] = field(default_factory=list)

    def says(self, *texts: str) -> None:
        """Add body paragraphs."""
        self.blocks.extend(Para(text) for text in texts)


@dataclass
class Report:
    """The whole written report, with what its header, signature and properties show."""

    title: str
    subtitle: str
    unit: str  # the issuing unit (发文单位), on the masthead and the signature
    date: str  # the document date, written out (2026年3月5日)
    sections: list[Section]
    number: int = 0
    lang: str = "zh_CN"
    keywords: str = ""
    written_at: datetime | None = None


@dataclass(frozen=True)
class Facts:
    """Everything the report is made from, read from the store."""

    incident: Incident
    plan: Plan
    events: list[TimelineEvent]
    approvals: list[Approval]
    contents: dict[str, str]  # obligation id -> submitted content (release text, review)
    names: dict[str, str]  # person key -> display name
    now: datetime
    evidence: list[EvidenceItem] = field(default_factory=list)


def at(facts: Facts, moment: datetime | None) -> str:
    """A moment in the plan's zone, or a dash."""
    if moment is None:
        return "—"
    return moment.astimezone(facts.plan.zone).strftime("%Y-%m-%d %H:%M")


def name(facts: Facts, key: str | None) -> str:
    """A person's name, or their key where none is known."""
    return facts.names.get(key or "", key or "—")
