"""Operator metrics in Prometheus format (served at GET /metrics).

Each runtime owns its registry (no process-global state), so tests and several runtimes
in one process never mix their counts.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.events = Counter(
            "coach_events_total", "Events processed", ["platform", "kind"], registry=r
        )
        self.duplicates = Counter(
            "coach_duplicate_events_total", "Redelivered events ignored", registry=r
        )
        self.accepted = Counter(
            "coach_events_accepted_total",
            "Events stored in the inbox and acknowledged",
            ["platform"],
            registry=r,
        )
        self.refused = Counter(
            "coach_events_refused_total",
            "Events not acknowledged (the platform retries): backlog, store, stopping",
            ["reason"],
            registry=r,
        )
        self.dead_lettered = Counter(
            "coach_events_dead_lettered_total",
            "Events set aside without their text: they failed alone while the store answered",
            ["stage"],  # intake (storing) or processing
            registry=r,
        )
        self.errors = Counter(
            "coach_event_errors_total", "Events that failed to process", registry=r
        )
        self.queue_depth = Gauge(
            "coach_queue_depth", "Events waiting in the inbox to be processed", registry=r
        )
        self.nudges = Counter("coach_nudges_total", "Nudges created", ["kind"], registry=r)
        self.updates = Counter(
            "coach_updates_total", "Updates posted to customers", ["kind", "outcome"], registry=r
        )
        self.delivered = Counter(
            "coach_nudges_delivered_total", "Nudges delivered", ["route"], registry=r
        )
        self.delivery_failures = Counter(
            "coach_delivery_failures_total", "Failed nudge deliveries", ["reason"], registry=r
        )
        self.latency = Histogram(
            "coach_event_to_nudge_seconds",
            "From event received to nudge delivery call made",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=r,
        )
        self.batch_size = Histogram(
            "coach_batch_events",
            "Events processed together in one store transaction",
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
            registry=r,
        )
        self.commands = Counter(
            "coach_commands_total", "Slash commands", ["name", "allowed"], registry=r
        )

    def dead_lettered_count(self) -> int:
        """Events this process has set aside since it started (``/healthz``)."""
        return int(
            sum(
                s.value
                for m in self.dead_lettered.collect()
                for s in m.samples
                if s.name.endswith("_total")
            )
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
