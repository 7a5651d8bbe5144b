"""Who claims outbox messages: owner ids that name their process, to tell the living from the gone.

Every owner id a process makes carries the process's ``TOKEN`` (a random 31-bit number), which
its lease (bot.leadership) also holds while the process lives; a claim whose owner's token no
lease holds belongs to a process that is gone, and may be released.
"""

from __future__ import annotations

import os
import secrets
import socket

TOKEN = secrets.randbits(31)  # this process: in each of its owner ids and in its lease


def new_owner() -> str:
    """An owner id for outbox claims, unique to one sender: host, process, token, random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{TOKEN:08x}:{secrets.token_hex(4)}"


def token_of(owner: str) -> int | None:
    """The process token an owner id carries, or None if it carries none (an older id)."""
    parts = owner.split(":")
    if len(parts) < 4:
        return None
    try:
        return int(parts[-2], 16)
    except ValueError:
        return None
