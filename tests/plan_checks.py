"""What a refusal must look like: the one plan error, naming the file, a line, a known message."""

from __future__ import annotations

from pathlib import Path

from support import SMALL_PLAN

from bot.domain.errors import PlanError
from bot.domain.plan import Plan
from bot.i18n import catalog
from bot.planfile import load_plan


def load(folder: Path, content: str | bytes) -> Plan | PlanError:
    """Load ``content`` as a plan file; a PlanError is checked for clarity, then returned."""
    path = folder / "plan.yaml"
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    try:
        return load_plan(path)
    except PlanError as exc:
        # ruamel also breaks lines at \r, \x85, \u2028 …: splitlines() counts those and more
        assert_clear(exc, path, len(content.decode("utf-8", "replace").splitlines()) + 1)
        return exc


def assert_clear(exc: PlanError, path: Path, lines: int) -> None:
    """The error names the file, each problem a line inside it (or none) and a known message."""
    assert exc.params["file"] == str(path)
    keys = [problem.key for problem in exc.problems] or [exc.key]
    for lang in ("zh_CN", "en"):
        assert all(catalog(lang).get(key) for key in keys), keys
    for problem in exc.problems:
        assert problem.file == str(path)
        assert problem.line is None or 1 <= problem.line <= lines, problem
        assert problem.field


def keys_of(result: Plan | PlanError) -> list[str]:
    """The message keys of a refusal (empty when the plan loaded)."""
    if isinstance(result, Plan):
        return []
    return [problem.key for problem in result.problems] or [result.key]


def small(old: str, new: str) -> str:
    """The small test plan with one edit."""
    assert old in SMALL_PLAN
    return SMALL_PLAN.replace(old, new, 1)
