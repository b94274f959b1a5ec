"""Practice mode around the pure role-play in coaching/practice: the scenario library,
the ``coach practice`` command, the chat service behind ``/coach practice``, and where
practice results are kept.

May import: ``ops``, ``store``, ``reports`` (the ``Report`` views), ``service`` (the
configured scorer and policy), ``bot.redact``.
"""
