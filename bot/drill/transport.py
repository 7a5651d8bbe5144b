"""The drill's messenger: a terminal, on the delivery engine like any other transport."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count

from bot.render.doc import Doc
from bot.render.plain import to_plain
from bot.service.outbox import Kind
from bot.service.transport import Capabilities, Outgoing

NAME = "drill"
CAPABILITIES = Capabilities(
    edits=True,  # an edit prints what changed
    edit_window=None,
    push=True,
    mentions=False,  # names are printed; nobody is notified
    text_limit=1_000_000,
    buttons=None,
    button_label=None,
)


class Terminal:
    """Prints each message as the group would see it; an edit shows only what changed."""

    name = NAME
    capabilities = CAPABILITIES

    def __init__(self, heard: Callable[[Outgoing, str], None]) -> None:
        self._heard = heard  # (message, text as printed)
        self._refs = count(1)
        self._cards: dict[int, list[str]] = {}  # the last card shown, per incident

    async def send(self, out: Outgoing) -> str:
        """Print the message; its ref is a running number."""
        self._heard(out, self._condensed(out))
        return str(next(self._refs))

    async def edit(self, ref: str, out: Outgoing) -> str:
        """Print what changed in the message ``ref``."""
        self._heard(out, self._condensed(out))
        return ref

    async def answer(self, press: str, text: str | None = None) -> None:
        """Nothing to acknowledge: the drill presses its buttons itself."""

    def _condensed(self, out: Outgoing) -> str:
        """In a terminal, an edit shows what changed: the answer given, the card's changed lines."""
        text = to_plain(out.doc, out.people)
        lines = text.splitlines()
        kind = Kind(out.item.kind)
        if kind is Kind.QUESTION:
            return _numbered(out)
        if kind is Kind.ANSWERED:
            return lines[-1]
        if kind is not Kind.CARD or out.item.incident_id is None:
            return text
        before = self._cards.get(out.item.incident_id)
        self._cards[out.item.incident_id] = lines
        if out.item.payload.get("announce") or before is None:
            return text
        changed = [line for line in lines[1:] if line not in before and not line.startswith("[")]
        return "\n".join([lines[0], *changed])


def _numbered(out: Outgoing) -> str:
    """A grading question with its options numbered: the drill answers by number."""
    labels = [button.label for row in out.doc.buttons for button in row]
    text = to_plain(Doc(out.doc.lines), out.people)
    return "\n".join([text, *(f"{n}) {label}" for n, label in enumerate(labels, 1))])
