"""The held-out tables of tests/ for any trained model folder, before it ships.

    python -m training.tables training/.loso_models/all [--confusion-threshold T]

Plays the lines of tests/fixtures/generalisation.py and tests/fixtures/confusion.py
through ``Engine.step`` exactly as the tests do (tests/test_generalisation_tables.py's
harness), with the folder's model instead of the shipped one, and prints what the tests
check: calm lines nudged, terse frustrations caught, lost customers caught, calm
follow-ups read as lost. The thresholds are the folder's sidecar's, or, for a folder that
``training/loso.py`` scored (``scores.json``), the ones its own in-fold rows choose. A
model's figures here say nothing until they are compared with the same recipe's other
seeds (docs/how-it-decides.md, "The seed").
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from coaching.contextual import SIDECAR_FILE
from coaching.detectors import Detectors
from coaching.engine import Engine
from coaching.policy import Policy
from coaching.scoring import ContextualScorer
from coaching.types import NudgeKind
from tests import test_generalisation_tables as harness
from tests.fixtures import confusion as lost
from tests.fixtures import generalisation as lines
from training import contextual, loso


def thresholds(folder: Path) -> dict[str, float]:
    scored = folder / "scores.json"
    if scored.exists():
        fold = json.loads(scored.read_text())
        if loso.AFTER_INSTRUCTIONS not in fold:
            sys.exit(
                f"{scored} was scored before confusion's rule: run python -m training.loso "
                "with this models folder once (it adds the scores without retraining)"
            )
        return dict(loso.evaluate(fold)["thresholds"])
    return {
        k: float(v)
        for k, v in json.loads((folder / SIDECAR_FILE).read_text())["thresholds"].items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.tables")
    parser.add_argument("folder", type=Path, help="a model folder (contextual.onnx and tokenizer)")
    args = parser.parse_args(argv)
    chosen = thresholds(args.folder)
    model = contextual.load(args.folder)  # a sidecar file is written only where none is
    model.sidecar = {**model.sidecar, "thresholds": chosen}  # in memory: files untouched
    policy = Policy()
    scorer = ContextualScorer(model, Detectors(None, policy.acknowledgement_threshold))
    engine = Engine(policy, scorer)
    calm = [
        harness.play(engine, i, text)
        for name in sorted(harness.CALM)
        for i, text in enumerate(harness.CALM[name])
    ]
    terse = harness.play_all(engine, lines.TERSE_FRUSTRATION)
    confused = [harness.play(engine, i, t, agent_text=a) for i, (a, t) in enumerate(lost.CONFUSED)]
    follow_ups = [
        harness.play(engine, i, t, agent_text=a) for i, (a, t) in enumerate(lost.CALM_FOLLOW_UPS)
    ]

    def count(played: list[harness.Played], kinds: frozenset[NudgeKind]) -> str:
        return f"{sum(bool(p.kinds & kinds) for p in played)} of {len(played)}"

    lost_kind = frozenset({NudgeKind.CONFUSION})
    print(
        json.dumps(
            {
                "thresholds": chosen,
                "calm_lines_nudged": count(calm, harness.FALSE_ALARMS),
                "terse_frustrations_caught": count(terse, harness.CAUGHT),
                "lost_customers_caught": count(confused, lost_kind),
                "calm_follow_ups_read_as_lost": count(follow_ups, lost_kind),
                "calm_lines_read_as_lost": count(calm, lost_kind),
            },
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
