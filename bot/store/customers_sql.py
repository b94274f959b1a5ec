"""The store's SQL about one customer: the signals their history is made of (in the
conversations they opened: ``owner_sql``), and erasing them everywhere. Plain functions
of a synchronous ``Connection``, like bot/store/queries.py.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.store import queries, schema
from bot.store.records import SignalRecord
from bot.store.schema import commands, conversations, events, signals

HISTORY_KINDS = ("frustration", "escalation")  # what a customer's history is made of


def owner_sql(conversation: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
    """The owner of ``conversation`` (a column of the outer query), NULL when nobody wrote
    there as a customer; ties in time go by event id, as ``Closing.posters`` are ordered."""
    first = events.alias("first_customer")
    return (
        sa.select(first.c.author)
        .where(
            first.c.conversation == conversation,
            first.c.kind == "posted",
            first.c.role == "customer",
        )
        .order_by(first.c.at, first.c.event_id)
        .limit(1)
        .scalar_subquery()
    )


def customers_signals(
    conn: Connection, customers: list[str], since: float, until: float, prefix: str
) -> list[SignalRecord]:
    if not customers:
        return []
    c = signals.c
    owner = owner_sql(c.conversation)
    query = (
        sa.select(signals)
        .where(
            c.subject.in_(customers),
            c.kind.in_(HISTORY_KINDS),
            c.at >= float(since),
            c.at < float(until),
            owner.is_(None) | (owner == c.subject),  # only the conversations they opened
        )
        .order_by(c.at, c.id)
    )
    if prefix:
        query = query.where(c.conversation.startswith(prefix, autoescape=True))
    return [schema.signal_from(row) for row in conn.execute(query)]


def conversations_of(conn: Connection, customer: str) -> set[str]:
    """Every conversation the customer wrote in: their messages, the signals about them,
    and states that still name them (after retention purged their messages)."""
    wrote = sa.select(events.c.conversation).where(
        events.c.author == customer, events.c.role == "customer"
    )
    about = sa.select(signals.c.conversation).where(
        signals.c.subject == customer, signals.c.kind != "acknowledgement"
    )
    keys = set(conn.execute(wrote.distinct()).scalars())
    keys |= set(conn.execute(about.distinct()).scalars())
    named = sa.select(conversations.c.key, conversations.c.state).where(
        conversations.c.state.contains(schema.dumps(customer), autoescape=True)
    )
    for key, text in conn.execute(named):
        state = schema.state_from(text)
        if state is not None and customer in state.customers:
            keys.add(key)
    return keys


def forget_customer(conn: Connection, customer: str, prefix: str) -> int:
    """Forget every conversation the customer wrote in (within ``prefix``), in key order
    (so two of these never wait for each other's row locks), and the command audit's rows
    of their own ``/coach`` commands (a customer may ask for help), which name them."""
    keys = sorted(k for k in conversations_of(conn, customer) if k.startswith(prefix))
    removed = sum(queries.forget(conn, key) for key in keys)
    audit = sa.delete(commands).where(commands.c.user == customer)
    if prefix:  # the audit knows the platform, not the workspace: a user ID is the platform's
        audit = audit.where(commands.c.platform == prefix.split(":", 1)[0])
    return removed + conn.execute(audit).rowcount
