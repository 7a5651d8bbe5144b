"""Prometheus metrics of one running bot: a Meter (bot.service.meter) on its own registry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.store import Store

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# reminder lateness in seconds: a good run is well under a second, a bad one minutes
LATENESS_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


class PromMeter:
    """The bot's counters, gauges and histogram; the outbox gauges are read at each scrape."""

    def __init__(self, transports: Sequence[str]) -> None:
        self.transports = list(transports)
        self.registry = registry = CollectorRegistry()
        by = ["transport"]
        self.updates = Counter(
            "yuqing_updates", "Updates taken in (redeliveries not counted)", by, registry=registry
        )
        self.messages = Counter(
            "yuqing_messages_sent", "Outbox messages delivered", [*by, "kind"], registry=registry
        )
        self.retries = Counter(
            "yuqing_send_retries",
            "Deliveries put off to be tried again, by reason (flood, timeout, unreachable)",
            [*by, "reason"],
            registry=registry,
        )
        self.too_many = Counter(
            "yuqing_rate_limited", "429 answers from the messenger", by, registry=registry
        )
        self.lateness = Histogram(
            "yuqing_reminder_lateness_seconds",
            "Seconds from a reminder's own time to its delivery",
            by,
            buckets=LATENESS_BUCKETS,
            registry=registry,
        )
        self.depth = Gauge("yuqing_outbox_depth", "Messages owed", by, registry=registry)
        self.oldest = Gauge(
            "yuqing_outbox_oldest_age_seconds",
            "Age of the oldest message owed (0 when none)",
            by,
            registry=registry,
        )
        self.leader = Gauge(
            "yuqing_clock_leader", "1 while this process runs the clock", registry=registry
        )
        for name in self.transports:  # every series shows from the start, at 0
            self.updates.labels(name)
            self.too_many.labels(name)
            self.lateness.labels(name)

    def update(self, transport: str) -> None:
        """Count an update taken in."""
        self.updates.labels(transport).inc()

    def sent(self, transport: str, kind: str, lateness: float | None) -> None:
        """Count a delivered message; observe a reminder's lateness."""
        self.messages.labels(transport, kind).inc()
        if lateness is not None:
            self.lateness.labels(transport).observe(lateness)

    def retry(self, transport: str, reason: str) -> None:
        """Count a delivery put off."""
        self.retries.labels(transport, reason).inc()

    def rate_limited(self, transport: str) -> None:
        """Count a 429 answer."""
        self.too_many.labels(transport).inc()

    async def refresh(self, store: Store, now: datetime, leader: bool) -> None:
        """Read the outbox depth and oldest age of each transport (StoreError if unreadable)."""
        self.leader.set(1 if leader else 0)
        for name in self.transports:
            depth, oldest = await store.backlog(name)
            self.depth.labels(name).set(depth)
            age = (now - oldest).total_seconds() if oldest is not None else 0.0
            self.oldest.labels(name).set(max(age, 0.0))

    def exposition(self) -> bytes:
        """The metrics in Prometheus's text format."""
        return generate_latest(self.registry)
