"""The no-LLM answer: the sentences, list items and table rows that answer the question, scored
on their own (stored sentence vectors, lexical match, the kind of fact asked for), each with its
citation number. Pure functions, so they get fast unit tests."""

from __future__ import annotations

import base64
import hashlib
import math
import os
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

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
    r"|\byou\s+(must|should|shall|will)\s+(always|never|only)\s+(say|answer|reply|respond|claim|state|tell|write|"
    r"mention)"
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
            unit = "\n".join(line for line in unit.split("\n")
                             if not is_instruction(line) and _LIST_ITEM.sub("", line).strip() not in leave_out)
        elif is_instruction(unit):
            continue
        if unit and unit not in leave_out:
            kept.append((unit, is_list))
    return kept


def source_text(text: str) -> str:
    """A passage as the sources panel shows it: without instructions to the assistant and without
    the knowledge base's notes on how the assistant should answer."""
    return drop_instructions(text, leave_out=[unit for unit, _ in split_units(text) if is_guidance(unit)])


def drop_instructions(text: str, leave_out: Collection[str] = ()) -> str:
    """The text without instructions to the assistant (and without the units in ``leave_out``);
    text without any is returned unchanged."""
    units = data_units(text, leave_out)
    if units == split_units(text):
        return text
    return re.sub(r" ?\n ?", "\n", " ".join(f"\n{unit}\n" if is_list else unit for unit, is_list in units)).strip()


@lru_cache(maxsize=2)
def _stemmer(lang: str = "nb"):
    import Stemmer

    return Stemmer.Stemmer("english" if lang == "en" else "norwegian")


