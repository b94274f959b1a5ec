"""`coach run` with its scoring counted and timed, for benchmarks/load.py.

    python benchmarks/coach_counted.py run --config coach.toml

Exactly ``coach run`` (bot/cli/main.py), with wrappers around what judges messages, counted
in the process's own /metrics (so the load generator reads them with the rest), each as
``coach_bench_<name>_total`` (calls) and ``coach_bench_<name>_seconds_total`` (time):

- ``frustration``: the scorer's calls on customer messages (the contextual model, or the
  lexicon); ``acknowledgement``: its calls on agent messages;
- ``model_runs``: runs of the contextual model itself (onnxruntime; a flagged message's
  explanation takes more than one);
- ``context_notes``: agent messages kept as the next customer message's context
  (redacted and cut, bot/service/context_cache.py);
- ``batches``: batches scored (``BatchScorer.assess``: all of the above; the model's on a
  worker thread, the lexicon's on the event loop).

A wrapper costs two clock reads and a lock; nothing is cached or skipped.
"""

from __future__ import annotations

import functools
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily

from bot.cli.main import main
from bot.ops.metrics import Metrics
from bot.service.context_cache import AgentContext
from bot.service.scoring import BatchScorer
from coaching.contextual import ContextualModel
from coaching.scoring import ContextualScorer, LexiconScorer

NAMES = ("frustration", "acknowledgement", "model_runs", "context_notes", "batches")


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls = dict.fromkeys(NAMES, 0)
        self.seconds = dict.fromkeys(NAMES, 0.0)

    def add(self, name: str, seconds: float) -> None:
        with self.lock:
            self.calls[name] += 1
            self.seconds[name] += seconds

    def collect(self) -> Iterator[CounterMetricFamily]:
        with self.lock:
            calls, seconds = dict(self.calls), dict(self.seconds)
        for name in NAMES:
            yield CounterMetricFamily(f"coach_bench_{name}", name, value=calls[name])
            yield CounterMetricFamily(f"coach_bench_{name}_seconds", name, value=seconds[name])


TALLY = Tally()


def counted(cls: type[Any], method: str, name: str) -> None:
    original: Callable[..., Any] = getattr(cls, method)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            TALLY.add(name, time.perf_counter() - start)

    setattr(cls, method, wrapper)


def install() -> None:
    for cls in (ContextualScorer, LexiconScorer):
        counted(cls, "frustration", "frustration")
        counted(cls, "acknowledgement", "acknowledgement")
    counted(ContextualModel, "score_prepared", "model_runs")
    counted(AgentContext, "note", "context_notes")
    counted(BatchScorer, "assess", "batches")
    registered = Metrics.__init__

    def with_tally(self: Metrics) -> None:
        registered(self)
        self.registry.register(TALLY)

    Metrics.__init__ = with_tally  # type: ignore[method-assign]


if __name__ == "__main__":
    install()
    sys.exit(main(sys.argv[1:]))
