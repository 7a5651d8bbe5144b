"""Reading the settings at start: one translated line per refused setting, never a traceback."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from bot.domain.messages import N_
from bot.i18n import Translator
from bot.settings import ALLOWED, CONFIG, ENV_PREFIX, SECRET, Settings

SHOWN_VALUE = 60  # characters of a bad value quoted back; the rest is cut


@dataclass(frozen=True)
class SettingProblem:
    """One setting that was refused: its variable, the value given (None: secret), what fits."""

    variable: str
    value: str | None
    allowed: str  # message key


def setting_problems(exc: ValidationError) -> list[SettingProblem]:
    """One problem per refused setting, in the order pydantic found them."""
    found: dict[str, SettingProblem] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        if field in found:  # a union type reports each branch; the setting is named once
            continue
        value = None if field in SECRET else _shown(error.get("input"))
        allowed = ALLOWED.get(field, N_("settings.allowed.other"))
        found[field] = SettingProblem(ENV_PREFIX + field.upper(), value, allowed)
    return list(found.values())


def _shown(value: object) -> str:
    """The value as one printable line, cut to a readable length."""
    text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(value))
    return text if len(text) <= SHOWN_VALUE else text[:SHOWN_VALUE] + "…"


class _LocaleOnly(BaseSettings):
    """Just YUQING_LOCALE, to report the other settings' problems in the chosen language."""

    model_config = CONFIG

    locale: str = "zh_CN"


def settings_language() -> str | None:
    """YUQING_LOCALE as given (normalised later), or None if even that cannot be read."""
    try:
        return _LocaleOnly().locale
    except (ValidationError, UnicodeDecodeError, OSError):
        return None


def load_settings() -> Settings | None:
    """The settings, or None after one translated line per problem on stderr."""
    try:
        return Settings()
    except ValidationError as exc:
        t = Translator(settings_language())
        for problem in setting_problems(exc):
            print(problem_line(t, problem), file=sys.stderr)
    except (UnicodeDecodeError, OSError) as exc:  # the .env file: not UTF-8, or not readable
        t = Translator(os.environ.get(ENV_PREFIX + "LOCALE"))
        if isinstance(exc, UnicodeDecodeError):
            print(t("error.settings_not_utf8", file=".env"), file=sys.stderr)
        else:
            detail = exc.strerror or type(exc).__name__
            print(t("error.settings_unreadable", file=".env", detail=detail), file=sys.stderr)
    return None


def problem_line(t: Translator, problem: SettingProblem) -> str:
    """The problem as one line: the variable, the value given (unless secret), what fits."""
    allowed = t(problem.allowed)
    if problem.value is None:
        return t("error.settings_secret", variable=problem.variable, allowed=allowed)
    return t("error.settings", variable=problem.variable, value=problem.value, allowed=allowed)