@lru_cache(maxsize=2)
def _stopwords(lang: str = "nb") -> frozenset[str]:
    """Words that carry no fact. English text gets English ones (an English question's «was», «did»,
    «many» matched every English sentence), Norwegian text the Bokmål list and Nynorsk forms."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_NORWEGIAN

    extra = {"kva", "kven", "korleis", "kvifor", "eg", "ikkje", "hvordan", "hva", "hvem", "hvilke", "hvilken",
             "what", "who", "which", "how", "the", "and", "is", "are", "of", "in", "a", "an", "to", "does", "do",
             "gnist", "kan", "vi", "hvilket", "kva for", "kvar", "hvor", "it", "can", "that", "this", "for",
             "with", "about", "me", "my", "our", "we", "you", "gikk", "går", "gå", "het", "heter", "heitte", "handlet",
             "handla", "ble", "vart", "blir", "får", "fikk", "fekk", "kor", "mykje", "many", "much"}
    if lang == "en":
        # «won» is a content word here («Who won in Lund?»): its synonyms find «vinner».
        return (frozenset(STOPWORDS_EN_PLUS) - {"won"}) | extra
    return frozenset(STOPWORDS_NORWEGIAN) | extra


def terms(text: str, lang: str = "nb") -> list[str]:
    """The text's content words, stemmed, in the text's language (English: the English stemmer)."""
    stopwords = _stopwords(lang)
    words = [w.lower() for w in _WORD.findall(text)]
    return _stemmer(lang).stemWords([w for w in words if w not in stopwords and len(w) > 1])


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


PREFIX_TAIL = 3  # letters a word form may differ by at its end (Norwegian inflection and derivation)


def _related(a: str, b: str) -> bool:
    """Forms of one word (koster/kostnad, utvalget/utvalgte): a shared start of 5 letters or more
    that leaves at most a short ending of the shorter word. Two compounds that share only their
    first part name different things (søknadsfrist/søknadsportal)."""
    shared = len(os.path.commonprefix([a, b]))  # noqa: RUF071 - letters of words are meant
    return shared >= 5 and shared >= min(len(a), len(b)) - PREFIX_TAIL


def count_matches(query_terms: Collection[str], unit_terms: set[str]) -> int:
    """Exact stem matches, plus other forms of the same word (see ``_related``)."""
    return sum(1 for q in query_terms if q in unit_terms or any(_related(q, t) for t in unit_terms))


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


# -- answer pieces: sentences, list items and table rows --------------------------------------

PieceKind = Literal["sentence", "item", "row"]
# Lettered clauses in plans and regulations: "a) Minimum 200 m² for enebolig".
_LETTERED = re.compile(r"^\s*[a-zæøå]\)\s+")
_NUMBERING = re.compile(r"^\s*(?:(?:§|tabell|figur|kapittel|del)\s*)?\d+(?:\.\d+)*\.?:?\s+", re.IGNORECASE)
_TERMINAL = tuple(".!?:;»\"")
# Notes in the knowledge base on how the assistant should answer: guidance, never an answer or a source text.
_GUIDANCE = re.compile(r"(?<![-\w])assistenten\b|\btiltak for kunnskapsbasen\b", re.IGNORECASE)
# A sentence about the text itself («Dette er vår egen oppsummering av Lund-casen.», «Vår tolkning
# er at …», «This is our own summary»): it may qualify a fact in the same sentence, never be one.
_META = re.compile(
    r"\b(?:dette|det|her|this|that)\s+(?:er|var|is|was)\s+|\b(?:vår|vårt|våre|vi|our|we)\s+(?:egen\s+|eige?n?\s+|"
    r"own\s+)?"
    r"(?:oppsummering|samandrag|tolkning|tolking|vurdering|formulering|lesning|summary|interpretation|reading|"
    r"assessment|wording|mener|meiner|think)\w*|\b(?:er|is)\s+at\b|\b(?:gjengitt|attgitt|given)\s+(?:med|in)\s+"
    r"(?:egne|eigne|our)\s+(?:ord|words)|\bav\b|\bof\b|\bi\b|\bin\b|\bom\b|\babout\b",
    re.IGNORECASE,
)
_META_MARKER = re.compile(r"\b(?:vår|vårt|våre|our)\s+(?:egen\s+|eigen\s+|own\s+)?(?:oppsummering|samandrag|tolkning|"
                          r"tolking|vurdering|formulering|summary|interpretation|assessment)", re.IGNORECASE)
_OWN_TEXT = re.compile(r"^\s*(?:dette|det|her|this|that|here)\s+(?:er|is|are)\s+(?:vår|vårt|våre|our)\s+(?:egen|eiga|"
                       r"eige|eigen|own)\b",
                       re.IGNORECASE)
HEADING_WORDS = 10
PIECE_VECTORS = "piece_vectors"  # chunk metadata: answer_pieces' vectors, see encode_vectors
WRAPPED_LINE_CHARS = 70


@dataclass(frozen=True)
class Piece:
    """One answer candidate. ``context`` is what it stands under (a heading, a list's introduction,
    a table's header row): it helps scoring and citing, and is never emitted as a sentence."""

    text: str
    kind: PieceKind
    context: str = ""
    group: int = 0  # consecutive items or rows under one header share a group: a list
    introduced: bool = False  # the context is the sentence that introduces the list ("Disse kan søke:")

    @property
    def embedding_text(self) -> str:
        return f"{self.context}: {self.text}" if self.context else self.text


def is_guidance(text: str) -> bool:
    """A note to the assistant in the knowledge base («Svar fra assistenten: …»)."""
    return bool(_GUIDANCE.search(text))


def is_meta(sentence: str) -> bool:
    """A sentence that only says what kind of text this is (our summary, our reading) and of what:
    without the meta words, nothing but names, numbers and «case» is left."""
    if _OWN_TEXT.match(sentence):
        return True
    if not _META_MARKER.search(sentence):
        return False
    rest = _META.sub(" ", sentence)
    content = [w for w in _WORD.findall(rest) if not w[0].isupper() and not w.isdigit()
               and not w.lower().endswith(("casen", "case", "caset")) and w.lower() not in _stopwords()]
    return len(content) < 2


def _is_item(line: str) -> bool:
    return bool(_LIST_ITEM.match(line) or _LETTERED.match(line))


def _has_data(line: str) -> bool:
    """Digits beyond a leading section number ("5.1", "§ 7"): a value, as in a table row."""
    return bool(re.search(r"\d", _NUMBERING.sub("", line)))


def _is_heading(line: str) -> bool:
    stripped = line.strip()
    if stripped.startswith("#") or re.fullmatch(r"\*\*[^*]+\*\*:?", stripped):
        return True
    return (not stripped.endswith(_TERMINAL) and len(stripped.split()) <= HEADING_WORDS
            and not _has_data(stripped))


def _logical_lines(paragraph: str) -> list[str]:
    """PDF lines joined where a sentence wraps: the line lacks an ending and the next one goes on
    in lower case, or the line is full width. Short lines without an ending stay apart: they are
    headings, list items or table rows."""
    lines: list[str] = []
    for raw in paragraph.split("\n"):
        line = raw.strip()
        if not line:
            continue
        previous = lines[-1] if lines else ""
        wraps = previous and not previous.endswith(_TERMINAL) and not _is_item(line) and (
            line[0].islower() or (len(previous) >= WRAPPED_LINE_CHARS
                                  # a full line with a figure in it wraps too when it stops mid-phrase
                                  # («… en nærlekeplass på minst» / «150 m².»); a table row ends in a value
                                  and (not _has_data(previous) or previous.split()[-1].isalpha()))
            or (raw.startswith((" ", "\t")) and _is_item(previous)))
        if wraps:
            lines[-1] = f"{previous} {line}"
        else:
            lines.append(line)
    return lines


def answer_pieces(text: str) -> list[Piece]:
    """The passage's sentences, list items and table rows, each with its context. Headings and
    the sentence that introduces a list (ending in ':') become context only."""
    pieces: list[Piece] = []
    heading = ""
    introduced = False
    after_heading = False  # headings in a row nest: "4 Parkering", "Tabell 2: …", "Boligtype Bil Sykkel"
    group = 0
    # Paragraph breaks do not end a context: "Disse kan søke DIP:", a blank line, then the list.
    lines = [line for paragraph in re.split(r"\n\s*\n", text) for line in _logical_lines(paragraph)]
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        was_heading, after_heading = after_heading, False
        if _is_item(line):
            item = _LETTERED.sub("", _LIST_ITEM.sub("", line)).strip()
            if not pieces or pieces[-1].kind != "item" or pieces[-1].context != heading:
                group += 1
            pieces.append(Piece(item, "item", heading, group, introduced))
            continue
        if not line.endswith(_TERMINAL) and len(line.split()) <= 2 * HEADING_WORDS and _has_data(line):
            if not pieces or pieces[-1].kind != "row" or pieces[-1].context != heading:
                group += 1
            pieces.append(Piece(line, "row", heading, group))
            continue
        if _is_heading(line) and following:
            title = line.strip("#* :").strip()
            heading = f"{heading} – {title}" if was_heading and heading else title
            introduced, after_heading = False, True
            continue
        sentences = [s.strip() for s in _SENTENCE_END.split(line) if s.strip()]
        introduced = False
        if sentences and sentences[-1].endswith(":") and following and (_is_item(following) or _has_data(following)):
            heading = sentences.pop()[:-1].strip()  # introduces the list or table that follows
            introduced = True
        for sentence in sentences:
            group += 1
            pieces.append(Piece(sentence, "sentence", heading, group))
    return pieces


def _fingerprint(pieces: list[Piece]) -> str:
    return hashlib.sha1("\x00".join(p.embedding_text for p in pieces).encode(), usedforsecurity=False).hexdigest()[:12]


def encode_vectors(pieces: list[Piece], vectors) -> str:
    """Piece vectors stored with their chunk (float16, base64), behind a fingerprint of the
    pieces: queries need no embedding work, and vectors never meet pieces split another way."""
    data = base64.b64encode(np.asarray(vectors, dtype=np.float16).tobytes()).decode("ascii")
    return f"{_fingerprint(pieces)}:{data}"


def decode_vectors(encoded: str, pieces: list[Piece]) -> np.ndarray | None:
    """The stored vectors of ``pieces``, or None when they were stored for other pieces."""
    fingerprint, _, data = encoded.partition(":")
    if not pieces or fingerprint != _fingerprint(pieces):
        return None
    return np.frombuffer(base64.b64decode(data), dtype=np.float16).reshape(len(pieces), -1).astype(np.float32)


# -- question types ---------------------------------------------------------------------------

QuestionType = Literal["count", "amount", "time", "who", "which"]
_QUESTION_TYPES: list[tuple[QuestionType, re.Pattern]] = [
    ("count", re.compile(r"\b(hvor mange|kor mange|how many|antall|talet på)\b", re.IGNORECASE)),
    ("amount", re.compile(r"\b(hvor mye|kor mykje|how much|kost\w*|pris\w*|avgift\w*|beløp\w*|cost\w*|fee)\b|\bm²",
                          re.IGNORECASE)),
    ("time", re.compile(r"\b(når|kva tid|når|when|frist\w*|dato|deadline|hvor lenge|kor lenge|how long)\b",
                        re.IGNORECASE)),
    ("who", re.compile(r"\b(hvem|kven|who)\b", re.IGNORECASE)),
    ("which", re.compile(r"\b(hvilke|hvilken|hvilket|kva for|kva slags|which)\b", re.IGNORECASE)),
]
_AMOUNT = re.compile(r"\d[\d  .,]*\s*(kr\b|kroner|nok\b|mill|prosent|%|m²|kvm|timer|dager|uker|måneder)|\bkr\.?\s*\d|"
                     r"\bgratis\b",
                     re.IGNORECASE)
_DATE = re.compile(r"\b(19|20)\d\d\b|\b(januar|februar|mars|april|mai|juni|juli|august|september|oktober|november"
                   r"|desember|våren|høsten|vinteren|sommeren|uke \d+)\b", re.IGNORECASE)


_MONTHS = ("januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember|january|february|"
           "march|may|june|july|october|december")
_CALENDAR = re.compile(rf"\b\d{{1,2}}\.?(?:\s*[-–]\s*\d{{1,2}}\.?)?\s+(?:{_MONTHS})\b|\b(?:19|"
                       rf"20)\d\d(?:\s*[-–]\s*\d\d(?:\d\d)?)?\b",
                       re.IGNORECASE)
# Words after «hvor mange» that are not what is counted («Hvor mange var det?», «How many took part?»).
_VERBS_AFTER_COUNT = frozenset({"var", "er", "ble", "vart", "blir", "har", "hadde", "fikk", "fekk", "deltok", "kom",
                                "søkte", "were", "are", "was", "did", "do", "does", "have", "had", "took", "applied",
                                "came", "got"})
# «Hvor mange deltok …?» counts the people who took part.
_PARTICIPATING = frozenset({"deltok", "deltek", "deltar", "deltatt", "attended", "participated", "joined", "took"})
_PARTICIPANTS = "personer personar deltakere deltakarar people participants persons"
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_NUMBER_WORD = re.compile(r"\b(en|ei|ett|eitt|to|tre|fire|fem|seks|sju|åtte|ni|ti|elleve|tolv|tjue|hundre|one|two|"
                          r"three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred)\b", re.IGNORECASE)


_COUNTED = re.compile(r"\b(?:hvor mange|kor mange|how many|antall|talet på|"
                      r"number of)\s+([\wæøåÆØÅ-]+)(?:\s+([\wæøåÆØÅ-]+))?",
                      re.IGNORECASE)
# A number and the (up to two) words after it: «32 søknader», «14 follower municipalities».
_COUNT_VALUE = re.compile(rf"(?:\d[\d  ]*|{_NUMBER_WORD.pattern.replace('(', '(?:')})"
                          r"\s+([\wæøåÆØÅ-]+)(?:\s+([\wæøåÆØÅ-]+))?",
                          re.IGNORECASE)


def counted_words(question: str) -> tuple[str, ...]:
    """The words naming what a «hvor mange» question counts: the word after it, and the next one
    when the first qualifies it («how many follower municipalities»). None after a verb or a
    function word («Hvor mange var det?», «Hvor mange av dem …»)."""
    match = _COUNTED.search(question)
    if not match or match.group(1).lower() in _VERBS_AFTER_COUNT | _PARTICIPATING:
        return ()
    words = [word for word in match.groups() if word and word.lower() not in _VERBS_AFTER_COUNT]
    # «how many Gnist municipalities»: a name qualifies the noun after it; «av dem» names nothing
    return tuple(words) if any(terms(word) and terms(word, "en") for word in words) else ()


def counted_terms(question: str, lang: str = "nb") -> frozenset[str]:
    """The stems of what a «hvor mange» question counts; «Hvor mange deltok» counts people."""
    match = _COUNTED.search(question)
    if match and match.group(1).lower() in _PARTICIPATING:
        return frozenset(terms(_PARTICIPANTS, lang))
    return frozenset(t for word in counted_words(question) for t in terms(word, lang))


def counts(text: str, counted: frozenset[str], lang: str = "nb") -> bool:
    """Does the text give a number of the counted thing («32 søknader», «About **300 people**»)?"""
    plain = _CALENDAR.sub(" ", text.replace("*", ""))
    return any(_matches(counted, set(terms(" ".join(w for w in match.groups() if w), lang)))
               for match in _COUNT_VALUE.finditer(plain))


def question_type(question: str) -> QuestionType | None:
    """What kind of fact the question asks for; None for open questions (what is, how, why)."""
    return next((kind for kind, pattern in _QUESTION_TYPES if pattern.search(question)), None)


def carries(kind: QuestionType | None, text: str) -> bool:
    """Does the text carry the kind of fact the question asks for?"""
    if kind == "count":
        # A date or a year says when, not how many («1. desember 2021» does not answer «hvor mange»).
        return bool(re.search(r"\d", _CALENDAR.sub(" ", text)) or _NUMBER_WORD.search(text))
    if kind == "amount":
        return bool(_AMOUNT.search(text))
    if kind == "time":
        return bool(_DATE.search(text))
    if kind in ("who", "which"):
        return bool(_CAPITALISED.search(text))
    return False


# -- choosing the answer ----------------------------------------------------------------------

# Scores are cosine-like: semantic similarity (e5 scores cluster in 0.75-0.9) plus smaller lexical,
# question-type and heading terms. Units within KEEP_MARGIN of the best are kept.
LEXICAL_WEIGHT = 0.12
TYPE_WEIGHT = 0.025
CONTEXT_WEIGHT = 0.02
RANK_PENALTY = 0.004
KEEP_MARGIN = 0.012
FACT_MARGIN = 0.05  # how far below the best a sentence carrying the asked-for fact may score
NO_VECTOR_BASE = 0.8  # stands in for the semantic score where a passage has no stored vectors
MAX_UNITS = 4
MAX_FACT_UNITS = 3
MAX_WORDS = 130
DUPLICATE_OVERLAP = 0.6
MIN_UNIT_CHARS = 12


@dataclass
class Unit:
    passage_rank: int  # 0-based rank of the passage in the retrieval result
    number: int  # citation number shown to the user
    position: int
    text: str
    is_list: bool = False
    score: float = 0.0
    lead: str = ""  # the sentence a referring one («Samme år …») is shown after; not scored as its own


@dataclass
class Passage:
    number: int
    text: str
    heading: str = ""
    vectors: str = ""  # encode_vectors() of answer_pieces(text), stored at ingest


# Question words that the sources say differently, and English words for Norwegian sources:
# added to the question's terms for lexical matching only.
_SYNONYMS = {
    **dict.fromkeys(("vant", "vann", "vinne", "won", "win", "winner", "winners", "winning"), "vinner vinnerkonsept"),
    **dict.fromkeys(("cost", "costs", "price", "fee", "koste", "koster", "kostet", "kostar", "kosta"),
                    "koster kostnad avgift deltakeravgift"),
    **dict.fromkeys(("apply", "applies", "application", "søkje", "søkjer"), "søke søknad"),
    **dict.fromkeys(("concept", "concepts"), "konsept"),
    **dict.fromkeys(("municipality", "municipalities", "kommunar"), "kommune kommuner"),
    **dict.fromkeys(("deadline", "deadlines", "fristen", "fristar"), "frist søknadsfrist"),
    **dict.fromkeys(("principles", "prinsippa"), "prinsipper"),
    **dict.fromkeys(("roadmap",), "veikart"),
    **dict.fromkeys(("chosen", "selected", "selection"), "valgt utvalg"),
    **dict.fromkeys(("together", "saman"), "sammen"),
    **dict.fromkeys(("county",), "fylkeskommune"),
}


def question_terms(question: str, lang: str = "nb") -> dict[str, frozenset[str]]:
    """The question's terms, each with the stems that count as a match for it (itself and its
    synonyms)."""
    grouped: dict[str, frozenset[str]] = {}
    for word in _WORD.findall(question):
        stems = terms(word, lang)
        if stems:
            grouped[stems[0]] = frozenset(stems + terms(_SYNONYMS.get(word.lower(), ""), lang))
    return grouped


def _term_weights(query_terms: dict[str, frozenset[str]], term_sets: list[set[str]]) -> dict[frozenset[str], float]:
    """Rarer terms among the candidates weigh more: "enebolig" beats "uteoppholdsareal" when every
    sentence of the section says "uteoppholdsareal"."""
    return {alternatives: math.log(1 + (len(term_sets) + 1) / (1 + sum(_matches(alternatives, ts) for ts in term_sets)))
            for alternatives in set(query_terms.values())}


def _matches(alternatives: frozenset[str], unit_terms: set[str]) -> bool:
    """A question term (or a synonym) occurs, also as the start of a compound ("delt" in
    "deltakeravgift"), or shares a 5-letter prefix ("koster"/"kostnad")."""
    return any(q in unit_terms or (len(q) >= 4 and any(t.startswith(q) for t in unit_terms))
               for q in alternatives) or count_matches(alternatives, unit_terms) > 0


def _share(weights: dict[frozenset[str], float], unit_terms: set[str]) -> float:
    total = sum(weights.values())
    return sum(w for alternatives, w in weights.items() if _matches(alternatives, unit_terms)) / total if total else 0.0


# A sentence that starts with one of these refers back to the sentence before it («Den ble utviklet
# av Design Council.» after «Dobbel diamant er en prosessmodell.»): it is scored with that sentence's
# words and shown after it, never alone, unless it starts with a word that is as often a dummy
# subject («Det kom 32 søknader.», «It is wise to …»).
_REFERRING = re.compile(r"^(den|det|denne|dette|han|hun|ho|de|dei|disse|desse|it|he|she|they|this|these|"
                        r"samme|same|that)\b", re.IGNORECASE)
_DUMMY_SUBJECT = re.compile(r"^(det|it)\b", re.IGNORECASE)


def select_units(query: str, given: Sequence[Passage | tuple[int, str, str]], leave_out: Collection[str] = (),
                 query_vector=None, lang: str = "nb") -> list[Unit]:
    """The sentences, items or rows that answer the question, best first by score, then in reading
    order. The ``given`` passages are ranked best first; units in ``leave_out`` are never picked. A unit is
    kept for its own score only, never because it sits next to a good one; words are matched in
    the asker's language ``lang`` (its stemmer and stop words)."""
    passages = [p if isinstance(p, Passage) else Passage(*p) for p in given]
    kind = question_type(query)
    query_terms = question_terms(query, lang)
    candidates: list[tuple[Unit, Piece, float | None]] = []
    # Each candidate's words: its own, a list item's or row's header's, and for a sentence that
    # refers back, the words of the sentence it refers to.
    words: list[set[str]] = []
    for rank, passage in enumerate(passages):
        pieces = answer_pieces(passage.text)
        vectors = decode_vectors(passage.vectors, pieces) if query_vector is not None else None
        previous: Piece | None = None
        for position, piece in enumerate(pieces):
            referred, previous = previous, piece
            if (len(piece.text) < MIN_UNIT_CHARS or piece.text in leave_out or is_instruction(piece.text)
                    or is_guidance(piece.text) or is_guidance(piece.context) or is_meta(piece.text)):
                continue
            similarity = None
            if vectors is not None and query_vector is not None:
                similarity = float(vectors[position] @ query_vector)
            # A table row is read with its header row ("Boligtype Bil Sykkel: Enebolig 2,0 2"), a
            # list item with the sentence that introduces it ("Disse kan søke DIP: etablerte …").
            text = piece.text
            if piece.kind == "row" and piece.context:
                text = f"{piece.context.split(' – ')[-1]}: {piece.text}"
            elif piece.introduced:
                text = f"{piece.context}: {piece.text}"
            refers_back = (piece.kind == "sentence" and referred is not None and referred.kind == "sentence"
                           and referred.context == piece.context and bool(_REFERRING.match(piece.text)))
            lead = referred.text if refers_back and referred and not _DUMMY_SUBJECT.match(piece.text) else ""
            candidates.append((Unit(rank, passage.number, position, text, lead=lead), piece, similarity))
            # A list item or table row means what it means under its header.
            own = f"{text} {piece.context}" if piece.kind != "sentence" else text
            if refers_back and referred is not None:
                own = f"{referred.text} {own}"
            words.append(set(terms(own, lang)))
    if not candidates:
        return []
    weights = _term_weights(query_terms, [set(terms(piece.embedding_text, lang)) for _, piece, _ in candidates])
    for (unit, piece, similarity), unit_words in zip(candidates, words, strict=True):
        passage = passages[unit.passage_rank]
        lexical = _share(weights, unit_words)
        context = _share(weights, set(terms(f"{passage.heading} {piece.context}", lang)))
        unit.score = ((NO_VECTOR_BASE if similarity is None else similarity) + LEXICAL_WEIGHT * lexical
                      + CONTEXT_WEIGHT * context + TYPE_WEIGHT * carries(kind, unit.text)
                      - RANK_PENALTY * unit.passage_rank)
    units = _under_asked_heading(candidates, weights, lang)
    counted = counted_terms(query, lang) if kind == "count" else frozenset()
    years = set(_YEAR.findall(query))
    counting = [unit for unit, piece, _ in candidates if counted and unit in units and counts(unit.text, counted, lang)
                # the count of the round asked about, not of another one («32 søknader» is 2022's)
                and years <= set(_YEAR.findall(f"{passages[unit.passage_rank].heading} {piece.context} {unit.text}"))]
    if counting:
        # «Hvor mange søknader …?» is answered by «32 søknader», however much closer in meaning a
        # sentence about the application portal's opening date is.
        units = counting
    elif kind in ("count", "amount", "time"):
        # A number, amount or date close enough to the best answers the question; a sentence
        # without one, however similar, does not.
        best = max(unit.score for unit in units)
        carrying = [u for u in units if carries(kind, u.text) and u.score >= best - FACT_MARGIN]
        units = carrying or units
    elif kind in ("which", "who"):
        # "Hvem vant på Utsira?": a sentence that only names the subject every passage is about
        # ("Utsira i Rogaland er …") does not answer; one with the asked-for terms ("vinneren") does,
        # and so does a list whose introduction or items have them.
        asked = _asked_terms(query_terms, [f"{passages[u.passage_rank].heading} {p.context}" for u, p, _ in candidates],
                             lang)
        answering = [unit for (unit, _, _), unit_words in zip(candidates, words, strict=True)
                     if any(_matches(alternatives, unit_words) for alternatives in asked)]
        lists = _whole_lists(candidates, passages)
        if answering:
            lists = [unit for unit in lists if any(_matches(alternatives, set(terms(unit.text, lang)))
                                                   for alternatives in asked)]
        if kind == "who":
            # «Hvem utviklet …?» is answered by a sentence with the asked-for terms that names someone,
            # as «hvor mange» by a number; a closer sentence that names no one does not answer it.
            answering = [unit for unit in answering if carries(kind, unit.text)] or answering
        units = (answering or units) + lists
    return _choose(units, MAX_FACT_UNITS if kind in ("count", "amount", "time", "who") else MAX_UNITS, lang)


def _asked_terms(query_terms: dict[str, frozenset[str]], contexts: list[str], lang: str = "nb") -> list[frozenset[str]]:
    """The question's terms apart from its subject: those not in most of the candidates' headings."""
    context_terms = [set(terms(context, lang)) for context in contexts]
    return [alternatives for alternatives in set(query_terms.values())
            if 2 * sum(_matches(alternatives, c) for c in context_terms) < len(context_terms)]


def _under_asked_heading(candidates, weights: dict[frozenset[str], float], lang: str = "nb") -> list[Unit]:
    """A provision written once per zone or building type («Innenfor sentrumsformål: … 25 m²»,
    «Øvrige områder: … 100 m²») is answered from the one under the heading the question names:
    of two near-identical lines, the one whose own heading matches less of the question goes."""
    own = [set(terms(unit.text, lang)) for unit, _, _ in candidates]
    named = [_share(weights, set(terms(piece.context, lang)) - words) if piece.context else 0.0
             for (_, piece, _), words in zip(candidates, own, strict=True)]
    kept = []
    for i, (unit, piece, _) in enumerate(candidates):
        siblings = [j for j in range(len(candidates)) if j != i and candidates[j][0].passage_rank == unit.passage_rank
                    and candidates[j][1].context != piece.context and _overlap(own[i], own[j]) > DUPLICATE_OVERLAP]
        if any(named[j] > named[i] for j in siblings):
            continue
        if siblings and piece.kind == "sentence":  # the line means what it means under its heading
            unit.text = f"{piece.context.split(' – ')[-1]}: {unit.text}"
        kept.append(unit)
    return kept


def _whole_lists(candidates, passages: list[Passage]) -> list[Unit]:
    """For "hvilke …" and "hvem …": each list (items under one header) as one unit, scored by its best item."""
    groups: dict[tuple[int, int], list[tuple[Unit, Piece]]] = {}
    for unit, piece, _ in candidates:
        if piece.kind == "item":
            groups.setdefault((unit.passage_rank, piece.group), []).append((unit, piece))
    lists = []
    for (rank, _), members in groups.items():
        if len(members) < 2:
            continue
        first = members[0][1]
        body = "\n".join(f"- {piece.text}" for _, piece in members)
        text = f"{first.context}:\n{body}" if first.introduced else body
        best = max(unit.score for unit, _ in members)
        lists.append(Unit(rank, passages[rank].number, members[0][0].position, text, True, best + TYPE_WEIGHT))
    return lists


def _choose(candidates: list[Unit], limit: int, lang: str = "nb") -> list[Unit]:
    by_score = sorted(candidates, key=lambda u: u.score, reverse=True)
    best = by_score[0].score
    chosen: list[Unit] = []
    chosen_terms: list[set[str]] = []
    words = 0
    for unit in by_score:
        if unit.score < best - KEEP_MARGIN or len(chosen) >= limit:
            break
        unit_terms = set(terms(unit.text, lang))
        unit_words = len(unit.text.split())
        if chosen and words + unit_words > MAX_WORDS:
            continue
        if any(_overlap(unit_terms, other) > DUPLICATE_OVERLAP for other in chosen_terms):
            continue  # a repeat, or an item of a list already chosen whole
        chosen.append(unit)
        chosen_terms.append(unit_terms)
        words += unit_words
    return sorted(chosen, key=lambda u: (u.passage_rank, u.position))


def _sentence(text: str) -> str:
    return text if text[-1] in ".!?:»\"" else text + "."


def compose(units: list[Unit]) -> str:
    """Running sentences become one paragraph per passage; list blocks keep their bullets."""
    parts: list[str] = []
    current_rank = None
    shown: set[tuple[int, int]] = set()
    for unit in units:
        shown.add((unit.passage_rank, unit.position))
        if unit.is_list:
            parts.append(f"\n{unit.text} [{unit.number}]\n")
            current_rank = None
            continue
        sentence = _sentence(unit.text)
        if unit.lead and (unit.passage_rank, unit.position - 1) not in shown:
            sentence = f"{_sentence(unit.lead)} {sentence}"  # «Samme år …» after the year it means
        if current_rank == unit.passage_rank and parts:
            parts[-1] += f" {sentence} [{unit.number}]"
        else:
            parts.append(f"{sentence} [{unit.number}]")
        current_rank = unit.passage_rank
    return "\n\n".join(p.strip() for p in parts if p.strip())
