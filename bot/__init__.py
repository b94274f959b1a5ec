"""The service around the coaching engine, one folder per part of the system.

``app.py`` (``coach run``) builds the bot and ``cli/`` holds every ``coach`` command: only
these two see everything. ``redact.py`` is the one rule for personal data and secrets,
used before anything is stored or logged. The folders, and what each may import
(tests/test_architecture.py holds the table): ``ops`` (the clock, logs, metrics, the ops
listener, rate limits), ``store`` (every table), ``surveys``, ``reports``, ``service``
(the running bot), ``practice``, ``cli``.
"""
