from pathlib import Path

import pytest
from support import SMALL_PLAN, small_plan

from bot.domain.errors import PlanError
from bot.i18n import Translator
from bot.planfile import PlanProblem, load_plan, parse_plan_text


def problems(text: str) -> list[PlanProblem]:
    with pytest.raises(PlanError) as caught:
        parse_plan_text(text, "bad.yaml")
    return list(caught.value.problems)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# (change to the small plan, field reported, message key, line containing)
CASES = [
    (
        "  - {id: reply, text: 回复, owner: office, within: 2h}",
        "  - {id: reply, text: 回复, owner: office, within: 2hours}",
        "levels[0].obligations[0].within",
        "plan.bad_duration",
        "within: 2hours",
    ),
    (
        "    approve: [office]\n",
        "    approve: [offise]\n",
        "levels[0].approve[0]",
        "plan.unknown_role",
        "approve: [offise]",
    ),
    (
        '        - media: "yes"',
        '        - press: "yes"',
        "levels[2].when.any[0].press",
        "plan.unknown_question",
        "- press:",
    ),
    (
        "    when: {reach: [mid, high]}",
        "    when: {reach: [mid, huge]}",
        "levels[1].when.reach",
        "plan.unknown_option",
        "when: {reach: [mid, huge]}",
    ),
    (
        "  monitor: {title: 信息员, members: [eye]}",
        "  monitor: {title: 信息员, members: [ghost]}",
        "roles.monitor.members[0]",
        "plan.unknown_person",
        "members: [ghost]",
    ),
    ("    when: {reach: [mid, high]}\n", "", "levels", "plan.default_level_count", "levels:"),
    ("  - id: mid\n", "  - id: low\n", "levels[0]", "plan.duplicate_id", "  - id: low"),
    (
        "  before: [20m, 10m]",
        "  before: [20m, 10m, 3h]",
        "reminders.before[2]",
        "plan.warning_too_long",
        "before: [20m, 10m, 3h]",
    ),
    (
        "follow_up: {every: 4h, for: 12h, owner: office}",
        "follow_up: {every: 14h, for: 12h, owner: office}",
        "follow_up.every",
        "plan.follow_up_every_too_long",
        "follow_up:",
    ),
    (
        "follow_up: {every: 4h, for: 12h, owner: office}",
        "follow_up: {every: 1s, for: 3650d, owner: office}",  # 315 million prompts
        "follow_up.every",
        "plan.follow_up_too_many",
        "follow_up:",
    ),
    ("id: small\n", "id: small\ncolour: red\n", "colour", "plan.unknown_field", "colour: red"),
    (
        "  - id: reach\n",
        "  - id: any\n",
        "questions[0].id",
        "plan.reserved_question_id",
        "- id: any",
    ),
    (
        "review: {within: 3d, owner: office, approve: [leader]}\n",
        "",
        "review",
        "plan.missing",
        None,
    ),
    (
        "title: {zh_CN: 测试预案, en: Test plan}",
        "title: {zh_CN: 测试预案, en: Test plan}\ntimezone: Mars/Olympus",
        "timezone",
        "plan.bad_timezone",
        "timezone: Mars",
    ),
    (
        "  eye: {name: 信息员, telegram: 3}",
        "  eye: {name: 信息员, telegram: eye}",
        "people.eye.telegram",
        "plan.bad_telegram_ref",
        "telegram: eye",
    ),
    (
        "  eye: {name: 信息员, telegram: 3}",
        '  eye: {name: 信息员, telegram: 3, wecom: "zhang san"}',
        "people.eye.wecom",
        "plan.bad_messenger_id",
        "wecom:",
    ),
    (
        "  eye: {name: 信息员, telegram: 3}",
        "  eye: {name: 信息员, dingtalk: 0123}",  # a YAML number: quoting it keeps the 0
        "people.eye.dingtalk",
        "plan.bad_messenger_id",
        "dingtalk: 0123",
    ),
    (
        "  eye: {name: 信息员, telegram: 3}",
        '  eye: {name: 信息员, feishu: ""}',
        "people.eye.feishu",
        "plan.bad_messenger_id",
        "feishu:",
    ),
    (
        "  eye: {name: 信息员, telegram: 3}",
        f"  eye: {{name: 信息员, wecom: {'w' * 65}}}",
        "people.eye.wecom",
        "plan.bad_messenger_id",
        "wecom: www",
    ),
    (
        "people:\n",
        'chats: {telegram: [-100500], wecom: [wrOk, "wr bad"]}\npeople:\n',
        "chats.wecom[1]",
        "plan.bad_messenger_id",
        "chats:",
    ),
    (
        "  eye: {name: 信息员, telegram: 3}",
        "  eye: {name: 信息员, telegram: 3, slack: U123}",
        "people.eye.slack",
        "plan.unknown_field",
        "slack: U123",
    ),
    (
        "    when: {reach: [mid, high]}",
        "    when: {any: {reach: mid}}",
        "levels[1].when",
        "plan.bad_rule",
        "when: {any:",
    ),
    (
        "      - {id: reply, text: 回复, owner: office, within: 1h}",
        "      - {id: review, text: 回复, owner: office, within: 1h}",
        "levels[1].obligations[0].id",
        "plan.reserved_id",
        "id: review, text: 回复, owner: office, within: 1h",
    ),
    (
        "  escalate_after: 2",
        "  escalate_after: -1",
        "reminders.escalate_after",
        "plan.too_small",
        "escalate_after: -1",
    ),
]


