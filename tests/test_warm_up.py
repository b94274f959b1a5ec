"""What scoring loads lazily (nltk and VADER's lexicon, the English word list) is loaded
when the bot is built, not on the first message: there it stalled the event loop for
about a second, acknowledgements included."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Bot
from bot.service.scoring import build_scorer, warm_up
from coaching import language, vader
from config import load


def forget_what_was_loaded() -> None:
    language._known_english.cache_clear()
    vader.analyzer.cache_clear()


def loaded() -> bool:
    return bool(
        language._known_english.cache_info().currsize and vader.analyzer.cache_info().currsize
    )


@pytest.mark.parametrize("model", ["lexicon", "contextual"])
def test_warming_up_loads_what_the_first_message_would(model: str) -> None:
    scorer = build_scorer(model)
    forget_what_was_loaded()
    assert not loaded()
    warm_up(scorer)
    assert loaded()


async def test_the_bot_is_warm_before_its_first_event(tmp_path: Path) -> None:
    path = tmp_path / "coach.toml"
    path.write_text(
        '[coaching]\nmodel = "lexicon"\n[storage]\nurl = "memory://"\n[http]\nenabled = false\n'
    )
    forget_what_was_loaded()
    bot = await Bot.build(load(path))
    try:
        assert loaded()
    finally:
        await bot.store.close()
