"""Send now: the messages a use case just committed go out right after its commit.

The delivery engine would send them too — after the clock's tick, its own claim (a write) and
its wake-up. Instead, while a face runs a use case inside ``claiming()``, every message the
use case owes a chat of a running engine is written *claimed by that engine* (one transaction:
the change, its messages and their claim), and the face hands the new ids to ``deliver()``,
which has the engine send them at once (bot/service/directsend.py) when nothing is on its
way to their chat, nothing older waits there and the flood limits let them go — drawn from
the incidents as the use case committed them (bot/store/exact.py), not read back. Otherwise
the engine sends them itself, as its own claimed messages, on its next pass: no other sender
ever takes them, and the chat's turn keeps the engine from sending them twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.domain.incident import Incident
from bot.service.membership import transport_of
from bot.store import exact

if TYPE_CHECKING:  # the engine imports the outbox, which writes through this module
    from bot.service.delivery import Delivery


@dataclass
class Claiming:
    """The engines' owner ids by transport, and the messages written claimed for them."""

    owners: Mapping[str, str]
    ids: dict[str, list[int]] = field(default_factory=dict)  # by chat
    incidents: dict[int, Incident] = field(default_factory=dict)  # as committed, by id

    def owner(self, chat: str) -> str | None:
        """The owner to claim a message to ``chat`` for (None: its engine is not here)."""
        return self.owners.get(transport_of(chat))

    def written(self, chat: str, item_id: int) -> None:
        """A message to ``chat`` was written claimed (its transaction may still roll back)."""
        self.ids.setdefault(chat, []).append(item_id)


_CLAIMING: ContextVar[Claiming | None] = ContextVar("claiming", default=None)


def current() -> Claiming | None:
    """The claiming in force for the work under way, if any."""
    return _CLAIMING.get()


@contextmanager
def claiming(deliveries: Mapping[str, Delivery]) -> Iterator[Claiming]:
    """Within: messages to the engines' chats are written claimed for them."""
    with exact.collecting() as committed:
        owners = {name: delivery.owner for name, delivery in deliveries.items()}
        found = Claiming(owners, incidents=committed)
        token = _CLAIMING.set(found)
        try:
            yield found
        finally:
            _CLAIMING.reset(token)


async def deliver(deliveries: Mapping[str, Delivery], claimed: Claiming) -> None:
    """Have each engine send the messages written claimed for it (see Delivery.send_now)."""
    for chat, ids in claimed.ids.items():
        delivery = deliveries.get(transport_of(chat))
        if delivery is not None:
            await delivery.send_now(chat, ids, claimed.incidents)