@pytest.mark.parametrize(("old", "new", "field", "key", "line_text"), CASES)
def test_problems_name_line_field_and_message(
    old: str, new: str, field: str, key: str, line_text: str | None
) -> None:
    assert old in SMALL_PLAN
    text = SMALL_PLAN.replace(old, new, 1)
    found = problems(text)
    match = [p for p in found if p.field == field and p.key == key]
    assert match, found
    if line_text is not None:
        assert match[0].line == line_of(text, line_text)
    assert match[0].file == "bad.yaml"


def test_all_problems_are_reported_at_once() -> None:
    text = SMALL_PLAN.replace("approve: [office]", "approve: [nobody]").replace(
        "members: [eye]", "members: [ghost]"
    )
    keys = sorted(p.key for p in problems(text))
    assert keys == ["plan.unknown_person", "plan.unknown_role"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("id: [unclosed\n", "plan.yaml_syntax"),
        ("id: a\nid: b\n", "plan.yaml_syntax"),  # duplicate keys are an error, not last-wins
        ("- just\n- a list\n", "plan.not_mapping"),
        ("", "plan.not_mapping"),
    ],
)
def test_unparseable_files(text: str, key: str) -> None:
    assert [p.key for p in problems(text)] == [key]


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        load_plan(tmp_path / "missing.yaml")
    assert caught.value.key == "error.plan_unreadable"
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(PlanError) as caught:
        load_plan(binary)
    assert caught.value.key == "error.plan_unreadable"


def test_localized_text_falls_back_sensibly() -> None:
    plan = small_plan()
    assert plan.title.get("en") == "Test plan"
    assert plan.title.get("zh_CN") == "测试预案"
    assert plan.level("mid").name.get("en") == "较大"  # plain string: every language
    assert plan.level("low").name.get("fr") == "一般"  # unknown language: the default one


def test_small_plan_defaults() -> None:
    plan = small_plan()
    assert plan.timezone == "Asia/Shanghai"
    assert plan.report_timeout.total_seconds() == 1800
    assert plan.members(["leader", "office", "leader"]) == ["boss", "clerk"]


def test_a_bad_messenger_id_is_told_in_both_languages() -> None:
    text = SMALL_PLAN.replace(
        "  eye: {name: 信息员, telegram: 3}", '  eye: {name: 信息员, wecom: "a b"}'
    )
    [problem] = problems(text)
    assert problem.params["value"] == "a b" and problem.params["max"] == "64"
    shown = {lang: Translator(lang)(problem.key, **problem.params) for lang in ("zh_CN", "en")}
    assert shown["zh_CN"].startswith("“a b” 不是有效的 ID") and "最长 64 个字符" in shown["zh_CN"]
    assert (
        shown["en"].startswith("“a b” is not a valid id") and "at most 64 characters" in shown["en"]
    )
