"""Property tests: any file given as a plan loads, or gives the one plan error naming the file."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from plan_checks import load
from plan_strategies import FUZZ, dump, fuzz, mutated, plans
from support import SMALL_PLAN

from bot.cli import run
from bot.domain.plan import Plan
from bot.i18n import Translator
from bot.settings import Settings


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One folder for the module: hypothesis runs many examples per (function-scoped) test."""
    yield tmp_path_factory.mktemp("fuzz")


# pieces of YAML, to be strung together into near-YAML: tags, anchors, directives, odd scalars
TOKENS = [
    *("id: ", "title: ", "roles: ", "levels:", "\n", "  ", "- ", "[", "]", "{", "}", ", "),
    *(": ", "? ", "&a ", "*a", "&b ", "*b", "<<: ", "---\n", "...\n", "%YAML 1.1\n"),
    *("!!python/object:os.system ", "!!python/object/apply:os.system ", "!!int ", "!!float "),
    *("!!binary ", "!!timestamp ", "!!set ", "!!omap ", "!!str ", "!foo ", "%TAG !e! tag:e,1:\n"),
    *("\ufeff", "\t", "#", "'", '"', "|\n", ">-\n", "\\", "\x00", "\r\n", "\x85", "\u2028"),
    *("yes", "no", "~", "null", "2024-02-30", "12:30:00", "0x1F", "0o17", "1e400", "-.inf", ".nan"),
    *("9" * 30, "🚨", "עברית", "ab"),
]


@FUZZ
@given(st.binary(max_size=300))
@example(b"\xff\xfe\x00garbage")  # not UTF-8
@example(b"\xef\xbb\xbf" + SMALL_PLAN.encode())  # a BOM before a good plan
@example(SMALL_PLAN.encode() + b"\n---\nid: second\n")  # two documents
@example(b"\x00\x01\x02")
def test_any_bytes_load_or_are_refused_clearly(folder: Path, content: bytes) -> None:
    load(folder, content)


@FUZZ
@given(st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=4)), max_size=40))
@example(["id: ", "a", "\n", "id: ", "b"])  # duplicate keys
@example(["? ", "[", "a", "]", ": ", "b", "\n", "1: ", "x"])  # non-string keys
@example(["---\n", "~"])  # a null document
def test_any_yaml_ish_text_loads_or_is_refused_clearly(folder: Path, pieces: list[str]) -> None:
    load(folder, "".join(pieces))


@fuzz(100)
@given(
    st.integers(0, len(SMALL_PLAN)),
    st.integers(0, 12),
    st.one_of(st.sampled_from(TOKENS), st.text(max_size=6)),
)
def test_a_damaged_plan_loads_or_is_refused_clearly(
    folder: Path, at: int, cut: int, piece: str
) -> None:
    load(folder, SMALL_PLAN[:at] + piece + SMALL_PLAN[at + cut :])


@fuzz(40)
@given(plans())
def test_a_valid_plan_loads_as_written(folder: Path, plan: dict[str, Any]) -> None:
    assert load(folder, dump(plan)) == Plan.model_validate(plan)


SETTINGS = {lang: Settings(locale=lang, _env_file=None) for lang in ("zh_CN", "en")}  # type: ignore[call-arg]


def check_plan(path: Path, lang: str) -> tuple[int, str, str]:
    """Run ``yuqing-bot check-plan PATH``: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = run(["check-plan", str(path)], SETTINGS[lang])
    return code, out.getvalue(), err.getvalue()


@fuzz(60)
@given(plans().flatmap(mutated), st.sampled_from(sorted(SETTINGS)))
def test_a_mutated_plan_loads_or_check_plan_says_what_is_wrong(
    folder: Path, document: Any, lang: str
) -> None:
    result = load(folder, dump(document))
    code, out, err = check_plan(folder / "plan.yaml", lang)
    t, path = Translator(lang), str(folder / "plan.yaml")
    if isinstance(result, Plan):
        assert (code, out, err) == (0, t("cli.check_plan.ok", file=path) + "\n", "")
    else:
        assert code == 1 and out == ""
        assert err.startswith(path)
        assert err.endswith(
            t("cli.check_plan.failed", file=path, count=len(result.problems)) + "\n"
        )
