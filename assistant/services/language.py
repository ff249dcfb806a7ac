"""Which of Bokmål, Nynorsk and English the user writes.

Question words and a few common forms decide most questions at once (kva/korleis/ikkje is
Nynorsk, hva/hvordan/ikke Bokmål); the statistical detector decides longer texts without them.
When neither is sure (short questions such as «Gnist?» or «Kostnad?»), the user's UI language is
used, then Bokmål: a plain Bokmål question is never answered in Nynorsk.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

Lang = Literal["nb", "nn", "en"]
LANGUAGES: tuple[Lang, ...] = ("nb", "nn", "en")

_WORD = re.compile(r"[a-zæøåéA-ZÆØÅÉ]+")
_MARKERS: dict[Lang, frozenset[str]] = {
    "nn": frozenset({
        "kva", "kven", "korleis", "kvifor", "kvar", "kor", "ikkje", "eg", "dei", "frå", "berre", "noko", "nokon",
        "mykje", "kome", "vere", "vore", "søkje", "kommunar", "kjem", "gjer", "ein", "eit", "meir", "sjå", "fekk",
        "vart", "hjå", "ho", "kostar", "utfordringar", "innbyggjarar", "kjelder",
    }),
    "nb": frozenset({
        "hva", "hvem", "hvordan", "hvorfor", "hvor", "hvilke", "hvilken", "hvilket", "ikke", "jeg", "noe", "noen",
        "mye", "hvis", "bare", "kommuner", "søke", "være", "vært", "kommer", "gjør", "en", "et", "mer", "fikk",
        "ble", "hos", "koster", "utfordringer", "innbyggere", "kilder", "dere",
    }),
    "en": frozenset({
        "what", "who", "how", "why", "where", "which", "when", "the", "is", "are", "does", "do", "can", "we", "our",
        "apply", "cost", "costs", "municipality", "municipalities", "about", "of", "for", "and", "it", "free",
        "tell", "me", "you", "this", "that", "in", "to", "get", "was", "were", "did", "has", "have", "their", "they",
        "them", "there", "happened", "winning", "county", "selected", "challenge", "took", "part",
    }),
}
# Fewer words than this, and no marker: the detector is guessing.
SURE_WORDS = 4


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.BOKMAL, Language.NYNORSK, Language.ENGLISH).build()


def warm_up() -> None:
    """The first detection loads the models (~100 MB, a second or more, holding the GIL so every
    request waits); do it at start-up, not in a user's request. The detector itself: through
    detect_language a marker word («hva») would decide and the models would stay unloaded."""
    _detector().compute_language_confidence_values("Hva er Gnist i kommunene våre?")


def detect_language(text: str, default: Lang | None = None) -> Lang:
    """The language of ``text``; when unsure, ``default`` (the user's UI language), then Bokmål."""
    fallback: Lang = default or "nb"
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return fallback
    hits = {lang: sum(w in markers for w in words) for lang, markers in _MARKERS.items()}
    best = max(hits, key=lambda lang: hits[lang])
    if hits[best] and list(hits.values()).count(hits[best]) == 1 and (best != "en" or hits["en"] >= 2):
        return best
    if len(words) < SURE_WORDS:
        return fallback
    values = {c.language.name: c.value for c in _detector().compute_language_confidence_values(text)}
    if values.get("ENGLISH", 0) >= 0.5:
        return "en"
    if values.get("NYNORSK", 0) >= 0.6 and hits["nn"]:
        return "nn"
    if values.get("BOKMAL", 0) >= 0.5:
        return "nb"
    return fallback


def ui_language(accept_language: str | None) -> Lang | None:
    """The browser's preferred language among ours (Accept-Language: "nn-NO,nn;q=0.9,en;q=0.8")."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("nn"):
            return "nn"
        if tag.startswith(("nb", "no")):
            return "nb"
        if tag.startswith("en"):
            return "en"
    return None
