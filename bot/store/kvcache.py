"""Whole key-value namespaces kept in memory, with what makes a read of them safe to fill.

Pure state, no I/O: a store decides when memory may answer (bot/store/pgkv.py). Values are
kept as their stored JSON text, so a caller that changes what it got changes nothing here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field


@dataclass
class KvCache:
    """The kept namespaces' texts by key; ``generation`` counts every forgetting."""

    kept: frozenset[str] = frozenset()
    generation: int = 0
    _texts: dict[str, dict[str, str]] = field(default_factory=dict)

    def keep(self, namespaces: Collection[str]) -> None:
        """Keep these namespaces (and forget any other)."""
        self.kept = frozenset(namespaces)
        self.forget_all()

    def get(self, namespace: str) -> Mapping[str, str] | None:
        """The namespace's texts by key, if they are in memory."""
        return self._texts.get(namespace)

    def fill(self, namespace: str, texts: Mapping[str, str], generation: int) -> None:
        """Keep what was read of a namespace, unless anything was forgotten since the read
        began (``generation`` taken before it): the read may predate that change."""
        if generation == self.generation and namespace in self.kept:
            self._texts[namespace] = dict(texts)

    def drop(self, namespaces: Iterable[str]) -> None:
        """Forget these namespaces: they changed (those not kept change nothing here)."""
        changed = self.kept.intersection(namespaces)
        if changed:
            self.generation += 1
            for namespace in changed:
                self._texts.pop(namespace, None)

    def forget_all(self) -> None:
        """Forget every namespace: changes may have gone unheard."""
        self.generation += 1
        self._texts.clear()
