"""Property tests of durations and grading: total, deterministic, as docs/plan-format.md says."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from plan_strategies import FUZZ, dump, fuzz, plans

from bot.cli import run
from bot.domain.checks import cross_check
from bot.domain.durations import MAX_DURATION, format_duration, parse_duration
from bot.domain.errors import UnknownAnswer
from bot.domain.grading import Grade, grade, reason_text
from bot.domain.plan import Plan
from bot.domain.rules import evaluate
from bot.i18n import Translator
from bot.settings import Settings

WHOLE_SECONDS = st.integers(1, int(MAX_DURATION.total_seconds())).map(
    lambda seconds: timedelta(seconds=seconds)
)
UNITS = ("d", "h", "m", "s")
GRADING = fuzz(60)  # each example draws a whole plan


@FUZZ
@given(WHOLE_SECONDS)
def test_formatted_durations_read_back_the_same(value: timedelta) -> None:
    assert parse_duration(format_duration(value)) == value


@FUZZ
@given(st.lists(st.integers(0, 10**30), min_size=4, max_size=4))
@example([99999, 0, 0, 0])
@example([0, 0, 0, 0])
@example([3650, 0, 0, 1])
@example([10**20, 0, 0, 0])  # timedelta overflowed: OverflowError escaped the loader
def test_written_durations_mean_their_sum_or_are_refused(amounts: list[int]) -> None:
    text = "".join(f"{amount}{unit}" for amount, unit in zip(amounts, UNITS, strict=True) if amount)
    seconds = sum(a * s for a, s in zip(amounts, (86400, 3600, 60, 1), strict=True))
    if 0 < seconds <= MAX_DURATION.total_seconds():
        assert parse_duration(text) == timedelta(seconds=seconds)
    else:
        try:
            parse_duration(text)
        except ValueError:
            return
        raise AssertionError(f"{text!r} accepted")


@FUZZ
@given(st.text(max_size=30))
@example("99999999999999999999s")
@example("1.5h")
@example("-3h")
@example("0s")
@example(" 2H ")
def test_any_text_is_a_usable_duration_or_a_value_error(text: str) -> None:
    try:
        value = parse_duration(text)
    except ValueError:
        return
    assert timedelta(0) < value <= MAX_DURATION
    assert parse_duration(format_duration(value)) == value
    assert datetime(2026, 1, 1, tzinfo=UTC) + value < datetime(9999, 1, 1, tzinfo=UTC)


Raw = dict[str, Any]


@st.composite
def graded(draw: st.DrawFn, complete: bool = False) -> tuple[Raw, Plan, dict[str, str]]:
    """A valid plan (as written and as loaded) and answers to all or some of its questions."""
    raw = draw(plans(lean=True))
    plan = Plan.model_validate(raw)
    assert cross_check(plan) == []
    answers = {}
    for question in plan.questions:
        if complete or draw(st.booleans()):
            answers[question.id] = draw(st.sampled_from([o.id for o in question.options]))
    return raw, plan, answers


def holds(rule: Raw, answers: dict[str, str]) -> bool:
    """docs/plan-format.md's rule grammar, read straight off a rule as the plan writes it."""
    verdicts = []
    for key, value in rule.items():
        if key == "any":
            verdicts.append(any(holds(part, answers) for part in value))
        elif key == "all":
            verdicts.append(all(holds(part, answers) for part in value))
        else:  # an unanswered question is None, never an option
            verdicts.append(answers.get(key) in ([value] if isinstance(value, str) else value))
    return all(verdicts)


def documented_level(raw: Raw, answers: dict[str, str]) -> str:
    """The most severe level whose rule holds, else the one level without a rule."""
    levels = raw["levels"]
    held = [level["id"] for level in levels if "when" in level and holds(level["when"], answers)]
    return held[-1] if held else next(level["id"] for level in levels if "when" not in level)


def conditions(rule: Raw) -> Iterator[tuple[str, list[str]]]:
    """Every ``question: option(s)`` in a rule as the plan writes it."""
    for key, value in rule.items():
        if key in ("any", "all"):
            for part in value:
                yield from conditions(part)
        else:
            yield key, [value] if isinstance(value, str) else value


@GRADING
@given(graded())
def test_the_most_severe_level_whose_rule_holds_wins(
    case: tuple[Raw, Plan, dict[str, str]],
) -> None:
    raw, plan, answers = case
    result = grade(plan, answers)
    assert result.level.id == documented_level(raw, answers)
    assert grade(plan, dict(reversed(answers.items()))) == result  # order and repeats: same


