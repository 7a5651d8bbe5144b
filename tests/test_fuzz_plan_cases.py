"""Hostile plan files, one by one: each once crashed or hung the loader, or is a YAML trap."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from plan_checks import keys_of, load, small
from support import SMALL_PLAN

from bot.domain.errors import PlanError
from bot.domain.plan import Plan
from bot.i18n import Translator


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One folder for the module's plan files."""
    yield tmp_path_factory.mktemp("cases")


# Inputs that once crashed the loader or are classic YAML traps: (content, expected message key)
NASTY: list[tuple[str | bytes, str]] = [
    (small("within: 2h}", "within: 99999999999999999999}"), "plan.bad_duration"),
    (small("within: 2h}", "within: 99999999999d}"), "plan.bad_duration"),
    (small("within: 2h}", "within: 3651d}"), "plan.bad_duration"),
    (small("within: 2h}", "within: 1.5h}"), "plan.bad_duration"),
    (small("within: 2h}", "within: -3h}"), "plan.bad_duration"),
    (small("within: 2h}", "within: 0s}"), "plan.bad_duration"),
    (small("within: 2h}", "within: .inf}"), "plan.bad_duration"),
    (small("id: small\n", "id: small\ntimezone: " + "a" * 5000 + "\n"), "plan.bad_timezone"),
    (small("id: small\n", "id: small\ntimezone: ../../../etc/passwd\n"), "plan.bad_timezone"),
    (small("  office: {", "  x: {<<: *o}\n  office: &o {"), "plan.yaml_syntax"),  # alias first
]
# a problem inside keys merged in with << has no line of its own: it crashed _locate
OFFICE = "  office: {title: 办公室, members: [clerk]}"
MERGED = "  office: &o {title: 办公室, members: [ghost]}\n  x: {<<: *o"
NASTY += [
    (small(OFFICE, MERGED + "}"), "plan.unknown_person"),
    (small(OFFICE, MERGED + ", title: X}"), "plan.unknown_person"),
]
# ruamel built these scalars with int() or date() and let the ValueError escape
NASTY += [
    ("id: !!int abc\n", "plan.yaml_syntax"),
    ("id: !!float abc\n", "plan.yaml_syntax"),
    ("id: 2024-02-30\n", "plan.yaml_syntax"),
    ("id: " + "9" * 5000 + "\n", "plan.yaml_syntax"),
    (small("within: 2h}", "within: !!timestamp 2h}"), "plan.yaml_syntax"),
]
# ruamel composes recursively: deep nesting overflowed the stack (RecursionError)
CHAIN = "".join(f"a{n}: &a{n} [*a{n - 1}]\n" for n in range(1, 2000))
NASTY += [
    ("id: " + "[" * 3000 + "]" * 3000 + "\n", "plan.too_deep"),
    ("id: " + "{a: " * 3000 + "b" + "}" * 3000 + "\n", "plan.too_deep"),
    ("".join("  " * depth + "a:\n" for depth in range(400)) + "  " * 400 + "b\n", "plan.too_deep"),
    ("a0: &a0 [x]\n" + CHAIN, "plan.too_deep"),  # each alias one level deeper than the last
    ("id: &a [*a]\n", "plan.too_deep"),  # an anchor containing itself nests without end
    ("id: &a {x: *a}\n", "plan.too_deep"),
    (small("when: {reach: [mid, high]}", "when: &w {any: [*w]}"), "plan.too_deep"),  # cyclic rule
]
# ruamel hashed a set member it had made a tuple of lists: TypeError
NASTY += [
    ("id: !!set {? [a, [b]]}\n", "plan.yaml_syntax"),
    ("id: !!set {? {a: b}}\n", "plan.yaml_syntax"),
]
# a tag on the wrong kind of node, or on nothing: AttributeError, IndexError, KeyError
NASTY += [
    ("id: !!set x\n", "plan.yaml_syntax"),
    ("id: !!omap x\n", "plan.yaml_syntax"),
    ("id: !!int\n", "plan.yaml_syntax"),
    ("id: !!float\n", "plan.yaml_syntax"),
    ("id: !!bool\n", "plan.yaml_syntax"),
    ("!!set ", "plan.yaml_syntax"),
]


@pytest.mark.parametrize(("content", "key"), NASTY)
def test_nasty_files_are_refused_clearly(folder: Path, content: str | bytes, key: str) -> None:
    assert key in keys_of(load(folder, content))


