"""Reports: what supervisors read. Summaries and their figures, trend charts,
highlights, the weekly digest, customer history (also the engine's memory of a
customer), and the platform-neutral ``Report``s each adapter renders.

May import: ``ops``, ``store``, ``surveys`` (their figures), ``bot.redact``.
"""
