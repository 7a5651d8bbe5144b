import pytest
from support import small_plan

from bot.domain.errors import UnknownAnswer
from bot.domain.grading import Reason, grade, guidance, reason_text
from bot.domain.rules import AllOf, AnyOf, Cond, RuleSyntaxError, evaluate, parse_rule

PLAN = small_plan()


@pytest.mark.parametrize(
    ("answers", "level", "reasons"),
    [
        ({}, "low", []),  # nothing answered: unanswered questions never hold
        ({"reach": "low", "media": "no", "hurt": "no"}, "low", []),
        ({"reach": "mid"}, "mid", [("reach", "mid")]),
        ({"reach": "high", "media": "no"}, "mid", [("reach", "high")]),
        ({"reach": "low", "media": "yes"}, "high", [("media", "yes")]),
        ({"reach": "high", "hurt": "yes"}, "high", [("reach", "high"), ("hurt", "yes")]),
        ({"reach": "mid", "hurt": "yes"}, "mid", [("reach", "mid")]),  # all: needs both
        (
            {"reach": "high", "hurt": "yes", "media": "yes"},
            "high",
            [("media", "yes"), ("reach", "high"), ("hurt", "yes")],
        ),
    ],
)
def test_grade(answers: dict[str, str], level: str, reasons: list[tuple[str, str]]) -> None:
    result = grade(PLAN, answers)
    assert result.level.id == level
    assert [(r.question, r.option) for r in result.reasons] == reasons


@pytest.mark.parametrize(
    ("reason", "lang", "text"),
    [
        (Reason("media", "yes"), "zh_CN", "有主流媒体介入报道"),
        (Reason("reach", "mid"), "en", "Spreading"),
        (Reason("reach", "mid"), "zh_CN", "传播较广"),
        (Reason("reach", "high"), "en", "传播很广"),  # plain string: same in every language
        (Reason("reach", "low"), "zh_CN", "传播范围: 少"),  # no reason text: question: option
        (Reason("reach", "low"), "en", "How far: 少"),
    ],
)
def test_reason_text(reason: Reason, lang: str, text: str) -> None:
    assert reason_text(PLAN, reason, lang) == text


@pytest.mark.parametrize(
    ("answers", "key"),
    [
        ({"spread": "low"}, "error.unknown_question"),
        ({"reach": "huge"}, "error.unknown_option"),
    ],
)
def test_unknown_answers_are_refused(answers: dict[str, str], key: str) -> None:
    with pytest.raises(UnknownAnswer) as caught:
        grade(PLAN, answers)
    assert caught.value.key == key


def test_unknown_option_lists_the_choices() -> None:
    with pytest.raises(UnknownAnswer) as caught:
        grade(PLAN, {"reach": "huge"})
    assert caught.value.params["options"] == "low, mid, high"


def test_guidance_none_in_small_plan() -> None:
    assert guidance(PLAN, {"reach": "low"}, "zh_CN") == []


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ({"q": "a"}, Cond("q", ("a",), ("q",))),
        ({"q": ["a", "b"]}, Cond("q", ("a", "b"), ("q",))),
        (
            {"q": "a", "r": "b"},
            AllOf((Cond("q", ("a",), ("q",)), Cond("r", ("b",), ("r",)))),
        ),
        (
            {"any": [{"q": "a"}, {"all": [{"r": "b"}]}]},
            AnyOf(
                (
                    Cond("q", ("a",), ("any", 0, "q")),
                    AllOf((Cond("r", ("b",), ("any", 1, "all", 0, "r")),)),
                )
            ),
        ),
    ],
)
def test_parse_rule(raw: object, rule: object) -> None:
    assert parse_rule(raw) == rule


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ("q", ()),
        ({}, ()),
        ({"any": []}, ("any",)),
        ({"any": {"q": "a"}}, ("any",)),
        ({"q": 3}, ("q",)),
        ({"q": []}, ("q",)),
        ({"all": [{"q": "a"}, "x"]}, ("all", 1)),
    ],
)
def test_parse_rule_errors_point_at_the_spot(raw: object, path: tuple[object, ...]) -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        parse_rule(raw)
    assert caught.value.path == path


@pytest.mark.parametrize(
    ("answers", "held"),
    [
        ({"q": "a"}, ["q"]),
        ({"r": "b"}, ["r"]),
        ({"q": "a", "r": "b"}, ["q", "r"]),  # any: every part that held is a reason
        ({"q": "x", "r": "x"}, None),
    ],
)
def test_any_collects_every_part_that_held(answers: dict[str, str], held: object) -> None:
    rule = parse_rule({"any": [{"q": "a"}, {"r": "b"}]})
    result = evaluate(rule, answers)
    assert (None if result is None else [c.question for c in result]) == held
