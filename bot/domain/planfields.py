"""The plan's field types: ids, durations, rules and messenger ids, as validated and written."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from bot.domain.durations import MAX_DURATION, format_duration, parse_duration
from bot.domain.rules import AllOf, AnyOf, Cond, Rule, RuleSyntaxError, parse_rule, rule_data

ID_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,31}$"
Id = Annotated[str, Field(pattern=ID_PATTERN)]


def _to_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    seconds = MAX_DURATION.total_seconds()
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= seconds:
        return timedelta(seconds=value)
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except ValueError:
            pass
    raise PydanticCustomError("yq_duration", "not a duration: {value}", {"value": str(value)})


Duration = Annotated[
    timedelta,
    BeforeValidator(_to_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^(\d+d)?(\d+h)?(\d+m)?(\d+s)?$",
            "examples": ["2h", "1h30m"],
        }
    ),
]


def _to_rule(value: Any) -> Rule:
    if isinstance(value, Cond | AllOf | AnyOf):
        return value
    try:
        return parse_rule(value)
    except RuleSyntaxError as exc:
        where = ".".join(str(part) for part in exc.path) or "when"
        raise PydanticCustomError("yq_rule", "bad rule at {where}", {"where": where}) from None


RuleField = Annotated[
    Rule,
    BeforeValidator(_to_rule),
    PlainSerializer(rule_data),
    WithJsonSchema(
        {
            "type": "object",
            "description": "question: option | question: [options] | any: [rules] | all: [rules]",
        }
    ),
]

MESSENGER_ID_MAX = 64


def _to_messenger_id(value: Any) -> str:
    """A user or chat id on a string-id messenger: text, not empty, no whitespace, not too long."""
    fits = isinstance(value, str) and 0 < len(value) <= MESSENGER_ID_MAX
    if fits and not any(char.isspace() for char in value):
        return str(value)
    # a YAML number is refused, not converted: "007" would silently become 7
    raise PydanticCustomError("yq_messenger_id", "not an id", {"max": MESSENGER_ID_MAX})


MessengerId = Annotated[
    str,
    BeforeValidator(_to_messenger_id),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": MESSENGER_ID_MAX,
            "pattern": r"^\S+$",
            "description": "an id on this messenger, as text",
        }
    ),
]
