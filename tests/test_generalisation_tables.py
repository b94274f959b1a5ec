"""Held-out lines through the live path: does the shipped contextual model generalise?

Each customer line (tests/fixtures/generalisation.py, written for this test and never
trained on) is played as the runtime plays it: an agent's turn, the customer's line, a
plain agent reply that does not acknowledge feelings, then a tick every minute for 20
minutes. Every message is scored as bot/service/scoring.py's ``BatchScorer`` does it (the customer
read with the agent message before it, kept in an ``AgentContext``) and the assessment
handed to ``Engine.step``.

- Four classes of calm lines that a word list misreads (how old a problem is, praise that
  looks like sarcasm, "several times" about anything but support, opinions about a thing)
  must get no heads-up, escalation warning or acknowledgement follow-up.
- Terse frustration with no cue word ("Scroll up.") must get a heads-up or an escalation
  warning at least 80% of the time.
- Plainly frustrated lines (positive controls) must get a heads-up and, after the plain
  reply, the follow-up: proof the harness can see nudges at all.
A last test checks by hash that no line here is a training row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.service.context_cache import AgentContext
from bot.service.scoring import build_engine
from coaching.engine import Engine
from coaching.model import Assessment
from coaching.policy import Policy
from coaching.state import ConversationState
from coaching.types import Event, MessagePosted, NudgeKind, Role, Tick
from tests.fixtures import generalisation as lines
from tests.helpers import CONV, Script

ROOT = Path(__file__).resolve().parents[1]
EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"

T0 = 1_790_000_000.0  # any fixed time: the engine never reads a clock
TICK_MINUTES = 20
# What a calm line must never earn. Waiting reminders are left out on purpose: a calm
# question is owed an answer, and a reminder that it is still owed is legitimate.
FALSE_ALARMS = frozenset({NudgeKind.FRUSTRATION, NudgeKind.ESCALATION, NudgeKind.ACKNOWLEDGE})
CAUGHT = frozenset({NudgeKind.FRUSTRATION, NudgeKind.ESCALATION})
MIN_TERSE_RECALL = 0.8

CALM = {
    "problem_age": lines.PROBLEM_AGE,
    "praise_not_sarcasm": lines.PRAISE_NOT_SARCASM,
    "many_times_not_support": lines.MANY_TIMES_NOT_SUPPORT,
    "opinion_of_a_thing": lines.OPINION_OF_A_THING,
}


@dataclass(frozen=True)
class Played:
    """One line's run: its score and the nudge kinds of each stage."""

    text: str
    score: float
    on_customer: tuple[NudgeKind, ...]  # when the customer's line arrived
    on_reply: tuple[NudgeKind, ...]  # when the plain reply arrived
    on_ticks: tuple[NudgeKind, ...]  # the 20 minutes after it

    @property
    def kinds(self) -> frozenset[NudgeKind]:
        return frozenset(self.on_customer + self.on_reply + self.on_ticks)

    def describe(self) -> str:
        fired = ",".join(sorted(k.value for k in self.kinds)) or "-"
        return f"  {self.score:.3f} [{fired}] {self.text!r}"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return build_engine(Policy(), "contextual")


