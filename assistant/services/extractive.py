"""The no-LLM answer: the best matching sentences (or list blocks) from the top passages, in
passage order, each with its citation number. Pure functions, so they get fast unit tests."""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

MAX_UNITS = 6
MAX_UNITS_PER_PASSAGE = 3
MAX_WORDS = 180
DIVERSE_PASSAGES = 3
LEAD_WORDS = 75
DUPLICATE_OVERLAP = 0.6

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ0-9«\"(])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_WORD = re.compile(r"[0-9A-Za-zÆØÅæøåÉéÜüÖöÄä]+(?:[-–][0-9A-Za-zÆØÅæøå]+)*")
# Text in documents is data. Sentences that try to instruct the assistant are never repeated,
# never shown as a fact and never sent to the model: a chat role at the start ("SYSTEM:",
# "Assistant:", a chat template token), or an order to the assistant (nb, nn, en).
_ROLE = re.compile(
    r"^[\W_]*(system|assistant|assistent|ai|ki|chatbot|developer|utvikler)\s*:"
    r"|<\|?(im_start|im_end|system)\|?>|\[/?INST\]|<<SYS>>|^#+\s*(system|instruction)",
    re.IGNORECASE,
)
_ORDER = re.compile(
    # en: "Ignore previous instructions", "You must always say ...", "From now on ..."
    r"\b(ignore|disregard|forget|override)\s+(all\s+|any\s+)?(the\s+|your\s+|of\s+the\s+)?"
    r"(previous|prior|above|earlier|preceding|system)\s+(instructions?|rules|prompts?|guidelines)"
    r"|\byou\s+(must|should|shall|will)\s+(always|never|only)\s+(say|answer|reply|respond|claim|state|tell|write|mention)"
    r"|\b(always|only)\s+(say|answer|reply|respond)\s+(that|with)\b|\bnever\s+(mention|reveal|say)\b"
    r"|\b(ignore|disregard|forget)\s+(everything|anything)\s+(above|before|else)\b"
    r"|\b(you are now|from now on|pretend (to be|you are)|act as (an?\s+)?(ai|assistant|chatbot))\b"
    # nb/nn: "Ignorer tidligere instruksjoner", "Glem tidligere instruksjoner", "Du skal alltid si ..."
    r"|\b(ignorer|glem|gløym|overse|se\s+bort\s+fra|sjå\s+bort\s+frå)\s+(alle\s+|dine\s+|dei\s+|de\s+)?"
    r"(tidligere|tidlegare|forrige|førre|ovenstående|ovanfor|overstående|gitte|gjevne)\s+"
    r"(instruksjon\w*|instruks\w*|regl\w*|beskjed\w*|føring\w*)"
    r"|\bdu\s+(skal|må|bør)\s+(alltid|aldri|bare|berre|kun)\s+(si|seie|svare|skrive|nevne|nemne|påstå|oppgi|"
    r"opplyse|fortelle|hevde|anbefale|svar)\b"
    r"|\b(svar|si|skriv)\s+(alltid|bare|berre|kun)\s+(med|at|ordet|orda|ordene)\b"
    r"|\b(du er nå|du er no|fra nå av|frå no av|lat som (om )?du|late som (om )?du)\b"
    r"|\bsystem\s*prompt|\bsystemprompt|\bsystem\s*message|\bsystemmelding",
    re.IGNORECASE,
)


def is_instruction(sentence: str) -> bool:
    """Does this sentence (or list item) try to instruct the assistant?"""
    stripped = _LIST_ITEM.sub("", sentence.strip())
    return bool(_ROLE.search(stripped) or _ORDER.search(stripped))


def data_units(text: str, leave_out: Collection[str] = ()) -> list[tuple[str, bool]]:
    """``split_units`` without the sentences and list items that try to instruct the assistant,
    and without the units in ``leave_out``."""
    kept: list[tuple[str, bool]] = []
    for unit, is_list in split_units(text):
        if is_list:
            unit = "\n".join(line for line in unit.split("\n") if not is_instruction(line))
        elif is_instruction(unit):
            continue
        if unit and unit not in leave_out:
            kept.append((unit, is_list))
    return kept


def drop_instructions(text: str, leave_out: Collection[str] = ()) -> str:
    """The text without instructions to the assistant (and without the units in ``leave_out``);
    text without any is returned unchanged."""
    units = data_units(text, leave_out)
    if units == split_units(text):
        return text
    return re.sub(r" ?\n ?", "\n", " ".join(f"\n{unit}\n" if is_list else unit for unit, is_list in units)).strip()


