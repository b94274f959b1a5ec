"""Early warning: how well "at risk at open" predicts frustration later in the conversation.

Measured on every transcript set whose customers return (the same ``author`` in more than
one conversation of a file: ``coach replay`` treats them as one customer), from the replay
benchmarks/transcripts.py runs with the default policy:
- *at risk at open*: the conversation's first customer was at risk when they first wrote
  (the engine kept their history: ``ConversationState.returning``), before a word of
  theirs in this conversation was read;
- *returning at open*: the same customer had any earlier conversation in the look-back
  (``history_days``): a weaker predictor, shown for comparison;
- *frustrated later*: a later message of that customer in the conversation was judged
  frustrated. Its share over all conversations is the base rate a warning must beat.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from adapters.console.adapter import conversation_ref
from adapters.console.transcript import Turn
from coaching.state import ConversationState

DAY = 86_400.0


@dataclass
class Prediction:
    flagged: int = 0
    hits: int = 0  # flagged and frustrated later

    def precision(self) -> float:
        return self.hits / self.flagged if self.flagged else float("nan")


@dataclass
class EarlyWarning:
    name: str
    returning_customers: int = 0  # authors with more than one conversation in the file
    conversations: int = 0  # with a customer
    wrote_again: int = 0  # the first customer wrote again: "later" could happen
    frustrated_later: int = 0
    at_risk: Prediction | None = None
    returning: Prediction | None = None

    def base_rate(self) -> float:
        return self.frustrated_later / self.conversations if self.conversations else float("nan")


def returning_customers(turns: list[Turn]) -> int:
    seen: defaultdict[str, set[str]] = defaultdict(set)
    for turn in turns:
        if turn.role == "customer":
            seen[turn.author].add(turn.conversation)
    return sum(1 for conversations in seen.values() if len(conversations) > 1)


def measure(
    name: str,
    turns: list[Turn],
    verdicts: Mapping[str, list[tuple[str, bool]]],
    states: Mapping[str, ConversationState],
    source: str,
    history_days: float = 30.0,
) -> EarlyWarning:
    """``verdicts``: per conversation, its customer turns in order (author, judged
    frustrated); ``states``: the replay's final states by conversation key."""
    out = EarlyWarning(name, returning_customers(turns))
    out.at_risk, out.returning = Prediction(), Prediction()
    started: dict[tuple[str, str], float] = {}  # (author, conversation) -> first message
    for turn in turns:
        if turn.role == "customer":
            started.setdefault((turn.author, turn.conversation), turn.ts)
    opened_by: defaultdict[str, list[float]] = defaultdict(list)
    for (author, _), at in started.items():
        opened_by[author].append(at)
    for conversation, judged in verdicts.items():
        if not judged:
            continue
        opener = judged[0][0]
        later = [frustrated for author, frustrated in judged[1:] if author == opener]
        frustrated_later = any(later)
        out.conversations += 1
        out.wrote_again += bool(later)
        out.frustrated_later += frustrated_later
        state = states.get(conversation_ref(conversation, source).key)
        if state is not None and opener in state.returning:
            out.at_risk.flagged += 1
            out.at_risk.hits += frustrated_later
        opened = started[(opener, conversation)]
        if any(opened - history_days * DAY <= at < opened for at in opened_by[opener]):
            out.returning.flagged += 1
            out.returning.hits += frustrated_later
    return out


def _pct(x: float) -> str:
    return "-" if x != x else f"{100 * x:.1f}%"


def report(results: list[EarlyWarning]) -> None:
    found = [r for r in results if r.returning_customers]
    if not found:
        print("early warning: no transcript set has returning customers")
        return
    print('early warning: "at risk at open" (default rule) -> frustrated later in the same')
    print("conversation, next to the base rate (and plain 'returning at open' for comparison):")
    head = (
        f"{'transcripts':<34} {'returning':>9} {'convs':>6} {'again':>6} {'later':>6} "
        f"{'base':>6}   {'at risk':>7} {'hits':>5} {'prec.':>6}   {'return':>6} {'hits':>5} "
        f"{'prec.':>6}"
    )
    print(head)
    print("-" * len(head))
    for r in found:
        risk = r.at_risk or Prediction()
        back = r.returning or Prediction()
        print(
            f"{r.name:<34} {r.returning_customers:>9} {r.conversations:>6} {r.wrote_again:>6} "
            f"{r.frustrated_later:>6} {_pct(r.base_rate()):>6}   {risk.flagged:>7} "
            f"{risk.hits:>5} {_pct(risk.precision()):>6}   {back.flagged:>6} {back.hits:>5} "
            f"{_pct(back.precision()):>6}"
        )
    print(
        "(returning: authors with more than one conversation in the file; again: the first "
        "customer wrote again, so 'later' could happen; later: they were judged frustrated "
        "then; base = later / convs; prec. = hits / flagged)"
    )
