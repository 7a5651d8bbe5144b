"""Grading rules: ``question: option``, ``question: [options]``, ``any: [...]``, ``all: [...]``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

Path: TypeAlias = tuple[str | int, ...]


@dataclass(frozen=True)
class Cond:
    """Holds when the answer to ``question`` is one of ``options``."""

    question: str
    options: tuple[str, ...]
    path: Path = ()


@dataclass(frozen=True)
class AllOf:
    """Holds when every part holds."""

    parts: tuple[Rule, ...]


@dataclass(frozen=True)
class AnyOf:
    """Holds when at least one part holds."""

    parts: tuple[Rule, ...]


Rule: TypeAlias = Cond | AllOf | AnyOf


class RuleSyntaxError(ValueError):
    """A rule that does not follow the grammar; ``path`` points into the rule."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(what)
        self.path = path
        self.what = what


def parse_rule(raw: Any, path: Path = ()) -> Rule:
    """Build a rule tree from its YAML form."""
    if not isinstance(raw, Mapping) or not raw:
        raise RuleSyntaxError(path, "rule_not_mapping")
    parts: list[Rule] = []
    for key, value in raw.items():
        here = (*path, str(key))
        if key in ("any", "all"):
            if not isinstance(value, Sequence) or isinstance(value, str) or not value:
                raise RuleSyntaxError(here, "rule_list_expected")
            subrules = tuple(parse_rule(item, (*here, index)) for index, item in enumerate(value))
            parts.append(AnyOf(subrules) if key == "any" else AllOf(subrules))
        elif isinstance(value, str):
            parts.append(Cond(str(key), (value,), here))
        elif isinstance(value, Sequence) and value and all(isinstance(v, str) for v in value):
            parts.append(Cond(str(key), tuple(value), here))
        else:
            raise RuleSyntaxError(here, "rule_option_expected")
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def conditions(rule: Rule) -> list[Cond]:
    """Every condition in the rule, depth first."""
    if isinstance(rule, Cond):
        return [rule]
    return [cond for part in rule.parts for cond in conditions(part)]


def evaluate(rule: Rule, answers: Mapping[str, str]) -> list[Cond] | None:
    """The conditions that made the rule hold, or None when it does not hold."""
    if isinstance(rule, Cond):
        return [rule] if answers.get(rule.question) in rule.options else None
    results = [evaluate(part, answers) for part in rule.parts]
    if isinstance(rule, AllOf):
        if any(result is None for result in results):
            return None
        return [cond for result in results if result for cond in result]
    held = [cond for result in results if result is not None for cond in result]
    return held if any(result is not None for result in results) else None


def rule_data(rule: Rule) -> Any:
    """A rule in its YAML form again (``parse_rule(rule_data(r))`` equals ``r`` but for paths)."""
    if isinstance(rule, Cond):
        options: Any = rule.options[0] if len(rule.options) == 1 else list(rule.options)
        return {rule.question: options}
    word = "any" if isinstance(rule, AnyOf) else "all"
    return {word: [rule_data(part) for part in rule.parts]}
