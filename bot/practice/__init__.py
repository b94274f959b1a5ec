"""Practice mode around the pure role-play in coaching/practice: the scenario library,
the ``coach practice`` command, the chat service behind ``/coach practice``, and where
practice results are kept."""
