from __future__ import annotations

from coaching.features import tokens
from coaching.language import is_english
from coaching.text import MAX_ANALYSED_CHARS, clean


def test_platform_markup_handles_and_urls_are_removed() -> None:
    raw = "<@U123ABC> see <https://example.com/x|the docs> and https://foo.bar/baz @AmazonHelp ok"
    assert clean(raw).text == "see the docs and ok"


def test_leading_twitter_handles_do_not_count_as_shouting_words() -> None:
    assert clean("@VirginAmerica @united where is my bag").text == "where is my bag"


def test_zero_width_and_control_characters_vanish() -> None:
    assert clean("wh\u200bere\u200d is\x07 my\ufeff order").text == "where is my order"


def test_slack_shortcodes_become_emoji_but_times_stay() -> None:
    assert clean("late again :rage: at 10:30:00").text == "late again 😡 at 10:30:00"


def test_huge_messages_keep_head_and_tail() -> None:
    text = "I am furious. " + "log line\n" * 5000 + "Please fix this now!"
    cleaned = clean(text)
    assert cleaned.truncated
    assert len(cleaned.text) <= MAX_ANALYSED_CHARS + 5
    assert cleaned.text.startswith("I am furious") and cleaned.text.endswith("fix this now!")


def test_emoji_only_and_empty_messages() -> None:
    assert clean("😡😡😡").letters == 0 and clean("😡😡😡").text == "😡😡😡"
    assert clean("   \u200b ").text == ""


def test_negation_scope_ends_at_clause_punctuation() -> None:
    assert tokens("not helpful. This is fine") == ["not", "neg_helpful", "this", "is", "fine"]


def test_english_detection() -> None:
    assert is_english("Where is my order? It has been three weeks.")
    assert is_english("ok")
    assert is_english("4821")
    assert not is_english("¿Dónde está mi pedido? Llevo tres semanas esperando.")
    assert not is_english("Wo ist meine Bestellung? Ich warte schon drei Wochen.")
    assert not is_english("我的订单在哪里？我已经等了三个星期了")
    assert not is_english("Где мой заказ? Я жду уже три недели")
