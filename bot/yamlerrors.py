"""ruamel's YAML errors in a clerk's words, with a hint where full-width punctuation broke them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.error import MarkedYAMLError

from bot.i18n import N_

# what people type with a Chinese input method where YAML needs the ASCII sign
FULL_WIDTH = {"：": ":", "，": ",", "“": '"', "”": '"', "‘": "'", "’": "'", "［": "[", "］": "]"}
FULL_WIDTH.update({"｛": "{", "｝": "}", "－": "-", "＃": "#"})

# ruamel's problem text (matched from its start) -> our message key; the first match wins
_PROBLEMS = (
    ("could not find expected ':'", N_("yaml.no_colon")),
    ("mapping values are not allowed here", N_("yaml.colon_here")),
    ("found character '\\t'", N_("yaml.tab")),
    ("found character", N_("yaml.bad_start")),
    ("expected ',' or ']'", N_("yaml.unclosed_list")),
    ("expected ',' or '}'", N_("yaml.unclosed_mapping")),
    ("found unexpected end of stream", N_("yaml.unclosed_quote")),
    ("found duplicate key", N_("yaml.duplicate_key")),
    ("found undefined alias", N_("yaml.undefined_alias")),
    ("but found another document", N_("yaml.two_documents")),
    ("expected <block end>", N_("yaml.indent")),
    ("did not find expected key", N_("yaml.indent")),
    ("did not find expected '-' indicator", N_("yaml.indent")),
    ("not a valid !!", N_("yaml.bad_tag_value")),
)
_QUOTED = re.compile(r"""["']([^"']*)["']""")


@dataclass(frozen=True)
class SyntaxProblem:
    """A YAML syntax error said plainly: where, the message key and its parameters, any hint."""

    line: int | None
    key: str
    params: dict[str, Any]
    hint: str | None


def _ascii_word(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "_-]}")


def full_width_in(text: str) -> str | None:
    """The first full-width sign in ``text`` that stands where YAML needs the ASCII one.

    Only a sign touching an ASCII word counts (``timezone：Asia``, ``[leader，office]``):
    between Chinese words (``红，绿``) it is ordinary text.
    """
    for index, char in enumerate(text):
        if char not in FULL_WIDTH:
            continue
        before, after = text[index - 1 : index], text[index + 1 : index + 2]
        if _ascii_word(before) or _ascii_word(after):
            return char
    return None


def hint_params(char: str, line: int) -> dict[str, Any]:
    """Parameters of the full-width hint: the sign typed, its ASCII twin, the line."""
    return {"char": char, "ascii": FULL_WIDTH[char], "hint_line": line}


def _hint(text: str, first: int, last: int) -> tuple[str | None, dict[str, Any]]:
    """The full-width hint for the first such sign on lines ``first``..``last`` (0-based)."""
    lines = text.splitlines()
    for number in range(max(first, 0), min(last, len(lines) - 1) + 1):
        found = full_width_in(lines[number].split("#")[0])
        if found:
            return N_("yaml.hint.full_width"), hint_params(found, number + 1)
    return None, {}


def syntax_problem(text: str, exc: MarkedYAMLError) -> SyntaxProblem:
    """``exc`` as one line: its position, its problem in plain words, and a full-width hint."""
    mark = exc.problem_mark or exc.context_mark
    detail = str(exc.problem or exc.context or "")
    key = next((key for start, key in _PROBLEMS if detail.startswith(start)), N_("yaml.other"))
    quoted = _QUOTED.search(detail)
    params: dict[str, Any] = {"detail": detail, "name": quoted.group(1) if quoted else ""}
    if mark is None:
        return SyntaxProblem(None, key, params | {"column": 1}, None)
    params["column"] = mark.column + 1
    # the sign that broke the file is often a line or two above where ruamel noticed
    context = exc.context_mark.line if exc.context_mark is not None else mark.line
    hint, extra = _hint(text, min(context, mark.line - 1), mark.line)
    return SyntaxProblem(mark.line + 1, key, params | extra, hint)


_FULL_WIDTH_KEY = re.compile(r"^\s*(?:-\s+)?[A-Za-z0-9_-]+\s*：")


def document_hint(text: str) -> tuple[str | None, dict[str, Any]]:
    """The full-width hint for a file that is no mapping at all: a key with a full-width colon."""
    for number, line in enumerate(text.splitlines(), 1):
        if _FULL_WIDTH_KEY.match(line):
            return N_("yaml.hint.full_width"), hint_params("：", number)
    return None, {}
