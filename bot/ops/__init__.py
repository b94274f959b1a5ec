"""Operations: how the bot is run and watched. The clock (wall or virtual), logs (one
line per record, secrets masked), Prometheus metrics, the ops listener (``/healthz``,
``/metrics``) and the rate limits on store reads.

May import: ``bot.redact`` only (and config/, coaching/).
"""