def play(engine: Engine, index: int, customer_text: str, agent_text: str = "") -> Played:
    """The line at ``index`` of its class after an agent's turn (``agent_text``, or the
    class's in rotation), as live (see module doc)."""
    agent_text = agent_text or lines.AGENT_TURNS[index % len(lines.AGENT_TURNS)]
    reply_text = lines.PLAIN_REPLIES[index % len(lines.PLAIN_REPLIES)]
    script = Script()
    context = AgentContext()
    key = CONV.key
    state: ConversationState | None = None
    score = float("nan")

    def step(event: Event) -> tuple[NudgeKind, ...]:
        nonlocal state, score
        assessment: Assessment | None = None
        if isinstance(event, MessagePosted):
            if event.role is Role.CUSTOMER:
                assessment = engine.detectors.frustration(event.text, context.get(key))
                score = assessment.score
            else:
                assessment = engine.detectors.acknowledgement(event.text)
                context.note(key, event.text)  # after scoring, as BatchScorer does
            now = event.sent_at
        else:
            assert isinstance(event, Tick)
            now = event.now
        result = engine.step(state, event, now, assessment)
        state = result.state
        return tuple(n.kind for n in result.nudges)

    step(script.msg("agent", "agent-1", agent_text, T0))
    on_customer = step(script.msg("customer", "customer-1", customer_text, T0 + 60))
    reply = script.msg("agent", "agent-1", reply_text, T0 + 120)
    assert not engine.detectors.acknowledgement(reply_text).fired, reply_text
    on_reply = step(reply)
    on_ticks: tuple[NudgeKind, ...] = ()
    for minute in range(1, TICK_MINUTES + 1):
        on_ticks += step(Tick(CONV, T0 + 120 + 60 * minute))
    return Played(customer_text, score, on_customer, on_reply, on_ticks)


def play_all(engine: Engine, texts: list[str]) -> list[Played]:
    return [play(engine, i, text) for i, text in enumerate(texts)]


# Issue 18's targets (no calm line nudges; 80% of terse ones do) are not all met by the
# shipped model (sha 835c7f74e42c): 4 of 96 calm lines (none of the problem-age or praise
# lines; 1 "several times" and 3 opinions of a thing) and 10 of 28 terse ones (see
# training/loso_report.json and docs/how-it-decides.md); the models before it, a3eddb692ecc
# and f6697a913ad6, 5 and 6 of 96, 11 and 11 of 28. Strict: when a model meets a target,
# its test passes and the mark must go.
NOT_YET = pytest.mark.xfail(strict=True, reason="issue 18 target not met by the shipped model")
MET = frozenset({"problem_age", "praise_not_sarcasm"})  # classes the shipped model gets right
# What the shipped model does today, as a floor: a change of detection must not do worse.
# onnxruntime's int8 kernels differ by CPU (VNNI or not) and move a score by ~0.01, and a
# line or two sit that close to the threshold: the floor allows one line each way
# (5 of 96 calm, 9 of 28 terse).
MAX_CALM_SHARE = 0.055
MIN_TERSE_SHARE = 0.32


def test_the_model_does_no_worse_than_when_it_shipped(engine: Engine) -> None:
    calm = [p for name in sorted(CALM) for p in play_all(engine, CALM[name])]
    noisy = [p for p in calm if p.kinds & FALSE_ALARMS]
    terse = play_all(engine, lines.TERSE_FRUSTRATION)
    caught = [p for p in terse if p.kinds & CAUGHT]
    assert len(noisy) <= MAX_CALM_SHARE * len(calm), "\n".join(p.describe() for p in noisy)
    assert len(caught) >= MIN_TERSE_SHARE * len(terse), f"{len(caught)}/{len(terse)}"


@pytest.mark.parametrize(
    "name", [name if name in MET else pytest.param(name, marks=NOT_YET) for name in sorted(CALM)]
)
def test_calm_lines_get_no_heads_up_escalation_or_follow_up(engine: Engine, name: str) -> None:
    played = play_all(engine, CALM[name])
    fired = [p for p in played if p.kinds & FALSE_ALARMS]
    assert not fired, (
        f"calm class {name}: {len(fired)}/{len(played)} lines got a heads-up, escalation "
        "or follow-up:\n" + "\n".join(p.describe() for p in fired)
    )


@NOT_YET
def test_terse_frustration_gets_a_heads_up_or_escalation_warning(engine: Engine) -> None:
    played = play_all(engine, lines.TERSE_FRUSTRATION)
    caught = [p for p in played if p.kinds & CAUGHT]
    missed = [p for p in played if not p.kinds & CAUGHT]
    assert len(caught) >= MIN_TERSE_RECALL * len(played), (
        f"terse frustration: {len(caught)}/{len(played)} caught, "
        f"{MIN_TERSE_RECALL:.0%} needed; missed:\n" + "\n".join(p.describe() for p in missed)
    )


