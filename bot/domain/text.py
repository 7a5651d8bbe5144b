"""Localized text in plans: a plain string, or a map of language code to string."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import RootModel, field_validator

DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = ("zh_CN", "en")


def listed(items: Iterable[str], lang: str) -> str:
    """Items listed as ``lang`` lists them: 甲、乙 in Chinese, "a, b" otherwise."""
    return ("、" if lang == "zh_CN" else ", ").join(items)


class LText(RootModel[str | dict[str, str]]):
    """A plan text that may differ per language; ``get(lang)`` always returns something."""

    @field_validator("root")
    @classmethod
    def _not_empty(cls, value: str | dict[str, str]) -> str | dict[str, str]:
        texts = [value] if isinstance(value, str) else list(value.values())
        if not texts or not all(text.strip() for text in texts):
            raise ValueError("empty text")
        return value

    def get(self, lang: str) -> str:
        """Text in ``lang``, else in the default language, else the first one given."""
        value = self.root
        if isinstance(value, str):
            return value
        for candidate in (lang, lang.split("_")[0], DEFAULT_LANGUAGE):
            if candidate in value:
                return value[candidate]
        return next(iter(value.values()))


# a link ends at a space, a quote or angle bracket, or the first CJK or full-width character
_LINK = re.compile(r"https?://[^\s<>\"'\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+", re.IGNORECASE)


def links_in(text: str) -> list[str]:
    """The http(s) links in a text, once each, in order, without trailing punctuation."""
    found: dict[str, None] = {}
    for match in _LINK.finditer(text):
        link = match.group().rstrip(".,;:!?")
        if link.endswith(")") and "(" not in link:  # "(see https://…)": the bracket is the text's
            link = link[:-1].rstrip(".,;:!?")
        if not link.endswith("://"):
            found.setdefault(link, None)
    return list(found)
