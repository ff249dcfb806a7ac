"""Where a user's own document contradicts the knowledge base on a programme fact: what it
costs, when things happen, how many there are. Pure functions over passage texts, so the
check is the same with and without a language model.

The facts compared are deliberately plain: money amounts (and «gratis» as 0 kr), years and
day-month dates, and numbers in front of the same noun («åtte prinsipper»). The best sentence
of each origin for the question is compared, and only a clear difference counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from assistant.services.extractive import count_matches, data_units, terms

Kind = Literal["money", "date", "count"]
Facts = dict[str, frozenset]

# Which kind of fact a question asks for (nb, nn, en).
_QUESTION: dict[Kind, re.Pattern[str]] = {
    "money": re.compile(
        r"\b(kost\w*|pris\w*|egenandel\w*|\w*avgift\w*|betal\w*|gebyr\w*|gratis|cost\w*|fees?|price\w*|pay\w*|"
        r"free|charge\w*|hvor mye|kor mykje|how much)\b", re.IGNORECASE),
    "date": re.compile(
        r"\b(når|\w*frist\w*|dato\w*|deadline\w*|when|hvilket år|kva år|which year|what year)\b", re.IGNORECASE),
    "count": re.compile(r"\b(hvor mange|kor mange|how many|antall|talet på|number of)\b", re.IGNORECASE),
}
# A sentence only states the fact if it is about it ("Budsjettet vårt er 2 mill. kr" is not the fee).
_SUBJECT = {
    "money": re.compile(
        r"\b(delta\w*|\w*avgift\w*|egenandel\w*|kost\w*|pris\w*|gebyr\w*|betal\w*|gratis|fees?|cost\w*|price\w*|"
        r"pay\w*|free|charge\w*|participa\w*)\b", re.IGNORECASE),
    "date": re.compile(
        r"\b(\w*frist\w*|søk\w*|dato\w*|oppstart\w*|start\w*|deadline\w*|appl\w*|\w*runde\w*|opptak\w*|"
        r"kunngj\w*|utlys\w*|lever\w*|due)\b", re.IGNORECASE),
    "count": re.compile(r"\w"),
}

_GROUPED = r"\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+"
_MONEY = re.compile(
    rf"\b(?:kr|nok)\.?\s*(?P<pre>{_GROUPED}|\d+(?:[.,]\d+)?)(?:\s*(?P<premul>mill\w*|tusen|thousand))?"
    rf"|(?P<num>{_GROUPED}|\d+(?:[.,]\d+)?)\s*(?P<mul>mill\w*\.?|tusen|thousand)?"
    r"\s*(?:kr\b|kroner|nok\b|,-)",
    re.IGNORECASE,
)
_FREE = re.compile(
    r"\b(gratis|kostnadsfri\w*|vederlagsfri\w*|free of charge|for free|(is|are) free|costs? nothing|no fee|"
    r"kost(er|ar)(\s+\w+){0,2}\s+(ingenting|ikke noe|ikkje noko)|(ingen|uten|utan) (egenandel|deltak[ae]ravgift|"
    r"avgift|kostnad))\b",
    re.IGNORECASE,
)
_MULTIPLIER = {"mill": 1_000_000, "tuse": 1_000, "thou": 1_000}
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_MONTHS = ["jan", "feb", "mar", "apr", "ma[iy]", "jun", "jul", "aug", "sep", "o[ck]t", "nov", "de[sc]"]
_DAY_MONTH = re.compile(r"\b(\d{1,2})\.\s*(" + "|".join(f"{m}\\w*" for m in _MONTHS) + r")", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(?:\d{2,4})?")
_NUMBER_WORDS = {
    "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "sju": 7, "syv": 7, "åtte": 8, "ni": 9, "ti": 10,
    "elleve": 11, "tolv": 12, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_COUNTED = re.compile(r"\b(\d{1,4}|" + "|".join(_NUMBER_WORDS) + r")\s+([a-zæøå]{3,})", re.IGNORECASE)


@dataclass(frozen=True)
class Contradiction:
    """A user document's sentence and the knowledge base's sentence that disagree on one fact;
    the indexes point into the passages given to ``find_contradiction``. ``user_claims`` are all
    the user documents' sentences that disagree with the knowledge base's (the quoted one too)."""

    kind: Kind
    user_passage: int
    user_sentence: str
    knowledge_passage: int
    knowledge_sentence: str
    user_claims: frozenset[str]


def question_kinds(question: str) -> list[Kind]:
    return [kind for kind, pattern in _QUESTION.items() if pattern.search(question)]


def _amount(number: str, multiplier: str | None) -> int:
    if multiplier:
        return round(float(number.replace(" ", "").replace(",", ".")) * _MULTIPLIER[multiplier[:4].lower()])
    return int(re.sub(r"\D", "", number))


def facts(sentence: str, kind: Kind) -> Facts:
    """The facts of one kind a sentence states, by what they are about: {"kr": {200000}},
    {"year": {2022}, "day": {(15, 2)}}, {"prins": {8}}. Empty when it states none."""
    if not _SUBJECT[kind].search(sentence):
        return {}
    money = [_amount(m["pre"] or m["num"], m["premul"] or m["mul"]) for m in _MONEY.finditer(sentence)]
    if kind == "money":
        found = set(money) | ({0} if _FREE.search(sentence) else set())
        return {"kr": frozenset(found)} if found else {}
    rest = _MONEY.sub(" ", sentence)
    if kind == "date":
        dated = {
            "year": frozenset(int(y) for y in _YEAR.findall(rest)),
            "day": frozenset((int(d), _month(m)) for d, m in _DAY_MONTH.findall(rest))
            | frozenset((int(d), int(m)) for d, m in _NUMERIC_DATE.findall(rest) if 1 <= int(m) <= 12),
        }
        return {key: values for key, values in dated.items() if values}
    counted: dict[str, set[int]] = {}
    for number, noun in _COUNTED.findall(_YEAR.sub(" ", rest)):
        value = int(number) if number.isdigit() else _NUMBER_WORDS[number.lower()]
        counted.setdefault(noun.lower()[:5], set()).add(value)
    return {noun: frozenset(values) for noun, values in counted.items()}


def _month(name: str) -> int:
    return next(n for n, pattern in enumerate(_MONTHS, start=1) if re.match(pattern, name, re.IGNORECASE))


def disagree(a: Facts, b: Facts) -> bool:
    """True when both state something about the same thing and share no value for it."""
    return any(not (a[key] & b[key]) for key in a.keys() & b.keys())


def _best_sentence(query_terms: set[str], passages: Sequence[tuple[int, str]],
                   kind: Kind) -> tuple[int, str, Facts] | None:
    best, best_score = None, 0.0
    for rank, (index, text) in enumerate(passages):
        for sentence, _ in data_units(text):
            found = facts(sentence, kind)
            if not found:
                continue
            score = (count_matches(query_terms, set(terms(sentence))) + 1) / (1 + 0.35 * rank)
            if score > best_score:
                best, best_score = (index, sentence, found), score
    return best


def find_contradiction(question: str, passages: Sequence[tuple[str, bool]]) -> Contradiction | None:
    """``passages`` are (text, from a user document?) ranked best first. For each kind of fact the
    question asks for, the best user-document sentence stating one is compared with the best
    knowledge-base sentence; the first pair that disagrees is returned."""
    query_terms = set(terms(question))
    user = [(i, text) for i, (text, is_user) in enumerate(passages) if is_user]
    knowledge = [(i, text) for i, (text, is_user) in enumerate(passages) if not is_user]
    if not user or not knowledge:
        return None
    for kind in question_kinds(question):
        mine, known = _best_sentence(query_terms, user, kind), _best_sentence(query_terms, knowledge, kind)
        if mine and known and disagree(mine[2], known[2]):
            claims = frozenset(
                sentence for _, text in user for sentence, _ in data_units(text)
                if disagree(facts(sentence, kind), known[2])
            )
            return Contradiction(kind, mine[0], mine[1], known[0], known[1], claims)
    return None