@pytest.mark.parametrize("index", range(len(lines.PLAINLY_FRUSTRATED)))
def test_plainly_frustrated_line_gets_a_heads_up_then_a_follow_up(
    engine: Engine, index: int
) -> None:
    played = play(engine, index, lines.PLAINLY_FRUSTRATED[index])
    assert NudgeKind.FRUSTRATION in played.on_customer, played.describe()
    assert NudgeKind.ACKNOWLEDGE in played.on_reply + played.on_ticks, played.describe()


@pytest.mark.parametrize("index", range(len(lines.PLAINLY_FRUSTRATED)))
def test_the_harness_sees_both_nudges_whatever_the_model(index: int) -> None:
    """The same mechanics with the lexicon, so a harness fault is told from a model's."""
    played = play(build_engine(Policy(), "lexicon"), index, lines.PLAINLY_FRUSTRATED[index])
    assert played.on_customer == (NudgeKind.FRUSTRATION,), played.describe()
    assert played.on_reply == (NudgeKind.ACKNOWLEDGE,), played.describe()


# --- held out: no line is a training row ---------------------------------------------


def test_each_class_has_enough_distinct_lines() -> None:
    classes = {**CALM, "terse_frustration": lines.TERSE_FRUSTRATION}
    counts = {name: len(set(texts)) for name, texts in classes.items()}
    assert all(n >= 22 for n in counts.values()), counts
    assert len(_ours()) == sum(len(t) for t in classes.values()) + len(lines.PLAINLY_FRUSTRATED)


def _digest(text: str) -> str:
    return hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest()


def _ours() -> dict[str, str]:
    texts = [
        *lines.PROBLEM_AGE,
        *lines.PRAISE_NOT_SARCASM,
        *lines.MANY_TIMES_NOT_SUPPORT,
        *lines.OPINION_OF_A_THING,
        *lines.TERSE_FRUSTRATION,
        *lines.PLAINLY_FRUSTRATED,
    ]
    return {_digest(t): t for t in texts}


def _clashes(ours: dict[str, str], trained: set[str]) -> list[str]:
    return sorted(text for digest, text in ours.items() if digest in trained)


def _clashes_with_repo_rows(ours: dict[str, str]) -> list[str]:
    """Our lines (digest -> text) that are a text or context of training/data's rows."""
    files = sorted((ROOT / "training" / "data").glob("*.jsonl"))
    assert files, "no training/data/*.jsonl found"
    trained: set[str] = set()
    for path in files:
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                trained |= {_digest(row[f]) for f in ("text", "context") if row.get(f)}
    return _clashes(ours, trained)


def _clashes_with_shared_sources(ours: dict[str, str]) -> list[str]:
    """The same against the training pool read from ../shared/eval (skips without it)."""
    if not EVAL_DIR.is_dir():
        pytest.skip(f"evaluation data not found at {EVAL_DIR} (../shared/eval, outside the repo)")
    from training.contextual_data import training_pool

    pool = training_pool(EVAL_DIR)
    trained: set[str] = set()
    for source, rows in pool.items():
        assert rows, f"training source {source} has no rows"
        trained |= {_digest(t) for r in rows for t in (r.text, r.context) if t}
    return _clashes(ours, trained)


def test_no_line_is_one_of_the_repos_training_rows() -> None:
    clashes = _clashes_with_repo_rows(_ours())
    assert not clashes, f"{len(clashes)} lines are rows of training/data: {clashes}"


@pytest.mark.evaldata
def test_no_line_is_a_training_row_of_the_shared_sources() -> None:
    clashes = _clashes_with_shared_sources(_ours())
    assert not clashes, f"{len(clashes)} lines are training rows: {clashes}"
