"""Numbers into the table: percentiles, ratios, verdicts, and the machine they came from."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0 < q <= 100) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def ms(seconds: float) -> str:
    """Seconds shown as milliseconds."""
    return f"{seconds * 1000:.1f} ms"


def spread(values: Sequence[float]) -> str:
    """p50 / p99 / max in milliseconds."""
    p50, p99 = percentile(values, 50), percentile(values, 99)
    return f"{p50 * 1000:.0f} / {p99 * 1000:.0f} / {max(values) * 1000:.0f} ms"


@dataclass(frozen=True)
class Row:
    """One line of the table; ``met`` is None where there is no target."""

    measure: str
    bot: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None


def verdict(met: bool | None) -> str:
    """How a row stands against its target."""
    return "" if met is None else ("yes" if met else "**no**")


def table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table."""
    lines = [
        "| measure | yuqing-bot | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.measure} | {r.bot} | {r.baseline} | {r.ratio} | {r.target} | {verdict(r.met)} |"
        )
    return "\n".join(lines)


def machine() -> str:
    """The machine and software the numbers came from, in one line."""
    import telegram

    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
        f"python-telegram-bot {telegram.__version__}, {platform.system()} {platform.release()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load}"
    )
