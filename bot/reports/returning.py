"""Returning customers in a summary, from stored rows alone (bot/reports/summary.py adds them).

A *contact* is one conversation, counted for the customer who opened it (its owner: the
first to write in it as a customer; others who wrote there only joined it). A contact is
a *repeat contact* when the same customer opened an earlier conversation within the
summary's scope and period; the others are first contacts.
- repeat-contact rate: repeat contacts / contacts;
- returning-customer frustration: the share of repeat contacts in which the customer was
  judged frustrated, next to the same share for first contacts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bot.reports.shares import Share
from bot.reports.shares import share as _share
from bot.store.base import Slice
from bot.store.owners import opened


@dataclass
class ReturningFigures:
    contacts: int = 0
    repeat: int = 0
    repeat_frustrated: int = 0
    first_frustrated: int = 0

    @property
    def first(self) -> int:
        return self.contacts - self.repeat

    def as_dict(self) -> dict[str, object]:
        return {
            "customer_contacts": self.contacts,
            "repeat_contacts": self.repeat,
            "repeat_contact_rate": _share(self.repeat, self.contacts),
            "returning_customer_frustrated_share": _share(self.repeat_frustrated, self.repeat),
            "first_contact_frustrated_share": _share(self.first_frustrated, self.first),
            "repeat_contact_counts": Share(self.repeat, self.contacts).as_json(),
            "returning_customer_frustrated_counts": Share(
                self.repeat_frustrated, self.repeat
            ).as_json(),
            "first_contact_frustrated_counts": Share(self.first_frustrated, self.first).as_json(),
        }


def compute(data: Slice) -> ReturningFigures:
    # (customer, conversation) -> when they opened it: joining someone's is no contact
    started = {(who, key): at for key, (at, who) in opened(data.events).items()}
    frustrated = {
        (s.subject, s.conversation) for s in data.signals if s.kind == "frustration" and s.fired
    }
    by_customer: defaultdict[str, list[tuple[float, str]]] = defaultdict(list)
    for (customer, conversation), at in started.items():
        by_customer[customer].append((at, conversation))
    figures = ReturningFigures()
    for customer, contacts in by_customer.items():
        contacts.sort()
        for index, (_, conversation) in enumerate(contacts):
            upset = (customer, conversation) in frustrated
            figures.contacts += 1
            if index:
                figures.repeat += 1
                figures.repeat_frustrated += upset
            else:
                figures.first_frustrated += upset
    return figures
