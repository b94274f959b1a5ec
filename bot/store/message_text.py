"""What is kept of a message's text: its latest version only, and nothing once deleted.

Runs inside the transaction that claims an edit or deletion (``queries.open_event``), so
the earlier text is gone in the same commit that records the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.store.schema import events
from coaching.types import ConversationRef


def _in_channel(prefix: str) -> sa.ColumnElement[bool]:
    """Events of the channel whose conversation keys start with ``prefix``."""
    return sa.func.substr(events.c.conversation, 1, len(prefix)) == prefix


def conversations_of(conn: Connection, prefix: str, message_ids: Sequence[str]) -> dict[str, str]:
    """Message ID -> the conversation it was recorded in, for messages of one channel
    (``prefix``: ``platform:workspace:channel:``)."""
    if not message_ids:
        return {}
    e = events.c
    found = sa.select(e.message_id, e.conversation).where(
        e.message_id.in_(list(message_ids)), _in_channel(prefix)
    )
    return {str(m): str(c) for m, c in conn.execute(found)}


def supersede_text(conn: Connection, event: dict[str, Any]) -> None:
    """Keep only a message's latest text: an edit clears the text of the message's earlier
    versions, a deletion clears them all, and a version recorded after a later one (or
    after the deletion) keeps none. Messages are found by ID within their channel (a
    Slack message ID is unique in its channel; a Discord ID everywhere)."""
    kind, text = event["kind"], event.get("text")
    if kind == "posted" and text is None:
        return  # the common case: nothing stored, nothing to supersede
    try:
        ref = ConversationRef.from_key(event["conversation"])
    except ValueError:
        return
    e = events.c
    channel = f"{ref.platform}:{ref.workspace}:{ref.channel}:"
    message = (
        (e.message_id == event["message_id"])  # uses ix_events_message_id
        & _in_channel(channel)
        & (e.event_id != event["event_id"])
    )
    if kind in ("edited", "deleted"):
        earlier: sa.ColumnElement[bool] = e.text.is_not(None)
        if kind == "edited":
            earlier = earlier & (e.at <= float(event["at"]))
        conn.execute(sa.update(events).where(message, earlier).values(text=None))
    if text is None:
        return
    later = sa.select(e.event_id).where(
        message, (e.at > float(event["at"])) | (e.kind == "deleted")
    )
    if conn.execute(later.limit(1)).first() is not None:
        conn.execute(sa.update(events).where(e.event_id == event["event_id"]).values(text=None))
