"""Settings -> the engine's policy (config/ knows nothing of the engine)."""

from __future__ import annotations

from coaching.policy import Policy
from config.settings import Settings


def policy_from(settings: Settings) -> Policy:
    c = settings.coaching
    return Policy(
        frustration_threshold=c.frustration_threshold,
        acknowledgement_threshold=c.acknowledgement_threshold,
        waiting_after=c.waiting_minutes * 60,
        waiting_repeat=c.waiting_repeat_minutes * 60,
        waiting_max_reminders=c.waiting_max_reminders,
        cooldown=c.cooldown_minutes * 60,
        ack_grace=c.ack_grace_seconds,
        escalation_turns=c.escalation_turns,
        max_recipients=c.max_recipients,
    )
