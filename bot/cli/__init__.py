"""The ``coach`` command line (``main.py``; ``coach practice`` lives in
``bot/practice``): ``replay`` and ``demo``, ``analyze``, the store's ``summary``,
``forget`` and ``purge``. ``coach run`` starts ``bot/app.py``.

May import: everything.
"""
