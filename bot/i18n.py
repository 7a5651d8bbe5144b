"""Message catalogs: a message key and parameters -> text in one language (zh_CN, en)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from bot.domain.messages import N_
from bot.domain.text import DEFAULT_LANGUAGE, LANGUAGES

__all__ = ["N_", "Translator", "catalog", "locales_dir", "normalize_language"]

DOMAIN = "messages"


def locales_dir() -> Path:
    """Where the catalogs are: inside an installed wheel, else the source tree's ``locales/``."""
    packaged = Path(__file__).parent / "_data" / "locales"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "locales"


def normalize_language(lang: str | None) -> str:
    """Map 'zh', 'zh-CN', 'en_US.UTF-8' … onto a supported language code."""
    if not lang:
        return DEFAULT_LANGUAGE
    base = lang.split(".")[0].replace("-", "_")
    for supported in LANGUAGES:
        if base.lower() == supported.lower() or base.split("_")[0] == supported.split("_")[0]:
            return supported
    return DEFAULT_LANGUAGE


@cache
def catalog(lang: str) -> dict[str, str]:
    """Key -> translated text for one language, read from its .po file."""
    path = locales_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        messages = read_po(handle, locale=lang)
    return {str(m.id): str(m.string) for m in messages if m.id and m.string}


class Translator:
    """Renders message keys in one language."""

    def __init__(self, lang: str | None = None) -> None:
        self.lang = normalize_language(lang)

    def __call__(self, key: str, **params: Any) -> str:
        """The text for ``key`` with ``params`` filled in; the key itself if it is unknown."""
        text = catalog(self.lang).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
