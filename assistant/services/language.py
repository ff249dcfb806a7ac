"""Which of Bokmål, Nynorsk and English the user writes."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

Lang = Literal["nb", "nn", "en"]
LANGUAGES: tuple[Lang, ...] = ("nb", "nn", "en")


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.BOKMAL, Language.NYNORSK, Language.ENGLISH).build()


def warm_up() -> None:
    """The first detection loads the models (~0.6 s); do it at start-up, not in a user's request."""
    detect_language("Hva er Gnist?")


def detect_language(text: str, default: Lang = "nb") -> Lang:
    """Bokmål unless the text is clearly Nynorsk or English: Bokmål is the users' majority form."""
    if len(text.strip()) < 3:
        return default
    values = {c.language.name: c.value for c in _detector().compute_language_confidence_values(text)}
    if values.get("ENGLISH", 0) >= 0.5:
        return "en"
    if values.get("NYNORSK", 0) >= 0.6:
        return "nn"
    return default if default != "en" or values.get("ENGLISH", 0) >= 0.34 else "nb"
