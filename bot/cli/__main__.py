"""``python -m bot.cli``: the same as ``coach``."""

import sys

from bot.cli.main import main

sys.exit(main())
