"""argparse in the command line's language: its own texts translated, help wrapped by width."""

from __future__ import annotations

import argparse
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from bot.i18n import N_, Translator

# argparse's own texts (Python 3.11–3.13) -> our keys; the translations keep argparse's
# %-placeholders, since argparse fills them in after translating
_TEXTS = {
    "usage: ": N_("argparse.usage"),
    "positional arguments": N_("argparse.positionals"),
    "options": N_("argparse.options"),
    "show this help message and exit": N_("argparse.help"),
    "show program's version number and exit": N_("argparse.version"),
    "%(prog)s: error: %(message)s\n": N_("argparse.error"),
    "argument %(argument_name)s: %(message)s": N_("argparse.argument"),
    "the following arguments are required: %s": N_("argparse.required"),
    "unrecognized arguments: %s": N_("argparse.unrecognized"),
    "invalid choice: %(value)r (choose from %(choices)s)": N_("argparse.invalid_choice"),
    "invalid %(type)s value: %(value)r": N_("argparse.invalid_value"),
    "expected one argument": N_("argparse.expected_one"),
    "expected at most one argument": N_("argparse.expected_at_most_one"),
    "expected at least one argument": N_("argparse.expected_at_least_one"),
    "ambiguous option: %(option)s could match %(matches)s": N_("argparse.ambiguous"),
    "ignored explicit argument %r": N_("argparse.ignored_argument"),
    "not allowed with argument %s": N_("argparse.not_allowed_with"),
    "one of the arguments %s is required": N_("argparse.one_required"),
    "unknown parser %(parser_name)r (choices: %(choices)s)": N_("argparse.unknown_parser"),
    "can't open '%(filename)s': %(error)s": N_("argparse.cannot_open"),
}
_PLURAL = N_("argparse.expected_n")  # "expected %s argument(s)"
_TOKENS = re.compile(r"\s+|[^\s\u1100-\uffef]+|.")
_NO_LINE_START = set("，。、；：？！）」』”’》〉】")


@contextmanager
def argparse_language(t: Translator) -> Iterator[None]:
    """Within this block, argparse says its own texts (usage, headings, errors) through ``t``.

    argparse looks its texts up through the module's ``_`` and ``ngettext`` at each use
    (gettext's hook); they are swapped for the block only, so nothing outside it changes.
    """
    names = vars(argparse)
    saved = {"_": names["_"], "ngettext": names["ngettext"]}

    def gettext(text: str | None) -> str | None:
        key = _TEXTS.get(text) if text is not None else None
        return t(key) if key else text

    def ngettext(singular: str, plural: str, count: int) -> str:
        if singular == "expected %s argument":
            return t(_PLURAL)
        return str(saved["ngettext"](singular, plural, count))

    names.update({"_": gettext, "ngettext": ngettext})
    try:
        yield
    finally:
        names.update(saved)


def _width(text: str) -> int:
    """Terminal columns of ``text``: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns; CJK text may break between characters."""
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(text):
        if token.isspace():
            line = line + " " if line else line
            continue
        fits = _width(line.rstrip() + token) <= width if token not in _NO_LINE_START else True
        if not fits and line.strip():
            lines.append(line.rstrip())
            line = ""
        line += token
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help wrapped by terminal columns (CJK is double width); descriptions keep their lines."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(" ".join(text.split()), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = []
        for line in text.splitlines():
            own = line[: len(line) - len(line.lstrip())]  # an example keeps its indent
            lines += [indent + own + part for part in wrap(line.strip(), width - len(own))]
        return "\n".join(lines)


class _Factory(Protocol):
    def __call__(self, *, prog: str) -> HelpFormatter: ...


def formatter(width: int | None = None) -> _Factory:
    """A formatter factory for ``formatter_class``; ``width`` fixes the columns (tests)."""

    def make(*, prog: str) -> HelpFormatter:
        return HelpFormatter(prog, width=width)

    return make
