"""Every message the code can show exists, non-empty, in every locale, with the same fields."""

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from bot.domain.text import LANGUAGES
from bot.i18n import Translator, catalog, normalize_language

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"t": None, "N_": None}


def used_keys() -> set[str]:
    found = extract_from_dir(str(ROOT / "bot"), method_map=[("**.py", "python")], keywords=KEYWORDS)
    return {str(message) for _, _, message, _, _ in found}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


USED = sorted(used_keys())


def test_extraction_finds_messages() -> None:
    assert "cli.grade.result" in USED and "plan.unknown_role" in USED


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_used_message_is_translated(lang: str) -> None:
    missing = [key for key in USED if not catalog(lang).get(key, "").strip()]
    assert missing == [], f"{lang} lacks: {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_has_no_stale_messages(lang: str) -> None:
    stale = sorted(set(catalog(lang)) - set(USED))
    assert stale == [], f"{lang} has messages no code uses: {stale}"


@pytest.mark.parametrize("key", USED)
def test_placeholders_agree_across_locales(key: str) -> None:
    per_lang = {lang: fields(catalog(lang).get(key, "")) for lang in LANGUAGES}
    assert len({frozenset(names) for names in per_lang.values()}) == 1, per_lang


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, "zh_CN"),
        ("en", "en"),
        ("en_US.UTF-8", "en"),
        ("zh-CN", "zh_CN"),
        ("zh", "zh_CN"),
        ("fr", "zh_CN"),
        ("", "zh_CN"),
    ],
)
def test_language_names_are_normalized(given: str | None, expected: str) -> None:
    assert normalize_language(given) == expected


def test_translator_fills_parameters_and_survives_missing_ones() -> None:
    t = Translator("en")
    assert t("plan.unknown_role", role="boss") == "No role “boss” in roles."
    assert t("plan.unknown_role") == "No role “{role}” in roles."
    assert Translator("zh_CN")("plan.unknown_role", role="boss") == "roles 中没有角色 “boss”。"