@dataclass
class Unit:
    passage_rank: int  # 0-based rank of the passage in the retrieval result
    number: int  # citation number shown to the user
    position: int
    text: str
    is_list: bool = False
    score: float = 0.0


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("norwegian")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_NORWEGIAN

    extra = {"kva", "kven", "korleis", "kvifor", "eg", "ikkje", "hvordan", "hva", "hvem", "hvilke", "hvilken",
             "what", "who", "which", "how", "the", "and", "is", "are", "of", "in", "a", "an", "to", "does", "do",
             "gnist", "kan", "vi", "hvilket", "kva for", "kvar", "hvor", "it", "can", "that", "this", "for",
             "with", "about", "me", "my", "our", "we", "you"}
    return frozenset(STOPWORDS_NORWEGIAN) | extra


def terms(text: str) -> list[str]:
    words = [w.lower() for w in _WORD.findall(text)]
    return _stemmer().stemWords([w for w in words if w not in _stopwords() and len(w) > 1])


def split_units(text: str) -> list[tuple[str, bool]]:
    """Sentences of running text, and each run of list items as one block (lists stay whole)."""
    units: list[tuple[str, bool]] = []
    items: list[str] = []

    def flush_list() -> None:
        if items:
            units.append(("\n".join(items), True))
            items.clear()

    running: list[str] = []

    def flush_running() -> None:
        # Lines of running text belong together: PDFs break lines in mid-sentence.
        if running:
            joined = " ".join(running)
            units.extend((s.strip(), False) for s in _SENTENCE_END.split(joined) if s.strip())
            running.clear()

    for paragraph in re.split(r"\n\s*\n", text):
        for line in paragraph.split("\n"):
            if _LIST_ITEM.match(line):
                flush_running()
                items.append("- " + _LIST_ITEM.sub("", line).strip())
                continue
            if items and line.strip() and line.startswith((" ", "\t")):
                items[-1] += " " + line.strip()
                continue
            flush_list()
            if _ROLE.search(line.strip()):
                flush_running()  # "SYSTEM: ..." on its own line starts a sentence of its own
            if line.strip():
                running.append(line.strip())
        flush_running()
        flush_list()
    return _attach_list_headers(units)


def _attach_list_headers(units: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """A sentence ending in ':' introduces the list after it: keep them together."""
    merged: list[tuple[str, bool]] = []
    for text, is_list in units:
        if is_list and merged and not merged[-1][1] and merged[-1][0].endswith(":"):
            merged[-1] = (f"{merged[-1][0]}\n{text}", True)
        else:
            merged.append((text, is_list))
    return merged


_QUANTITY_QUESTION = re.compile(
    r"\b(hvor mye|kor mykje|hvor mange|kor mange|koster|kostar|how much|how many|når|når|when|hvor lenge|kor lenge)\b",
    re.IGNORECASE,
)


def count_matches(query_terms: set[str], unit_terms: set[str]) -> int:
    """Exact stem matches, plus shared 5-letter prefixes (Norwegian compounds: koster/kostnad)."""
    prefixes = {t[:5] for t in unit_terms if len(t) >= 5}
    return sum(1 for q in query_terms if q in unit_terms or (len(q) >= 5 and q[:5] in prefixes))


_CAPITALISED = re.compile(r"(?<!^)(?<![.!?] )\b[A-ZÆØÅ][a-zæøå]{2,}\b")


def covers_question(question: str, passages: list[str], score: float, floor: float, confident: float) -> bool:
    """Is the question covered by these passages? A high dense score is enough; in the grey zone
    above the floor, a distinctive word of the question (a name, or a long term) must also occur
    in the passages. This stops "byggetillatelse for garasje" riding on "søke" and "kommune"."""
    if score >= confident:
        return True
    if score < floor:
        return False
    text = "\n".join(passages)
    if any(name in text for name in _CAPITALISED.findall(question.strip())):
        return True
    passage_terms = set(terms(text))
    return any(len(term) >= 5 and term in passage_terms for term in terms(question))


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, min(len(a), len(b)))


