"""Follow-up questions without a language model: an elliptic question inherits the subject of the
conversation, and "der", "dem", "det" point at the entity asked about before.

«Hva het vinnerkonseptet der?» after «Hva gjorde Lebesby?» becomes «Hva het vinnerkonseptet i
Lebesby?»; «Hva koster det?» after «Hva er Gnist?» becomes «Hva koster Gnist?»; «og hva med Lund?»
after «Hvem vant i Vang?» becomes «Hvem vant i Lund?». Pure functions, unit-tested.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.services.extractive import terms

# The follow-up is a fragment that takes the previous question's frame.
_FRAGMENT_START = re.compile(
    r"^(?:(?:og|enn|men|også|and)\b[\s,]*)?(?:(?:hva|kva|hvordan|korleis|what|how) (?:med|om|about)\b|"
    r"same for\b)?[\s,]*",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-ZÆØÅ][\wæøåé]*(?:[-–][A-ZÆØÅ]?[\wæøå]+)*\b")
# Capitalised words that are not the subject of a question.
_NOT_NAMES = {
    "hva", "kva", "hvem", "kven", "hvordan", "korleis", "hvorfor", "kvifor", "hvor", "kor", "kvar", "når", "hvilke",
    "hvilken", "hvilket", "kan", "er", "har", "skal", "må", "og", "enn", "men", "what", "who", "how", "why", "when",
    "where", "which", "can", "is", "are", "does", "do", "and", "the", "i", "vi", "eg", "jeg", "de", "dei", "det",
}
# The programme itself: a subject of last resort, since nearly every question is about it.
_GENERIC = {"gnist"}
# Pronouns that point back: place ("der"), people ("dem"), thing ("det").
_PLACE = re.compile(r"\b(der|dit|her|there)\b(?=\W*$|\s+(?!som\b))", re.IGNORECASE)
_THING = re.compile(r"\b(det|dette|den|it|this|that|them|dem|de|dei|they)\b", re.IGNORECASE)
# What is asked about in "Hva er X?", "What is X?".
_SUBJECT = re.compile(
    r"^(?:hva|kva|hvem|kven|what|who)\s+(?:er|var|betyr|tyder|is|was|are|were|means?)\s+(?:en\s+|et\s+|ei\s+|ein\s+|"
    r"eit\s+|a\s+|an\s+|the\s+)?"
    r"(?P<subject>[^?]+?)\s*\??$",
    re.IGNORECASE,
)
SHORT_WORDS = 7
# Stem beginnings of what one asks about a subject: its cost, deadline, winner, who applies …
_ASPECTS = {
    "søke", "søkj", "søkn", "kost", "pris", "avgi", "fris", "vinn", "vant", "delt", "resu", "utfo", "løsn", "team",
    "komm", "budsj", "tid", "star", "skje", "gjor", "gjør", "valg", "vals", "med", "apply", "cost", "dead", "win",
    "won", "chal", "appl", "kriter", "krit", "mål", "idé", "kons", "jury", "part",
}
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def names(text: str) -> list[str]:
    """Capitalised names in the text, in order, without question words."""
    found = []
    for match in _NAME.finditer(text):
        word = match.group(0)
        if word.lower() not in _NOT_NAMES and word not in found:
            found.append(word)
    return found


def entity(question: str) -> str | None:
    """What the question is about: a specific name first (Lebesby, DIP), then the subject of
    "Hva er X?", then the programme's name."""
    found = names(question)
    specific = [n for n in found if n.lower() not in _GENERIC]
    if specific:
        return specific[-1]
    match = _SUBJECT.match(question.strip())
    if match and len(match.group("subject").split()) <= 4 and not _THING.fullmatch(match.group("subject")):
        return match.group("subject")
    return found[-1] if found else None


def resolve(question: str, previous_questions: Sequence[str]) -> str:
    """The question as one that stands on its own, given the user's earlier questions (oldest
    first); a question that already stands on its own is returned unchanged."""
    if not previous_questions:
        return question
    previous = resolve(previous_questions[-1], previous_questions[:-1])
    stripped = question.strip()
    if not stripped:
        return question
    fragment = _FRAGMENT_START.match(stripped)
    if fragment and fragment.end():
        return _swap_into(previous, stripped[fragment.end():])
    if len(stripped.split()) > SHORT_WORDS:
        return question
    subject = entity(previous)
    if subject is None or names(stripped) or subject.lower() in stripped.lower():
        return question  # a question that names what it is about stands on its own
    if _PLACE.search(stripped):
        return _PLACE.sub(f"i {subject}", stripped, count=1)
    if _THING.search(stripped):
        return _THING.sub(subject, stripped, count=1)
    if _asks_only_an_aspect(stripped):
        # Elliptic: "Hvem kan søke?" after "Hva er DIP?" is about DIP.
        return f"{stripped.rstrip('?').rstrip()} ({subject})?"
    return question


def _asks_only_an_aspect(question: str) -> bool:
    """"Hvem kan søke?", "Hva var utfordringen?": only words for an aspect of some subject (not
    "Hva er en følgekommune?", which names its own)."""
    words = terms(question)
    return bool(words) and all(any(word.startswith(a) or a.startswith(word) for a in _ASPECTS) for word in words)


def _swap_into(previous: str, rest: str) -> str:
    """"og hva med Lund?" after "Hvem vant i Vang?": the earlier frame with the new name (or year);
    "og fristen?" after "Hva koster Gnist?": the new words about the earlier subject."""
    rest = rest.strip().rstrip("?").strip()
    new = _swappable(rest)
    old = [n for n in _swappable(previous) if n.lower() not in _GENERIC]
    if new and old:
        frame = previous
        for name in old[:-1]:
            frame = frame.replace(name, "")
        return re.sub(r"\s+", " ", frame.replace(old[-1], rest)).strip()
    subject = entity(previous)
    if subject is None or not rest:
        return re.sub(r"\s+", " ", f"{previous.rstrip('?')} {rest}?").strip()
    return f"{rest[0].upper()}{rest[1:]} ({subject})?"


def _swappable(text: str) -> list[str]:
    return names(text) + _YEAR.findall(text)
