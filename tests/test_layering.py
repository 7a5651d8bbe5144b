"""The arrows point inward: the flow knows no messenger; a messenger knows no other.

Prometheus is known to bot/ops alone: the service tells its Meter port (bot/service/meter.py).

Nothing in the neutral packages imports a messenger's package or library, or names Telegram
outside the plan's per-messenger handles; the domain imports nothing of the service or faces.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

BOT = Path(__file__).parent.parent / "bot"
NEUTRAL = ("domain", "service", "render", "store", "drill", "export", "ops")
MESSENGERS = ("telegram", "wecom")  # packages under bot/ that are a messenger's face
LIBRARIES = ("telegram", "websockets")  # python-telegram-bot; the WeCom long connection's
# Where the neutral code may say "telegram": the plan names a handle and chats per messenger.
NAMES_ALLOWED = {
    "domain/plan.py": "the plan's per-messenger handles and chats (telegram:, wecom: …)",
}


def modules(package: str) -> list[Path]:
    """The Python files of ``bot/<package>``."""
    return sorted((BOT / package).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module a file imports (absolute names)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _under(name: str, root: str) -> bool:
    return name == root or name.startswith(root + ".")


@pytest.mark.parametrize("package", NEUTRAL)
def test_no_neutral_module_imports_a_messenger(package: str) -> None:
    forbidden = [f"bot.{m}" for m in MESSENGERS] + list(LIBRARIES)
    bad = {
        f"{path.relative_to(BOT)}: {name}"
        for path in modules(package)
        for name in imported(path)
        if any(_under(name, root) for root in forbidden)
    }
    assert not bad


@pytest.mark.parametrize("package", NEUTRAL)
def test_no_neutral_module_names_telegram(package: str) -> None:
    bad = [
        f"{path.relative_to(BOT)}:{number}: {line.strip()}"
        for path in modules(package)
        if str(path.relative_to(BOT)) not in NAMES_ALLOWED
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"telegram|\btg\b|ptb", line, re.IGNORECASE)
    ]
    assert not bad


def test_the_domain_imports_nothing_outside_it() -> None:
    bad = {
        f"{path.relative_to(BOT)}: {name}"
        for path in modules("domain")
        for name in imported(path)
        if _under(name, "bot") and not _under(name, "bot.domain")
    }
    assert not bad


def test_a_messenger_imports_no_other_messenger() -> None:
    bad = {
        f"{path.relative_to(BOT)}: {name}"
        for face in MESSENGERS
        for path in modules(face)
        for name in imported(path)
        for other in MESSENGERS
        if other != face and _under(name, f"bot.{other}")
    }
    assert not bad


def test_only_the_ops_package_imports_prometheus() -> None:
    bad = {
        f"{path.relative_to(BOT)}: {name}"
        for path in sorted(BOT.rglob("*.py"))
        if path.relative_to(BOT).parts[0] != "ops"
        for name in imported(path)
        if _under(name, "prometheus_client")
    }
    assert not bad
