"""Plan files with YAML mistakes: one plain line each, and a hint for full-width punctuation."""

from pathlib import Path

import pytest
from support import SMALL_PLAN
from test_cli import cli

from bot.domain.errors import PlanError
from bot.planfile import PlanProblem, parse_plan_text

ROOT = Path(__file__).resolve().parent.parent
COUNTY = ROOT / "plans" / "county.yaml"


def problems(text: str) -> list[PlanProblem]:
    with pytest.raises(PlanError) as caught:
        parse_plan_text(text, "p.yaml")
    return list(caught.value.problems)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_full_width_colon_gets_the_hint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lang: str
) -> None:
    text = COUNTY.read_text(encoding="utf-8").replace("timezone: ", "timezone：", 1)
    plan = tmp_path / "county.yaml"
    plan.write_text(text, encoding="utf-8")
    code, _, err = cli(capsys, "check-plan", str(plan), locale=lang)
    line = line_of(text, "timezone：")
    assert code == 1 and "Traceback" not in err
    first = err.splitlines()[0]
    if lang == "zh_CN":
        assert first.startswith(f"{plan}:{line + 1}: (yaml): 格式错误（第 1 列）：")
        assert first.endswith(
            f"提示：第 {line} 行有全角符号“：”，"
            "预案中的格式符号（冒号、逗号、引号、括号）须用半角，请改为“:”。"
        )
    else:
        assert "lacks the ASCII colon" in first
        assert first.endswith(
            f"Hint: line {line} has the full-width “：”; "
            "a plan's punctuation (colons, commas, quotes, brackets) must be ASCII: write “:”."
        )


@pytest.mark.parametrize(
    ("old", "new", "what", "char"),
    [
        ("people:\n", "people：\n", "yaml.no_colon", "："),
        ("  eye: {", "\teye: {", "yaml.tab", None),
        ("id: small\n", "id: small\nid: b\n", "yaml.duplicate_key", None),
        ("id: small\n", "id: [small\n", "yaml.unclosed_list", None),
        ("id: small\n", "id: 'small\n", "yaml.unclosed_quote", None),
        ("id: small\n", "id: small\n  x: y\n", "yaml.colon_here", None),
        ("id: small\n", "id: *nothing\n", "yaml.undefined_alias", None),
        ("id: small\n", "id: small\n---\n", "yaml.two_documents", None),
    ],
)
def test_yaml_mistakes_are_said_plainly(old: str, new: str, what: str, char: str | None) -> None:
    assert old in SMALL_PLAN
    found = problems(SMALL_PLAN.replace(old, new, 1))
    assert [(p.key, p.params["what"]) for p in found] == [("plan.yaml_syntax", what)]
    assert (found[0].hint is not None) == (char is not None)
    if char:
        assert (found[0].params["char"], found[0].params["hint_line"]) == (
            char,
            line_of(SMALL_PLAN, old.strip()),
        )


def test_a_full_width_comma_in_a_list_of_ids_gets_the_hint() -> None:
    text = COUNTY.read_text(encoding="utf-8").replace("[leader]", "[leader，office]", 1)
    found = problems(text)
    assert found[0].key == "plan.bad_id" and found[0].hint == "yaml.hint.full_width"
    assert (found[0].params["char"], found[0].params["ascii"]) == ("，", ",")
    assert found[0].line == found[0].params["hint_line"] == line_of(text, "[leader，office]")


def test_a_file_with_only_full_width_colons_gets_the_hint() -> None:
    found = problems("# 预案\nid：county\ntitle：区预案\n")
    assert [(p.key, p.hint, p.params["hint_line"]) for p in found] == [
        ("plan.not_mapping", "yaml.hint.full_width", 2)
    ]


def test_chinese_commas_inside_a_text_are_no_mistake() -> None:
    text = SMALL_PLAN.replace("id: small\n", "id: small\ncolour: 红，绿\n", 1)
    [found] = problems(text)
    assert found.key == "plan.unknown_field" and found.hint is None
