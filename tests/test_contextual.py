"""The contextual model as shipped: its file and sidecar agree, its scores do not depend on
other messages, it is built in one place (and a missing one stops the command), its context
stays in memory, and every signal says which detector scored it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from adapters.base import Period, Scope
from bot.cli.main import main
from bot.ops.metrics import Metrics
from bot.reports.summary import compute
from bot.reports.views import summary_report
from bot.service.context_cache import AgentContext
from bot.service.scoring import BatchScorer, ScorerUnavailable, build_engine, build_scorer
from bot.store.base import Slice
from bot.store.records import SignalRecord
from coaching import contextual
from coaching.scoring import SOUNDS_FRUSTRATED
from coaching.state import ConversationState
from tests.helpers import CONV, Script

DATA = Path(contextual.__file__).parent / "data"
MIXED = [
    "Hi, can I change the delivery address on my order?",
    "This is the third time I'm writing and nobody has answered.",
    "ok thanks",
    "WHY IS THIS STILL NOT FIXED???",
    "The invoice shows the wrong VAT number.",
    "Still nothing.",
    "That worked, thank you so much!",
    "I'm going to cancel if this isn't sorted today.",
]


def test_the_sidecar_describes_the_shipped_file() -> None:
    sidecar = json.loads((DATA / contextual.SIDECAR_FILE).read_text())
    digest = hashlib.sha256((DATA / contextual.MODEL_FILE).read_bytes()).hexdigest()
    assert sidecar["sha256"] == digest
    assert 0 < sidecar["thresholds"]["frustration"] < 1
    for key in ("ids_sha256", "seed", "commit", "sources", "figures", "operating_point"):
        assert key in sidecar, key
    assert not {"airline", "epitome", "sgd"} & set(sidecar["sources"])  # evaluation only


def test_the_recipe_in_training_is_the_one_that_made_the_shipped_file() -> None:
    """Running training/loso.py again must reproduce the shipped model: a change of the
    recipe's sample sizes or seed without a new model (or the reverse) fails here."""
    from training import contextual as recipe
    from training.contextual_data import SAMPLE

    sidecar = json.loads((DATA / contextual.SIDECAR_FILE).read_text())
    assert sidecar["sample"] == SAMPLE
    assert sidecar["seed"] == recipe.SEED


def test_a_message_scores_the_same_alone_and_in_a_mixed_batch_of_64() -> None:
    engine = build_engine()
    target = "I've been waiting two days for a reply about my refund."
    script = Script()
    events = []
    for i in range(64):
        role = "agent" if i % 3 == 0 else "customer"
        text = target if i == 40 else MIXED[i % len(MIXED)] + f" (order {1000 + i})"
        events.append(script.msg(role, "sam" if role == "agent" else "cust", text, float(i)))
    batch = BatchScorer(engine, Metrics()).assess(events)
    # Its context is the conversation's last agent message (number 39), as it would be alone.
    alone = engine.detectors.frustration(target, events[39].text)
    scored = batch[40]
    assert scored is not None
    assert abs(scored.score - alone.score) <= 1e-6
    assert scored.fired == alone.fired


def test_a_frustrated_message_says_why_in_plain_words() -> None:
    scorer = build_scorer()
    result = scorer.frustration(
        "This is the third time I'm asking and still no answer, this is unacceptable!!!"
    )
    assert result.fired and result.decisive
    assert result.cues, "a heads-up always has a reason"
    assert all(" " in c.label for c in result.cues)  # words, never a feature name
    calm = scorer.frustration("Could you send me the invoice for March, please?")
    assert not calm.fired and calm.cues == ()
    assert SOUNDS_FRUSTRATED.label == "sounds frustrated"


def test_check_config_names_the_model_and_its_digest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config"]) == 0
    digest = hashlib.sha256((DATA / contextual.MODEL_FILE).read_bytes()).hexdigest()
    assert f"model: contextual ({digest[:12]})" in capsys.readouterr().out


def test_a_model_that_cannot_load_stops_the_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(contextual, "shipped_folder", lambda: tmp_path)
    contextual.load_shipped.cache_clear()
    try:
        with pytest.raises(ScorerUnavailable, match="contextual model could not be loaded"):
            build_scorer("contextual")
        rows = tmp_path / "rows.jsonl"
        rows.write_text(json.dumps({"role": "customer", "text": "hello"}) + "\n")
        assert main(["analyze", str(rows)]) == 1
        assert "contextual model could not be loaded" in capsys.readouterr().err
        assert build_scorer("lexicon").name == "lexicon"  # chosen, not fallen back to
    finally:
        contextual.load_shipped.cache_clear()


def test_the_context_is_redacted_cut_and_bounded() -> None:
    context = AgentContext(max_conversations=2)
    long = " ".join(f"word{i}" for i in range(100))
    context.note("a", long + " write to jane.doe@example.com")
    kept = context.get("a")
    assert "jane.doe@example.com" not in kept
    assert len(kept.split()) <= 40 and kept.split()[-1] != "word0"
    context.note("b", "x")
    context.note("c", "y")
    assert context.get("a") == "" and len(context) == 2  # least recently used went first


async def test_after_a_restart_the_first_message_is_read_without_context() -> None:
    engine = build_engine()
    s = Script()
    agent = s.msg("agent", "sam", "Could you tell me the order number?", 0)
    customer = s.msg("customer", "cust", "It's 4412.", 10)
    live = BatchScorer(engine, Metrics())
    with_context = live.assess([agent, customer])[1]
    restarted = BatchScorer(engine, Metrics()).assess([customer])[0]
    alone = engine.detectors.frustration(customer.text)
    assert restarted is not None and with_context is not None
    assert restarted.score == alone.score


async def test_signals_say_which_detector_scored_them() -> None:
    engine = build_engine()
    fingerprint = engine.detectors.fingerprint
    s = Script()
    result = engine.step(None, s.msg("customer", "cust", "Hello, a question", 0), 0)
    [signal] = [x for x in result.signals if x.kind.value == "frustration"]
    assert signal.detector == fingerprint and fingerprint.startswith("contextual:")
    assert result.state.detector == fingerprint
    # Scores of another detector are not compared with these: the trend starts afresh.
    lexicon = build_engine(model="lexicon")
    later = lexicon.step(result.state, s.msg("customer", "cust", "And another", 5), 5)
    assert later.state.detector == "lexicon"
    assert later.state.scores["cust"] == (later.state.scores["cust"][-1],)


def test_a_summary_says_when_the_detector_changed_in_its_period() -> None:
    def signal(n: int, detector: str) -> SignalRecord:
        return SignalRecord(f"e{n}", CONV.key, "frustration", "cust", 0.2, False, (), n, detector)

    data = Slice(signals=[signal(1, "lexicon"), signal(2, "contextual:abc")])
    figures = compute(data, 10)
    assert figures.detectors == ["lexicon", "contextual:abc"]
    report = summary_report(figures, Scope(), Period.WEEK)
    assert any("detector changed" in line for line in report.lines)
    same = compute(Slice(signals=[signal(1, "lexicon"), signal(2, "lexicon")]), 10)
    assert not any(
        "detector changed" in line for line in summary_report(same, Scope(), Period.WEEK).lines
    )


def test_state_keeps_its_detector_across_the_store() -> None:
    state = ConversationState.new(CONV).scored_by("contextual:abc")
    assert ConversationState.from_dict(state.to_dict()).detector == "contextual:abc"
