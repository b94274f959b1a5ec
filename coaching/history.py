"""Customer history: who is coming back, and how it went last time.

The engine cannot read the store. The runtime looks up a customer's earlier conversations
(those they opened, not those they only joined) when a conversation first hears from them
(``wants``) and hands them over on that message (``MessagePosted.history``: when each
started, whether the customer was frustrated in it, whether it ended unresolved, its main
cues; never text). From there, in this conversation:

- at risk (``at_risk``, the configured ``HistoryRule``): at least 2 earlier conversations
  in 7 days, or frustrated last time, or the last one ended unresolved. Only a customer at
  risk is remembered (``ConversationState.returning``); anyone else starts blank;
- the brief: the first agent to post once such a customer is in the conversation gets one
  short brief, "3rd conversation in 7 days; frustrated last time (repeat contact, refund);
  the last one ended unresolved". Once per conversation, to that agent only;
- heads-ups and escalation warnings name the history as a reason (``reason``), and a
  customer frustrated or left unresolved last time escalates sooner: rising frustration
  counts over one message fewer (``escalation_turns``).
"""

from __future__ import annotations

from dataclasses import replace

from coaching import suggestions
from coaching.nudging import Draft, format_duration, issue
from coaching.policy import HistoryRule, Policy
from coaching.state import MAX_PEOPLE, ConversationState, Returning
from coaching.types import CustomerHistory, Event, MessagePosted, Nudge, NudgeKind, Role

DAY = 86_400.0
MAX_BRIEF_CUES = 3


def wants(state: ConversationState | None, event: Event) -> bool:
    """Whether ``event`` is a customer's first message in the conversation: the only one
    whose history the engine reads."""
    if not isinstance(event, MessagePosted) or event.role is not Role.CUSTOMER:
        return False
    return state is None or event.author not in state.customers


def summarise(history: CustomerHistory, at: float, rule: HistoryRule) -> Returning | None:
    """What the earlier conversations (those started by ``at``) say; None without any."""
    earlier = [c for c in history.conversations if c.started_at <= at]
    if not earlier:
        return None
    last = max(earlier, key=lambda c: c.started_at)
    recent = sum(1 for c in earlier if at - c.started_at <= rule.repeat_days * DAY)
    return Returning(
        earlier=len(earlier),
        recent=recent,
        since_last=max(0.0, at - last.started_at),
        frustrated_last=last.frustrated,
        unresolved_last=last.unresolved,
        cues=last.cues,
        escalated_last=last.escalated,
    )


def at_risk(returning: Returning, rule: HistoryRule) -> bool:
    """The configured rule: repeat contact, or frustrated or unresolved last time."""
    repeat = 0 < rule.repeat_conversations <= returning.recent
    frustrated = rule.if_frustrated and returning.frustrated_last
    unresolved = rule.if_unresolved and returning.unresolved_last
    return repeat or frustrated or unresolved


def remember(
    state: ConversationState, event: MessagePosted, rule: HistoryRule
) -> ConversationState:
    """On a customer's first message: keep their history if it puts them at risk."""
    if event.history is None or not wants(state, event):
        return state
    returning = summarise(event.history, event.sent_at, rule)
    if returning is None or not at_risk(returning, rule):
        return state
    kept = {k: r for k, r in state.returning.items() if k != event.author}
    kept[event.author] = returning
    return replace(state, returning=dict(list(kept.items())[-MAX_PEOPLE:]))


def brief_lines(returning: Returning, rule: HistoryRule) -> tuple[str, ...]:
    """The brief, a line per fact: how often they came, how it felt, how it ended. Cue
    names only, so nothing a customer wrote can appear in it."""
    lines = [_contact(returning, rule)]
    if returning.frustrated_last:
        cues = ", ".join(c.replace("_", " ") for c in returning.cues[:MAX_BRIEF_CUES])
        lines.append(f"frustrated last time ({cues})" if cues else "frustrated last time")
    if returning.unresolved_last:
        lines.append(f"the last one {_ended(returning)}")
    return tuple(lines)


def reason(returning: Returning | None, rule: HistoryRule) -> str | None:
    """The history as one reason for a heads-up or an escalation warning."""
    if returning is None:
        return None
    if returning.unresolved_last:
        return f"their last conversation {_ended(returning)}"
    if returning.frustrated_last:
        return "they were frustrated last time"
    return _contact(returning, rule)


def escalation_turns(returning: Returning | None, turns: int) -> int:
    """A customer frustrated, or left unresolved, last time escalates sooner: rising
    frustration counts over one message fewer (never fewer than two)."""
    if returning is not None and (returning.frustrated_last or returning.unresolved_last):
        return max(2, turns - 1)
    return turns


def brief(
    state: ConversationState, event: MessagePosted, policy: Policy, now: float
) -> tuple[ConversationState, list[Nudge]]:
    """An agent posted: the brief, if a customer here is at risk and nobody got it yet."""
    if state.briefed or not state.returning:
        return state, []
    customer, returning = next(iter(state.returning.items()))  # the first at risk
    draft = Draft(
        NudgeKind.HISTORY,
        event.event_id,
        brief_lines(returning, policy.history),
        suggestions.returning(returning),
        customer,
        cooldown=False,
    )
    state, nudges = issue(state, draft, policy, now, agents=[event.author])
    return (replace(state, briefed=True) if nudges else state), nudges


def _contact(returning: Returning, rule: HistoryRule) -> str:
    if returning.recent:
        return f"{ordinal(returning.recent + 1)} conversation in {_days(rule.repeat_days)}"
    return f"back after {format_duration(returning.since_last)}"


def _ended(returning: Returning) -> str:
    # An escalation counts as unresolved even when the customer thanked us at the end:
    # say which it was.
    return "escalated" if returning.escalated_last else "ended unresolved"


def _days(days: float) -> str:
    return "1 day" if days == 1 else f"{days:g} days"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