@fuzz(40)
@given(graded())
def test_every_complete_answer_set_gets_exactly_one_level(
    case: tuple[Raw, Plan, dict[str, str]],
) -> None:
    raw, plan, _ = case
    choices = [[(q.id, o.id) for o in q.options] for q in plan.questions]
    for combination in itertools.product(*choices):
        answers = dict(combination)
        level = grade(plan, answers).level
        assert [known.id for known in plan.levels if known == level] == [level.id]
        assert level.id == documented_level(raw, answers)


def assert_reasons_are_chosen_options(raw: Raw, plan: Plan, answers: dict[str, str]) -> None:
    """Every reason is an answer given, held by the level's rule, worded as the plan says."""
    result: Grade = grade(plan, answers)
    rule = next(level.get("when") for level in raw["levels"] if level["id"] == result.level.id)
    assert (rule is None) == (result.reasons == ())
    assert len(set(result.reasons)) == len(result.reasons)
    for reason in result.reasons:
        assert answers[reason.question] == reason.option
        assert any(reason.question == q and reason.option in opts for q, opts in conditions(rule))
        option = plan.option(reason.question, reason.option)
        for lang in ("zh_CN", "en"):
            text = reason_text(plan, reason, lang)
            if option.reason is not None:
                assert text == option.reason.get(lang)
            else:  # no reason text: "question: option"
                asked = plan.question(reason.question).text.get(lang).rstrip("?？")
                assert text == f"{asked}: {option.text.get(lang)}"


@GRADING
@given(graded())
def test_reasons_are_the_chosen_options_in_the_plans_words(
    case: tuple[Raw, Plan, dict[str, str]],
) -> None:
    assert_reasons_are_chosen_options(*case)


@GRADING
@given(graded(complete=True), st.data())
def test_answering_more_questions_never_lowers_the_grade(
    case: tuple[Raw, Plan, dict[str, str]], data: st.DataObject
) -> None:
    _, plan, answers = case
    given_first = data.draw(st.sets(st.sampled_from(sorted(answers))))
    fewer = {q: o for q, o in answers.items() if q in given_first}
    for level in plan.levels:  # rules only ask "is the answer one of these": no negation
        if level.when is not None and evaluate(level.when, fewer) is not None:
            assert evaluate(level.when, answers) is not None
    before, after = grade(plan, fewer).level, grade(plan, answers).level
    if before.when is not None:  # the default need not be the least severe level
        assert plan.severity(after.id) >= plan.severity(before.id)


@GRADING
@given(graded(), st.data())
def test_unknown_answers_are_refused_by_name(
    case: tuple[Raw, Plan, dict[str, str]], data: st.DataObject
) -> None:
    _, plan, answers = case
    options = {q.id: [o.id for o in q.options] for q in plan.questions}
    question = data.draw(st.one_of(st.sampled_from(sorted(options)), st.text(max_size=6)))
    option = data.draw(
        st.one_of(st.sampled_from(options.get(question, ["x"])), st.text(max_size=6))
    )
    answers = {**answers, question: option}
    if question not in options:
        expected = ("error.unknown_question", {"question": question})
    elif option not in options[question]:
        listed = ", ".join(options[question])
        expected = (
            "error.unknown_option",
            {"question": question, "option": option, "options": listed},
        )
    else:
        grade(plan, answers)
        return
    with pytest.raises(UnknownAnswer) as caught:
        grade(plan, answers)
    assert (caught.value.key, caught.value.params) == expected


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One folder for the module: hypothesis runs many examples per (function-scoped) test."""
    yield tmp_path_factory.mktemp("fuzz-grade")


ANSWER_TEXT = st.text(max_size=5).filter(lambda item: not item.startswith("-"))  # not an option


@fuzz(40)
@given(graded(), st.data(), st.sampled_from(["zh_CN", "en"]))
def test_the_grade_command_prints_the_level_or_says_what_is_wrong(
    folder: Path, case: tuple[Raw, Plan, dict[str, str]], data: st.DataObject, lang: str
) -> None:
    raw, plan, answers = case
    items = [f"{q}={o}" for q, o in answers.items()]
    items += data.draw(st.lists(ANSWER_TEXT, max_size=2))
    (folder / "plan.yaml").write_text(dump(raw), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        settings = Settings(locale=lang, _env_file=None)  # type: ignore[call-arg]
        code = run(["grade", str(folder / "plan.yaml"), *items], settings)
    printed, complained = out.getvalue(), err.getvalue()
    parsed = [item.partition("=") for item in items]
    if all(
        sep and q.strip() in answers and o.strip() == answers[q.strip()] for q, sep, o in parsed
    ):
        name = plan.level(documented_level(raw, answers)).name.get(Translator(lang).lang)
        assert (code, complained) == (0, "") and printed.startswith(name)
    else:
        assert code == 1 and printed == "" and complained.strip()