def select_units(query: str, passages: list[tuple[int, str, str]], leave_out: Collection[str] = ()) -> list[Unit]:
    """Pick the most relevant, non-repeating units; ``passages`` is [(citation number, text,
    section heading)] ranked best first. Units in ``leave_out`` are never picked."""
    query_terms = set(terms(query))
    wants_number = bool(_QUANTITY_QUESTION.search(query))
    candidates: list[Unit] = []
    for rank, (number, text, heading) in enumerate(passages):
        # A section heading that matches the question lifts all of that section's sentences.
        heading_bonus = 0.5 * count_matches(query_terms, set(terms(heading)))
        for position, (unit_text, is_list) in enumerate(data_units(text, leave_out)):
            if len(unit_text) < 15:
                continue
            unit_terms = terms(unit_text)
            matched = count_matches(query_terms, set(unit_terms)) + heading_bonus
            if wants_number and re.search(r"\d", unit_text):
                matched += 1.5
            # Reward matched query terms, prefer better-ranked passages and the passage's lead,
            # and damp very long units so one paragraph does not crowd out the rest.
            # A list's length is its content, not padding: damp only by its header's length.
            length = min(len(unit_terms), 14) if is_list else len(unit_terms)
            score = (matched + 0.3) / (1 + 0.35 * rank) / (1 + 0.08 * position) / math.sqrt(max(8, length) / 8)
            candidates.append(Unit(rank, number, position, unit_text, is_list, score))
    return _choose(candidates)


class _Selection:
    """Chosen units under the answer's limits: no near-duplicates, a word budget, a per-passage cap."""

    def __init__(self) -> None:
        self.units: list[Unit] = []
        self._terms: list[set[str]] = []
        self._per_passage: dict[int, int] = {}
        self.words = 0

    def try_add(self, unit: Unit) -> bool:
        unit_terms = set(terms(unit.text))
        unit_words = len(unit.text.split())
        if (
            unit in self.units
            or len(self.units) >= MAX_UNITS
            or self._per_passage.get(unit.passage_rank, 0) >= MAX_UNITS_PER_PASSAGE
            or (self.units and self.words + unit_words > MAX_WORDS)
            or any(_overlap(unit_terms, other) > DUPLICATE_OVERLAP for other in self._terms)
        ):
            return False
        self.units.append(unit)
        self._terms.append(unit_terms)
        self._per_passage[unit.passage_rank] = self._per_passage.get(unit.passage_rank, 0) + 1
        self.words += unit_words
        return True


def _choose(candidates: list[Unit]) -> list[Unit]:
    by_score = sorted(candidates, key=lambda u: u.score, reverse=True)
    following = {(u.passage_rank, u.position): u for u in candidates}
    selection = _Selection()
    # The best passage's opening sentences, in order: sections are written topic-first, and a
    # lead read whole beats sentences picked out of it one by one.
    for unit in sorted((u for u in candidates if u.passage_rank == 0), key=lambda u: u.position):
        if selection.words + len(unit.text.split()) > LEAD_WORDS or not selection.try_add(unit):
            break
    # Then the best unit of each of the next passages (breadth), then the best of the rest.
    for rank in range(1, DIVERSE_PASSAGES):
        best = next((u for u in by_score if u.passage_rank == rank), None)
        if best is not None:
            _add_with_continuation(selection, best, following)
    for unit in by_score:
        _add_with_continuation(selection, unit, following)
    return sorted(selection.units, key=lambda u: (u.passage_rank, u.position))


def _add_with_continuation(selection: _Selection, unit: Unit, following: dict) -> None:
    """A short teaser sentence ("Målet er todelt.") is useless without the sentence after it."""
    if selection.try_add(unit) and (len(unit.text.split()) < 9 or unit.text.endswith(":")):
        nxt = following.get((unit.passage_rank, unit.position + 1))
        if nxt is not None:
            selection.try_add(nxt)


def compose(units: list[Unit]) -> str:
    """Running sentences become one paragraph per passage; list blocks keep their bullets."""
    parts: list[str] = []
    current_rank = None
    for unit in units:
        if unit.is_list:
            parts.append(f"\n{unit.text} [{unit.number}]\n")
            current_rank = None
            continue
        sentence = unit.text if unit.text[-1] in ".!?:»\"" else unit.text + "."
        if current_rank == unit.passage_rank and parts:
            parts[-1] += f" {sentence} [{unit.number}]"
        else:
            parts.append(f"{sentence} [{unit.number}]")
        current_rank = unit.passage_rank
    return "\n\n".join(p.strip() for p in parts if p.strip())
