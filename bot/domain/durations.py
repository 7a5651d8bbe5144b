"""Durations as plans write them: ``45s``, ``30m``, ``2h``, ``3d``, ``1h30m``."""

from __future__ import annotations

import re
from datetime import timedelta

_FULL = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
# Deadlines are reported_at + duration: a cap keeps every sum far inside datetime's range
MAX_DURATION = timedelta(days=3650)


def parse_duration(text: str) -> timedelta:
    """Parse a plan duration; raise ValueError for anything else (zero, over MAX_DURATION)."""
    cleaned = text.strip().replace(" ", "").lower()
    match = _FULL.match(cleaned)
    if not cleaned or match is None:
        raise ValueError(text)
    days, hours, minutes, seconds = (int(part) if part else 0 for part in match.groups())
    try:
        value = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:
        raise ValueError(text) from None
    if not timedelta(0) < value <= MAX_DURATION:
        raise ValueError(text)
    return value


def format_duration(value: timedelta) -> str:
    """Render a duration back in plan notation (``1h30m``)."""
    total = int(value.total_seconds())
    if total <= 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, total = divmod(total, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts)
