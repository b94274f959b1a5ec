"""How often an acknowledgement follow-up is right, on real customer care: the IBM threads
replayed through the bot, each follow-up checked against the team's IBM labels.

    python -m benchmarks.followups [--eval-dir ../shared/eval] [--model-dir training/.loso_models/ibm]

A follow-up says "your reply to a frustrated customer did not acknowledge their feelings".
It is right when a customer message the agent was answering (since the agent's previous
reply) is labelled frustrated *and* the reply is labelled not acknowledging
(training/labels/ibm_*.jsonl). Follow-ups where either has no label are counted apart.
Heads-ups too (a frustration heads-up or an escalation warning): right when the customer
message that set it off is labelled frustrated. Each precision with its 95% interval
(Wilson, bot/reports/shares.py).
Scored by today's lexicon and by the contextual model trained with IBM left out (the LOSO
fold, training/loso.py: ``--model-dir`` and its threshold from training/loso_report.json),
so the IBM rows never trained the model judged here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

from adapters.console.adapter import to_event
from adapters.console.transcript import Turn, in_order, load
from bot.reports.shares import Share
from bot.service.replay import Replayer
from bot.service.scoring import build_engine
from coaching.contextual import ContextualModel
from coaching.detectors import Detectors
from coaching.engine import Engine
from coaching.policy import Policy
from coaching.scoring import ContextualScorer
from coaching.types import Nudge, NudgeKind
from training import datasets

LABELS = Path(__file__).resolve().parent.parent / "training" / "labels"
HEADS_UPS = (NudgeKind.FRUSTRATION, NudgeKind.ESCALATION)


@dataclass
class Precision:
    follow_ups: int = 0
    labelled: int = 0
    right: int = 0
    heads_ups: int = 0
    heads_ups_labelled: int = 0
    heads_ups_right: int = 0

    def line(self, name: str) -> str:
        return (
            f"{name:<28} follow-ups {self.follow_ups:>4}  labelled {self.labelled:>4}  "
            f"right {self.right:>4}  precision {_share(self.right, self.labelled)}\n"
            f"{'':<28} heads-ups {self.heads_ups:>5}  labelled {self.heads_ups_labelled:>4}  "
            f"right {self.heads_ups_right:>4}  precision "
            f"{_share(self.heads_ups_right, self.heads_ups_labelled)}"
        )


def _share(right: int, labelled: int) -> str:
    if not labelled:
        return "n/a"
    low, high = Share(right, labelled).wilson()
    return f"{right / labelled:.1%} (95% CI {low:.1%}-{high:.1%})"


def _labels(name: str) -> dict[str, int]:
    rows = [json.loads(x) for x in (LABELS / name).read_text().splitlines() if x.strip()]
    return {str(r["id"]): int(r["label"]) for r in rows}


def replay(turns: list[Turn], engine: Engine) -> list[Nudge]:
    nudges: list[Nudge] = []
    replayer = Replayer(Policy(), lambda t, s: None, nudges.append, engine=engine)
    asyncio.run(replayer.run(turns, "ibm"))
    return nudges


def precision(turns: list[Turn], nudges: list[Nudge], eval_dir: Path) -> Precision:
    ids = {(role, text): tid for tid, (role, text) in datasets._ibm_turns(eval_dir).items()}
    frustrated = _labels("ibm_frustration.jsonl")
    acknowledges = _labels("ibm_acknowledgement.jsonl")
    by_event = {to_event(t, i, "ibm").event_id: i for i, t in enumerate(turns)}
    out = Precision()
    for nudge in nudges:
        if nudge.kind in HEADS_UPS:
            out.heads_ups += 1
            index = by_event.get(nudge.trigger_event)
            label = (
                None
                if index is None
                else frustrated.get(ids.get(("customer", turns[index].text), ""))
            )
            if label is not None:
                out.heads_ups_labelled += 1
                out.heads_ups_right += label
            continue
        if nudge.kind is not NudgeKind.ACKNOWLEDGE:
            continue
        out.follow_ups += 1
        index = by_event.get(nudge.trigger_event)
        if index is None:
            continue
        reply = turns[index]
        answered = []  # the customer's messages since the agent's previous reply
        for earlier in reversed(turns[:index]):
            if earlier.conversation != reply.conversation:
                continue
            if earlier.role == "agent":
                break
            answered.append(ids.get(("customer", earlier.text)))
        felt = [frustrated[i] for i in answered if i in frustrated]
        ack = acknowledges.get(ids.get(("agent", reply.text), ""))
        if not felt or ack is None:
            continue
        out.labelled += 1
        out.right += int(max(felt) == 1 and ack == 0)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.followups")
    parser.add_argument("--eval-dir", type=Path, default=datasets.DEFAULT_EVAL)
    parser.add_argument("--model-dir", type=Path, default=Path("training/.loso_models/ibm"))
    parser.add_argument("--report", type=Path, default=Path("training/loso_report.json"))
    args = parser.parse_args(argv)
    turns: list[Turn] = []
    for name in ("dev.json", "test.json"):
        transcript = load(args.eval_dir / "transcripts" / "ibm_customer_care" / name)
        turns += in_order(transcript.turns)[0]
    print(f"IBM threads replayed: {len({t.conversation for t in turns})}, turns {len(turns)}")
    lexicon = build_engine(Policy(), "lexicon")
    print(precision(turns, replay(turns, lexicon), args.eval_dir).line("lexicon (today)"))
    folds = json.loads(args.report.read_text())["folds"]
    [fold] = [f for f in folds if f["left_out"] == "ibm"]
    threshold = fold["thresholds"]["frustration"]
    scorer = ContextualScorer(ContextualModel(args.model_dir), Detectors(), threshold)
    contextual = Engine(Policy(), scorer)
    name = f"contextual, IBM left out (t={threshold})"
    print(precision(turns, replay(turns, contextual), args.eval_dir).line(name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
