"""IncidentService: every use case over one store, one set of plans and one clock."""

from __future__ import annotations

from bot.service.decisions import Decisions
from bot.service.ticking import Ticking
from bot.service.work import Work


class IncidentService(Ticking, Decisions, Work):
    """The whole incident flow; transports call this and render the outbox it fills."""
