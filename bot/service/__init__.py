"""The running service: events in (the write-ahead inbox), the runtime (ordering,
de-duplication, timers), nudges out (the outbox), ``/coach`` commands, when surveys and
the digest run, the configured scorer and policy, the platform adapters' wiring, and
the replay of a transcript through the same path.

May import: ``ops``, ``store``, ``surveys``, ``reports``, ``bot.redact``.
"""
