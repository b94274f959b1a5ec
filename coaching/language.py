"""Is this message English? The detectors only know English: say nothing otherwise.

No model download: a message counts as English when its letters are Latin and its words
include enough common English words (function words, or words VADER knows) and not
more function words of a handful of other languages. Short messages without any clue
(an order number, "ok") are given the benefit of the doubt.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

ENGLISH_COMMON = frozenset(
    """a about after again all already am an and any are as at back be because been before
    but by can can't cannot could did didn't do does doesn't don't done for from get got had
    has hasn't have haven't he her here him his how i i'm i've if in is isn't it it's its just
    know let me more my need no not now of off ok okay on one only or our out over please
    really right said same see she should so some still than thank thanks that that's the
    their them then there these they this those time to today too up us very was wasn't we
    we're were what when where which who why will with won't would you you're your yes yet
    hi hello hey help order account issue problem card app""".split()
)

_OTHER = (
    frozenset(
        # Spanish, Portuguese, French, German, Italian, Dutch, Indonesian function words that
        # are not also common English words.
        """el los las una unos por para con sin pero muy esta este esto estoy tengo hace porque
    donde cuando como que del al mi mis su sus nos les ya hola gracias ayuda pedido
    não nao uma com sem mas muito isso isto estou tenho obrigado obrigada voce você
    le les des une est sont avec pour pas mais très tres je tu il nous vous ils mon ma mes
    ce cette dans sur qui quoi merci bonjour aide commande
    der die das und ist nicht ich du wir ihr sie mit für fur auf ein eine einen dem den
    bitte danke hallo hilfe bestellung noch schon aber oder wenn weil
    il lo gli della che non sono per con una questo questa grazie ciao aiuto
    het een niet ik je wij zijn voor met maar ook dank hallo bestelling
    yang dan tidak saya ini itu dengan untuk terima kasih""".split()
    )
    - ENGLISH_COMMON
)


@lru_cache(maxsize=1)
def _known_english() -> frozenset[str]:
    from coaching.vader import lexicon

    return ENGLISH_COMMON | frozenset(w for w in lexicon() if w.isalpha())


_NON_LATIN_LETTER = re.compile(r"[^\W\d_a-zA-Z\u00c0-\u024f]")


def is_english(text: str) -> bool:
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return True  # nothing to judge: the detectors will find nothing anyway
    if text.isascii():
        non_latin = 0
    else:
        non_latin = len(_NON_LATIN_LETTER.findall(text))
        if non_latin and non_latin / max(1, sum(map(len, words))) > 0.4:
            return False
    if len(words) < 3:
        return not any(w in _OTHER for w in words) or any(w in ENGLISH_COMMON for w in words)
    known = _known_english()
    english = sum(1 for w in words if w in known)
    other = sum(1 for w in words if w in _OTHER)
    return english >= other and english / len(words) >= 0.2