def test_a_bad_scalar_is_reported_at_its_line(folder: Path) -> None:
    text = small("  escalate_after: 2", "  escalate_after: !!int two")
    result = load(folder, text)
    assert isinstance(result, PlanError)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "!!int two" in row)
    assert [(p.line, p.key) for p in result.problems] == [(line, "plan.yaml_syntax")]


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("~", "None"),
        ("1", "1"),
        ("true", "True"),
        ("2024-01-01", "2024-01-01"),
        ("? [a]\n", "('a',)"),
    ],
)
def test_an_unknown_key_yaml_reads_as_no_string_is_named_at_its_line(
    folder: Path, key: str, field: str
) -> None:
    result = load(folder, small("id: small\n", f"id: small\n{key}: x\n"))
    assert isinstance(result, PlanError)
    assert [(p.line, p.field, p.key) for p in result.problems] == [(2, field, "plan.unknown_field")]


def test_too_deep_names_the_line_where_it_gets_too_deep(folder: Path) -> None:
    # the top mapping is level 1, the list on line 3 level 2, so level 65 starts on line 66
    text = "id: x\ntitle:\n" + "".join("  " * d + "- \n" for d in range(1, 100))
    result = load(folder, text)
    assert isinstance(result, PlanError)
    assert [(p.key, p.line, p.params) for p in result.problems] == [
        ("plan.too_deep", 66, {"limit": 64})
    ]


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail with TimeoutError instead of hanging when the body runs too long."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)  # *i stands for 9**9 = 387,420,489 values


@pytest.mark.parametrize(
    "text",
    [
        LAUGHS + "id: *i\n",
        LAUGHS + "? *i\n: x\n",  # a list as a mapping key
        LAUGHS + "id: !!set {? *i}\n",
        LAUGHS + small("  - id: low\n", "  - id: low\n    notify: *i\n"),
    ],
)
def test_an_alias_bomb_is_refused_quickly(folder: Path, text: str) -> None:
    with deadline(10):
        assert keys_of(load(folder, text)) == ["plan.too_large"]


TITLE = "title: {zh_CN: 测试预案, en: Test plan}"


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system [touch {marker}]",
        "!!python/object/new:os.system [touch {marker}]",
        "!!python/object:subprocess.Popen {{args: [touch, {marker}]}}",
    ],
)
def test_python_tags_are_data_and_never_run(folder: Path, tag: str) -> None:
    marker = folder / "ran"
    result = load(folder, small(TITLE, "title: " + tag.format(marker=marker)))
    assert "plan.expected_text" in keys_of(result)
    assert not marker.exists()


def line_of(text: str, needle: str) -> int:
    """The 1-based line of ``text`` holding ``needle``."""
    return next(n for n, row in enumerate(text.splitlines(), 1) if needle in row)


@pytest.mark.parametrize(
    ("text", "needle", "key"),
    [
        (small("  eye: {", "\teye: {"), "\teye", "plan.yaml_syntax"),  # a tab as indentation
        (small("id: small\n", "id: small\nid: b\n"), "id: b", "plan.yaml_syntax"),  # not last-wins
        (small("{title: 办公室,", "{title: 办公室, title: x,"), "title: x", "plan.yaml_syntax"),
        (SMALL_PLAN + "---\nid: b\n", "---", "plan.yaml_syntax"),  # a second document
        ("~\n", "~", "plan.not_mapping"),  # a null document
        ("---\n...\n", "---", "plan.not_mapping"),
        ("# only a comment\n", "#", "plan.not_mapping"),
        ("- a\n- b\n", "- a", "plan.not_mapping"),
    ],
)
def test_yaml_traps_are_named_at_their_line(folder: Path, text: str, needle: str, key: str) -> None:
    result = load(folder, text)
    assert isinstance(result, PlanError)
    assert [(p.line, p.key) for p in result.problems] == [(line_of(text, needle), key)]


def test_a_byte_order_mark_is_read_past(folder: Path) -> None:
    assert isinstance(load(folder, "\ufeff" + SMALL_PLAN), Plan)


def test_a_file_that_is_not_utf8_is_refused_by_name(folder: Path) -> None:
    result = load(folder, SMALL_PLAN.encode("gb18030"))
    assert isinstance(result, PlanError) and result.key == "error.plan_unreadable"
    assert str(folder / "plan.yaml") in Translator("en")(result.key, **result.params)
