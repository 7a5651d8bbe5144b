"""How far the clock's first look at a transport's live incidents has come since the start.

The plans may have been edited while the bot was stopped: every live incident is looked at
once after a start (its drift told, its wake-up worked out again). That look walks the
incidents a page per tick, by id, between the clock's normal work, so a start does not wait
for it and no tick holds every incident in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PAGE = 200  # live incidents looked at per tick until the first look is done


@dataclass
class FirstLook:
    """The walk's position: ids up to ``after`` were looked at; ``early`` ones beyond it too."""

    after: int = 0
    done: bool = False
    early: set[int] = field(default_factory=set)  # due before the walk reached them

    def pending(self, incident_id: int) -> bool:
        """Whether the incident still needs its first look."""
        return not self.done and incident_id > self.after and incident_id not in self.early

    def advanced(self, last: int | None, full: bool) -> None:
        """A page was looked at: ``last`` is its highest id; ``full``: more may follow."""
        if last is not None:
            self.after = last
        self.early = {key for key in self.early if key > self.after}
        self.done = not full
