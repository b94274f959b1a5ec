"""The one place the configured scorer is built (``[coaching] model``).

``contextual`` (the default) is the model shipped in coaching/data; ``lexicon`` the linear
models over cues. Every path that judges messages (``coach run``, replay, demo, analyze,
practice, the benchmarks) builds its engine here. If the contextual model cannot load,
this says so and the command stops: a silent fall back to the lexicon would change what
the coach flags without anyone knowing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping, Sequence
from typing import Literal

from bot.ops.logs import describe as describe_error
from bot.ops.metrics import Metrics
from bot.service.context_cache import AgentContext
from bot.store.base import Store
from coaching import confusion
from coaching.contextual import ModelUnavailable, load_shipped
from coaching.detectors import Detectors
from coaching.engine import Engine, MessageDetectors
from coaching.model import Assessment
from coaching.policy import Policy
from coaching.scoring import ContextualScorer, LexiconScorer, Scorer
from coaching.state import ConversationState
from coaching.types import Event, MessageEdited, MessagePosted, Role

log = logging.getLogger("coach.scoring")

ModelName = Literal["contextual", "lexicon"]
DEFAULT_MODEL: ModelName = "contextual"


class ScorerUnavailable(Exception):
    """The configured model cannot be used; the message says which and why."""


def build_scorer(model: str = DEFAULT_MODEL, policy: Policy | None = None) -> Scorer:
    policy = policy or Policy()
    detectors = Detectors(policy.frustration_threshold, policy.acknowledgement_threshold)
    if model == "lexicon":
        return LexiconScorer(detectors)
    if model != "contextual":
        raise ScorerUnavailable(f"[coaching] model: unknown model {model!r}")
    try:
        shipped = load_shipped()
    except ModelUnavailable as exc:
        raise ScorerUnavailable(
            f"the contextual model could not be loaded ({exc}); reinstall the package, "
            'or set [coaching] model = "lexicon"'
        ) from exc
    # The lexicon only names cues here: its own frustration threshold does not apply.
    cues_only = Detectors(None, policy.acknowledgement_threshold)
    return ContextualScorer(shipped, cues_only, policy.frustration_threshold)


def warm_up(scorer: MessageDetectors) -> None:
    """Load now, at start-up, what scoring otherwise loads on the first message: nltk and
    VADER's lexicon, the English word list, the models. On the first message it took 1.3 s
    (measured 2026-12-07), and with the lexicon scored on the event loop nothing else,
    acknowledgements included, ran meanwhile."""
    scorer.frustration("Still waiting, this is the third time I ask!", "Let me check that.")
    scorer.acknowledgement("Sorry about the wait, I understand.", "Still waiting!")


def build_engine(policy: Policy | None = None, model: str = DEFAULT_MODEL) -> Engine:
    policy = policy or Policy()
    return Engine(policy, build_scorer(model, policy))


def describe(scorer: Scorer) -> str:
    """``contextual (<first 12 of its sha256>)`` or ``lexicon``: what check-config prints."""
    name, _, digest = scorer.fingerprint.partition(":")
    return f"{name} ({digest})" if digest else name


class BatchScorer:
    """Scores a batch's messages in order, each customer message read with the agent
    message before it (``AgentContext``, in memory) when the scorer reads context. The
    model runs on a worker thread: its few milliseconds a message must not hold up the
    event loop."""

    def __init__(self, engine: Engine, metrics: Metrics) -> None:
        self.scorer = engine.detectors
        policy = engine.policy
        self.fallback = LexiconScorer(
            Detectors(policy.frustration_threshold, policy.acknowledgement_threshold)
        )
        self.metrics = metrics
        self.context = AgentContext()
        # The model's runs free the interpreter while they compute, so they are worth a
        # worker thread. The lexicon is pure Python: on a thread it would only take turns
        # with the event loop for the interpreter, and pay for the hand-offs.
        self.off_loop = not isinstance(self.scorer, LexiconScorer)
        # A scorer that reads each message alone (the lexicon) needs no agent words kept:
        # none are, and their redaction (a tenth of the lexicon's scoring time) is saved.
        self.reads_context: bool = getattr(self.scorer, "reads_context", True)
        # The model's confusion output reads the message alone: for a message read with
        # context, a second model run. It is run only where a confusion nudge can follow,
        # after an agent's instructions, which the runtime reads from the stored states
        # before the batch (``assess``'s ``instructed``).
        self.needs_instructions = (
            isinstance(self.scorer, ContextualScorer)
            and self.scorer.confusion_threshold is not None
        )

    async def score(
        self, store: Store, events: Sequence[Event], processed: Sequence[bool] = ()
    ) -> list[Assessment | None]:
        """The batch's assessments, in order (``assess``), knowing where instructions were
        given; the model runs off the event loop. ``processed``: which events were
        processed before (a platform's retries, most frequent when the bot is slowest):
        not scored again, their assessment None."""
        skip = list(processed) or [False] * len(events)
        fresh = [e for e, done in zip(events, skip, strict=True) if not done]
        states = await self._customers_states(store, fresh)
        self._forget_stale_context(states)
        instructed = self._instructed(states)
        if self.off_loop:  # the model's milliseconds must not hold up the event loop
            scored = await asyncio.to_thread(self.assess, fresh, instructed)
        else:
            scored = self.assess(fresh, instructed)
        each = iter(scored)
        return [None if done else next(each) for done in skip]

    async def _customers_states(
        self, store: Store, events: Sequence[Event]
    ) -> Mapping[str, ConversationState]:
        """The stored states of the batch's conversations with a customer message (none
        read when this scorer needs neither the context nor the instructions)."""
        if not (self.needs_instructions or self.reads_context):
            return {}
        customers = {
            e.conversation.key
            for e in events
            if isinstance(e, MessagePosted | MessageEdited) and e.role is Role.CUSTOMER
        }
        return await store.read_states(sorted(customers)) if customers else {}

    def _forget_stale_context(self, states: Mapping[str, ConversationState]) -> None:
        """An agent message kept in memory that the store has seen a later one after
        (another replica processed it) is forgotten: a stale context is worse than none."""
        for key, state in states.items():
            if state.last_agent_at is not None:
                self.context.forget_older(key, state.last_agent_at)

    def _instructed(self, states: Mapping[str, ConversationState]) -> set[str] | None:
        """The conversations whose latest agent message gave instructions, as stored: only
        there can a customer be lost in them, so only there is confusion's second model run
        worth it (None when this scorer does not need to know)."""
        if not self.needs_instructions:
            return None
        return {key for key, state in states.items() if confusion.can_follow(state)}

    def assess(
        self, events: Sequence[Event], instructed: Collection[str] | None = None
    ) -> list[Assessment | None]:
        """Each event's assessment (None: not a message the engine scores). A message the
        scorer refuses is judged by the lexicon and logged, and holds up no other.
        ``instructed``: the conversations whose latest agent message gave instructions as
        stored before the batch (None: unknown, confusion judged everywhere); one an agent
        writes in earlier in the batch counts too."""
        spoke: set[str] = set()
        assessed = []
        for event in events:
            key = event.conversation.key
            lost = instructed is None or key in instructed or key in spoke
            assessed.append(self._one(event, lost))
            if isinstance(event, MessagePosted | MessageEdited) and event.role is Role.AGENT:
                spoke.add(key)
        return assessed

    def _one(self, event: Event, lost: bool = True) -> Assessment | None:
        if not isinstance(event, MessagePosted | MessageEdited) or event.role is Role.BOT:
            return None
        key = event.conversation.key
        customer = event.role is Role.CUSTOMER
        try:
            if customer:
                return self.scorer.frustration(event.text, self.context.get(key), lost)
            return self.scorer.acknowledgement(event.text)
        except Exception as exc:
            self.metrics.errors.inc()
            log.error(
                "event %s not scored by the model (%s): judged by the lexicon",
                event.event_id,
                describe_error(exc),
            )
            scorer = self.fallback
            return (
                scorer.frustration(event.text) if customer else scorer.acknowledgement(event.text)
            )
        finally:
            if not customer and self.reads_context:
                at = event.sent_at if isinstance(event, MessagePosted) else event.edited_at
                self.context.note(key, event.text, at)
