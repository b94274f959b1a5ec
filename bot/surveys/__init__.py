"""Surveys: asking a customer "Did you feel understood?" when a conversation closes,
survey answers read from a transcript, and the satisfaction figures. What is stored about
surveys (the records, the answer rule) lives in ``bot/store``.

May import: ``ops``, ``store``.
"""
