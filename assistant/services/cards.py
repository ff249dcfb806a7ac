"""Curated answer cards: short, checked answers to the questions newcomers ask first.

A card is one Markdown file in ``knowledge/cards/`` (format in ``knowledge/cards/README.md``):
YAML front matter with the round it holds for, the date it was last checked, the knowledge
sections it rests on and paraphrases of the question; then the answer under ``## nb``, ``## nn``
and ``## en``. Cards are never indexed as knowledge chunks. A question close enough to one of a
card's paraphrases (cosine similarity plus a small lexical share, with a threshold and a margin
over the runner-up calibrated by ``scripts/calibrate_cards.py``) gets the card in the question's
language; anything else goes to retrieval.

Every card is validated when loaded; a broken card is named with its reason (an ``IngestError``)
while the other cards load. The check that matters most: each number and each name in an answer
must occur in the sections the card cites.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import cast

import numpy as np

from assistant.adapters.embedding_cache import embed_texts
from assistant.catalog import BUILT_IN, TextCatalog
from assistant.ingest.loaders import DEFAULT_LIMITS, IngestError, LoadedDocument, _front_matter, load_markdown
from assistant.services.language import LANGUAGES, Lang

log = logging.getLogger(__name__)

CARDS_FOLDER = "cards"  # under the knowledge dir
MIN_WORDS, MAX_WORDS = 40, 120
MIN_PARAPHRASES = 6
SNIPPET_CHARS = 300
# Names a card may use without a cited section containing them: the programme, its owner, the
# country, and the languages. Other names must appear in a cited section; NAME_FORMS maps a form
# the sections do not use to the one they use.
# NOK is the currency code English answers write amounts with (NOK 200,000).
GENERIC_NAMES = frozenset({"gnist", "doga", "norge", "noreg", "norway", "norwegian", "bokmål", "nynorsk", "english",
                           "nok"})
NAME_FORMS = {  # English month names: the sections write the Norwegian forms
    "january": "januar", "february": "februar", "march": "mars", "april": "april", "may": "mai", "june": "juni",
    "july": "juli", "august": "august", "september": "september", "october": "oktober", "november": "november",
    "december": "desember",
}
# Written-out numbers count as numbers ("fem kommuner" must match "5" or "fem" in a section).
# "en/ett/ein/one" are left out: they are articles far more often than numbers.
NUMBER_WORDS = {
    "nb": {"to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "sju": 7, "syv": 7, "åtte": 8, "ni": 9, "ti": 10,
           "elleve": 11, "tolv": 12},
    "nn": {"to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "sju": 7, "åtte": 8, "ni": 9, "ti": 10, "elleve": 11,
           "tolv": 12},
    "en": {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
           "eleven": 11, "twelve": 12},
}
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:[ \u00a0.,]\d{3})+(?![\d])|\d+")
_WORD = re.compile(r"[A-Za-zÆØÅæøåÉéÜüÖöÄä]+(?:-[A-Za-zÆØÅæøåÉéÜüÖöÄä]+)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*(?:[-*]|\d+\.)?\s*|[«(\"]\s*)$")
_ANSWER_HEADING = re.compile(r"^##\s+(nb|nn|en)\s*$", re.MULTILINE)
# What a card is about, which decides how its round is shown: a programme rule of an older round
# is framed «Gjaldt Gnist 2022»; history is dated in its text; general method holds across rounds.
KINDS = ("rule", "history", "general")
ROUND = re.compile(r"^(\d{4})(?:–(\d{2}))?$")  # «2022» or «2020–21»
REVIEW_AFTER = dt.timedelta(days=183)  # when a card names no review date: half a year after its check


def round_start(name: str) -> int:
    """The year a round began («2020–21» → 2020), for ordering rounds."""
    match = ROUND.match(name)
    if match is None:
        raise ValueError(f"not a round name: {name!r}")
    return int(match.group(1))


def newest_round(cards: Iterable[Card]) -> str | None:
    """The newest round any card describes: the newest the knowledge base knows."""
    rounds = {r for card in cards for r in card.rounds}
    return max(rounds, key=round_start) if rounds else None


@dataclass(frozen=True)
class CitedSection:
    file: str  # relative to the knowledge dir, e.g. "programmet/delta-i-gnist.md"
    source: str  # the knowledge file's source name as the index knows it
    title: str
    locator: str
    text: str
    links: tuple[str, ...]

    @property
    def snippet(self) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"


@dataclass(frozen=True)
class Card:
    id: str
    path: Path
    round: str
    checked: dt.date
    answers: dict[Lang, str]
    paraphrases: dict[Lang, tuple[str, ...]]
    sections: tuple[CitedSection, ...]
    kind: str = "general"
    rounds: tuple[str, ...] = ()
    review_by: dt.date | None = None

    def older_rule(self, newest: str | None) -> bool:
        """A rule of rounds before the newest known: it may have changed since."""
        return self.kind == "rule" and bool(self.rounds) and newest not in self.rounds

    def overdue(self, today: dt.date) -> bool:
        return (self.review_by or self.checked + REVIEW_AFTER) < today

    def all_paraphrases(self) -> list[str]:
        return [p for lang in LANGUAGES for p in self.paraphrases.get(lang, ())]


@dataclass(frozen=True)
class CardMatch:
    card: Card
    score: float
    paraphrase: str  # the paraphrase closest to the question
    lang: Lang  # the language the answer is shown in
    question: str = ""

    @property
    def text(self) -> str:
        return focused_answer(self.card.answers[self.lang], self.question)


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ0-9«])")


def focused_answer(answer: str, question: str) -> str:
    """A card that goes through several municipalities or programmes one sentence each answers a
    question about some of them with just their sentences («Hva vant i Lebesby?» gets Lebesby's
    winner, not all three). The whole card when the question names none of them, or all."""
    sentences = _SENTENCE_BREAK.split(answer.strip())
    named = [{w.lower() for w, at_start in _capitalised(s) if not at_start} - GENERIC_NAMES for s in sentences]
    in_card = set().union(*named)
    asked = {w.lower() for w in _WORD.findall(question)} & in_card
    if not asked or not in_card - asked:
        return answer
    chosen = [s for s, names in zip(sentences, named) if names & asked]
    # Only when the others are about other names (a card of one story is not cut up), and never
    # down to the lead sentence, which speaks for the whole card.
    others = [names for names in named if names and not names & asked]
    return " ".join(chosen) if len(others) >= 2 and sentences[0] not in chosen else answer


# -- facts in a text: numbers and names ------------------------------------------------------


def numbers_in(text: str, lang: Lang = "nb") -> set[int]:
    """Every number in the text: digits (200 000, 200.000 and 200000 are one number) and the
    written-out numbers two to twelve."""
    found = {int(re.sub(r"\D", "", m.group())) for m in _NUMBER.finditer(text)}
    words = NUMBER_WORDS[lang]
    found |= {words[w] for w in re.findall(r"\w+", text.lower()) if w in words}
    return found


def _capitalised(text: str) -> Iterator[tuple[str, bool]]:
    """(word, at a sentence start) for each capitalised word."""
    for match in _WORD.finditer(text):
        word = match.group()
        if word[0].isupper():
            # What comes just before decides; a whole-text start is an empty window.
            yield word, _SENTENCE_START.search(text[max(0, match.start() - 24): match.start()]) is not None


def known_names(texts: Iterable[str]) -> set[str]:
    """Words written capitalised inside a sentence somewhere and never in lower case (nor English
    or Norwegian stop words): names, not ordinary words that begin a title or a quote."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_NORWEGIAN

    texts = list(texts)
    lower = {w for text in texts for w in _WORD.findall(text) if w.islower()}
    lower |= set(STOPWORDS_EN_PLUS) | set(STOPWORDS_NORWEGIAN)
    return {word for text in texts for word, at_start in _capitalised(text) if not at_start
            and word.lower() not in lower}


def names_in(text: str, names: set[str]) -> set[str]:
    """The names in a text: every capitalised word inside a sentence, and a capitalised word at a
    sentence start when it is a known name (it appears capitalised inside a sentence elsewhere)."""
    return {word for word, at_start in _capitalised(text) if not at_start or word in names}


def _name_occurs(name: str, cited: str) -> bool:
    """``cited`` is lower-case. Genitive and compound forms count: «DOGAs», «Gnist-kommunene»."""
    lowered = name.lower()
    if lowered in GENERIC_NAMES or NAME_FORMS.get(lowered, lowered) in cited:
        return True
    head = lowered.split("-")[0]
    stem = lowered[:-1] if lowered.endswith("s") else lowered
    return any(form in GENERIC_NAMES or form in cited for form in (head, stem))


def unsupported_facts(answer: str, lang: Lang, cited_text: str, names: set[str]) -> list[str]:
    """Numbers and names in ``answer`` that the cited sections do not contain."""
    cited_numbers = numbers_in(cited_text, "nb") | numbers_in(cited_text, "nn")
    missing = [str(n) for n in sorted(numbers_in(answer, lang) - cited_numbers)]
    lowered = cited_text.lower()
    missing += sorted(name for name in names_in(answer, names) if not _name_occurs(name, lowered))
    return missing


# -- loading and validation ------------------------------------------------------------------


class KnowledgeSections:
    """The knowledge files' sections as the ingest loads them, read once per file."""

    def __init__(self, knowledge_dir: Path, source_name, overlay_dir: Path | None = None) -> None:
        self.knowledge_dir = knowledge_dir
        self.overlay_dir = overlay_dir  # knowledge files published in the app, which replace or add to knowledge/
        self._source_name = source_name
        self._documents: dict[str, LoadedDocument | None] = {}

    def _path(self, file: str) -> tuple[Path, Path]:
        if self.overlay_dir is not None and (self.overlay_dir / file).is_file():
            return self.overlay_dir, self.overlay_dir / file
        return self.knowledge_dir, self.knowledge_dir / file

    def document(self, file: str) -> LoadedDocument | None:
        if file not in self._documents:
            root, path = self._path(file)
            inside = path.resolve().is_relative_to(root.resolve())
            try:
                usable = inside and path.is_file()
                # A published file is cited under its knowledge/ name, never its place in the data dir.
                source = self._source_name(path) if root == self.knowledge_dir else f"knowledge/{file}"
                self._documents[file] = load_markdown(path, source, DEFAULT_LIMITS) if usable else None
            except IngestError:
                self._documents[file] = None
        return self._documents[file]

    def texts(self) -> Iterator[str]:
        """The text of every knowledge file's sections (cards excluded)."""
        roots = [self.knowledge_dir, *([self.overlay_dir] if self.overlay_dir and self.overlay_dir.is_dir() else [])]
        files = {path.relative_to(root).as_posix() for root in roots for path in root.rglob("*.md")}
        for file in sorted(files):
            relative = Path(file)
            # Cards rest on the Bokmål originals; translations (name.nn.md, name.en.md) are checked
            # against them at ingest.
            if relative.parts[0] == CARDS_FOLDER or re.search(r"\.(nn|en)\.md$", relative.name):
                continue
            document = self.document(relative.as_posix())
            yield from (section.text for section in document.sections) if document else ()


def _answers(body: str) -> dict[Lang, str]:
    parts = _ANSWER_HEADING.split(body)
    return {cast(Lang, parts[i]): " ".join(parts[i + 1].split()) for i in range(1, len(parts) - 1, 2)}


def as_date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


class CardError(IngestError):
    """A card file that cannot be used; ``str()`` names the file and every reason (Norwegian),
    ``reasons(catalog, lang)`` lists them in a reader's language (the card editor)."""

    def __init__(self, source: str, problems: list[tuple[str, dict]]) -> None:
        self.problems = problems
        super().__init__(source, "ingest.card_invalid", problems="; ".join(self.reasons(BUILT_IN, "nb")))

    def reasons(self, catalog: TextCatalog, lang: str) -> list[str]:
        return [catalog.message(f"cards.{key}", lang, **values) for key, values in self.problems]

    def render(self, prompts: TextCatalog, lang: str) -> str:
        return prompts.message(self.key, lang, problems="; ".join(self.reasons(prompts, lang)))


def parse_card(path: Path, source: str, sections: KnowledgeSections, names: set[str], text: str | None = None) -> Card:
    text = path.read_text(encoding="utf-8") if text is None else text
    meta, body = _front_matter(text, source, DEFAULT_LIMITS)
    problems: list[tuple[str, dict]] = []

    def problem(key: str, **values) -> None:
        problems.append((key, values))

    missing = [key for key in ("round", "checked", "sources", "paraphrases") if not meta.get(key)]
    if missing:
        problem("missing_fields", fields=", ".join(missing))
    checked = as_date(meta.get("checked")) if meta.get("checked") else None
    if meta.get("checked") and checked is None:
        problem("bad_date", value=meta["checked"])
    review_by = as_date(meta.get("review_by")) if meta.get("review_by") else None
    if meta.get("review_by") and review_by is None:
        problem("bad_date", value=meta["review_by"])
    kind = str(meta.get("kind") or "")
    if kind not in KINDS:
        problem("bad_kind", value=kind, kinds=", ".join(KINDS))
    raw_rounds = meta.get("rounds")
    rounds = tuple(str(r).strip() for r in raw_rounds) if isinstance(raw_rounds, list) else ()
    bad_rounds = [r for r in rounds if not ROUND.match(r)]
    if not isinstance(raw_rounds, list) or bad_rounds:
        problem("bad_rounds", items=", ".join(bad_rounds) or str(raw_rounds))
    elif not rounds and kind in ("rule", "history"):
        problem("rounds_needed", kind=kind)
    answers = _answers(body)
    for lang in LANGUAGES:
        if lang not in answers:
            problem("missing_answer", language=lang)
            continue
        count = len(answers[lang].split())
        if not MIN_WORDS <= count <= MAX_WORDS:
            problem("answer_length", language=lang, count=count, low=MIN_WORDS, high=MAX_WORDS)
    raw_paraphrases = meta.get("paraphrases") or {}
    paraphrases = {lang: tuple(str(p).strip() for p in raw_paraphrases.get(lang) or () if str(p).strip())
                   for lang in LANGUAGES} if isinstance(raw_paraphrases, dict) else {}
    total = sum(len(v) for v in paraphrases.values())
    repeated = sorted({p for v in paraphrases.values() for p in v if sum(w.count(p) for w in paraphrases.values()) > 1})
    if repeated:
        problem("repeated_paraphrases", items=", ".join(repeated))
    if meta.get("paraphrases") and (total < MIN_PARAPHRASES or not all(paraphrases.get(lang) for lang in LANGUAGES)):
        problem("too_few_paraphrases", total=total, minimum=MIN_PARAPHRASES)
    cited: list[CitedSection] = []
    for entry in meta.get("sources") or ():
        file, locator = ((str(entry.get(key, "")).strip() for key in ("file", "section"))
                         if isinstance(entry, dict) else ("", ""))
        if not file or not locator:
            problem("source_fields")
            continue
        document = sections.document(file)
        if document is None:
            problem("source_missing", file=file)
            continue
        found = [s for s in document.sections if s.locator == locator]
        if not found:
            problem("section_missing", section=locator, file=file)
            continue
        links = tuple(str(u) for u in document.metadata.get("sources") or () if str(u).startswith("http"))
        cited.append(CitedSection(file, document.source, document.title, locator,
                                  "\n\n".join(s.text for s in found), links))
    if cited:
        cited_text = "\n".join(f"{s.title}\n{s.locator}\n{s.text}" for s in cited)
        for lang in LANGUAGES:
            if lang in answers:
                unsupported = unsupported_facts(answers[lang], lang, cited_text, names)
                if unsupported:
                    problem("unsupported", language=lang, items=", ".join(unsupported))
    if problems:
        raise CardError(source, problems)
    return Card(str(meta.get("id") or path.stem), path, str(meta["round"]), cast(dt.date, checked), answers,
                paraphrases, tuple(cited),
                kind, rounds, review_by)


class CardLibrary:
    """The valid cards of a knowledge dir, and what is wrong with the others. ``published_dir``
    holds what administrators published in the app: ``cards/`` (a card there replaces the file
    card of the same id) and ``knowledge/`` (files the cards may cite)."""

    def __init__(self, knowledge_dir: Path, source_name, published_dir: Path | None = None) -> None:
        self.directory = knowledge_dir / CARDS_FOLDER
        self.published_dir = published_dir
        overlay = published_dir / "knowledge" if published_dir else None
        self._sections = KnowledgeSections(knowledge_dir, source_name, overlay)
        self.source_name = source_name

    def files(self) -> list[Path]:
        folders = [self.directory, *([self.published_dir / CARDS_FOLDER] if self.published_dir else [])]
        by_id = {p.stem: p for folder in folders if folder.is_dir()
                 for p in sorted(folder.glob("*.md")) if p.name.lower() != "readme.md"}
        return [by_id[key] for key in sorted(by_id)]

    def check(self, card_id: str, text: str) -> Card:
        """The card ``text`` would be under ``card_id``, validated as `gnist ingest` does (raises
        ``CardError`` with every reason)."""
        names = known_names([*self._sections.texts(), *_card_texts(self.files()), text])
        return parse_card(self.directory / f"{card_id}.md", f"cards/{card_id}.md", self._sections, names, text)

    @cached_property
    def _loaded(self) -> tuple[list[Card], list[IngestError]]:
        cards: list[Card] = []
        errors: list[IngestError] = []
        files = self.files()
        if not files:
            return cards, errors
        names = known_names([*self._sections.texts(), *_card_texts(files)])
        for path in files:
            source = self.source_name(path)
            try:
                cards.append(parse_card(path, source, self._sections, names))
            except IngestError as error:
                errors.append(error)
            except (OSError, UnicodeDecodeError) as exc:
                errors.append(IngestError(source, "ingest.unreadable", error=exc))
        for problem in errors:
            log.warning("answer card not used: %s", problem)
        return cards, errors

    @property
    def cards(self) -> list[Card]:
        return self._loaded[0]

    @property
    def errors(self) -> list[IngestError]:
        return self._loaded[1]


def _card_texts(files: Iterable[Path]) -> Iterator[str]:
    for path in files:
        try:
            yield path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue


# -- matching --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchRule:
    """When a question gets a card: its best card scores at least ``threshold`` and beats the
    runner-up card by ``margin``. A card's score is the cosine similarity of its closest
    paraphrase plus ``lexical_weight`` times its BM25 score relative to the best card's (words
    such as «frist» or «følgekommune» separate cards the small embedder finds alike)."""

    threshold: float
    margin: float
    lexical_weight: float


def split_paraphrases(card: Card) -> tuple[list[str], list[str]]:
    """(indexed, held out) for calibration: every third paraphrase per language is held out."""
    indexed: list[str] = []
    held_out: list[str] = []
    for lang in LANGUAGES:
        for i, paraphrase in enumerate(card.paraphrases.get(lang, ())):
            (held_out if i % 3 == 2 else indexed).append(paraphrase)
    return indexed, held_out


@dataclass(frozen=True)
class Scored:
    """A question's scores for every card (cards in ``CardMatcher.cards`` order)."""

    similarity: np.ndarray  # cosine similarity of each card's closest paraphrase
    lexical: np.ndarray  # each card's BM25 score relative to the best card's (0–1)
    closest: list[str]  # per card, its paraphrase closest to the question

    def decide(self, rule: MatchRule) -> tuple[int, float] | None:
        """(card index, score) when the rule lets the best card through."""
        scores = self.similarity + rule.lexical_weight * self.lexical
        first, *rest = (int(i) for i in np.argsort(-scores))
        runner_up = scores[rest[0]] if rest else -1.0
        if scores[first] < rule.threshold or scores[first] - runner_up < rule.margin:
            return None
        return first, float(scores[first])


def question_vectors(embeddings, texts: list[str], cache_dir: Path | None, prefix: str,
                     as_passages: bool = False) -> np.ndarray:
    """Unit vectors of questions (embedded as queries, or as passages), cached under ``cache_dir``
    as ``{prefix}-{hash}.npy``, keyed by embedder and texts (older files of the prefix are removed)."""
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    key = hashlib.sha256("\x00".join([getattr(embeddings, "name", ""), *texts]).encode()).hexdigest()[:20]
    path = cache_dir / f"{prefix}-{key}.npy" if cache_dir else None
    if path is not None and path.is_file():
        return np.load(path)
    # As bulk work (a waiting chat question goes first), and from the vector cache when the
    # embedder keeps one (filled by `make install`).
    vectors = np.array(embed_texts(embeddings, texts, query=not as_passages)[0], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"{prefix}-*.npy"):
            old.unlink()
        np.save(path, vectors)
    return vectors


class CardMatcher:
    """Matches questions to cards by their paraphrases (embedded as queries, as the question is)
    and, lexically, by the cards' paraphrases and answers. Paraphrase vectors are cached under
    ``cache_dir``, keyed by embedder and paraphrases."""

    def __init__(self, embeddings, entries: Sequence[tuple[Card, str]], rule: MatchRule,
                 cache_dir: Path | None = None) -> None:
        self.embeddings = embeddings
        self.entries = list(entries)
        self.rule = rule
        self.cache_dir = cache_dir
        self.cards = list({id(card): card for card, _ in self.entries}.values())
        position = {id(card): i for i, card in enumerate(self.cards)}
        self._card_of = np.asarray([position[id(card)] for card, _ in self.entries], dtype=np.int64)

    @classmethod
    def for_cards(cls, embeddings, cards: Sequence[Card], rule: MatchRule,
                  cache_dir: Path | None = None) -> CardMatcher:
        return cls(embeddings, [(card, p) for card in cards for p in card.all_paraphrases()], rule, cache_dir)

    @cached_property
    def vectors(self) -> np.ndarray:
        return question_vectors(self.embeddings, [text for _, text in self.entries], self.cache_dir, "paraphrases")

    @cached_property
    def _stemmer(self):
        import Stemmer

        return Stemmer.Stemmer("norwegian")

    def _tokens(self, texts: list[str]) -> list[list[str]]:
        import bm25s

        return bm25s.tokenize(texts, stopwords="no", stemmer=self._stemmer, show_progress=False, return_ids=False)

    @cached_property
    def _lexical(self):
        import bm25s

        texts: dict[int, list[str]] = {i: [] for i in range(len(self.cards))}
        for (_, paraphrase), i in zip(self.entries, self._card_of, strict=True):
            texts[int(i)].append(paraphrase)
        index = bm25s.BM25()
        index.index(self._tokens([" ".join([*texts[i], *card.answers.values()]) for i, card in enumerate(self.cards)]),
                    show_progress=False)
        return index

    def score(self, question: str) -> Scored:
        vector = np.asarray(self.embeddings.embed_query(question), dtype=np.float32)
        similarities = self.vectors @ (vector / np.linalg.norm(vector))
        best = np.full(len(self.cards), -1.0)
        closest = [""] * len(self.cards)
        for row, (similarity, card) in enumerate(zip(similarities, self._card_of, strict=True)):
            if similarity > best[card]:
                best[card], closest[card] = float(similarity), self.entries[row][1]
        words = self._tokens([question])[0]  # none in a question of stopwords and emoji (bm25s fails on none)
        lexical = np.asarray(self._lexical.get_scores(words), dtype=np.float64) if words else np.zeros(len(self.cards))
        return Scored(best, lexical / lexical.max() if lexical.max() > 0 else lexical, closest)

    def match(self, question: str, lang: Lang = "nb") -> CardMatch | None:
        """The card for this question, answered in ``lang``, if the rule lets one through (a
        paraphrase in any language may match)."""
        if not self.cards:
            return None
        scored = self.score(question)
        decision = scored.decide(self.rule)
        if decision is None:
            return None
        card, score = decision
        return CardMatch(self.cards[card], score, scored.closest[card], lang, question)


class AnswerCards:
    """What the app uses: the knowledge dir's valid cards, their errors, and matching. With
    ``published`` (the database's published cards and files), every question first compares the
    knowledge revision (one small query), so a card published on one replica reaches all of them
    without a restart."""

    def __init__(self, library: CardLibrary, embeddings, rule: MatchRule, cache_dir: Path | None = None,
                 published=None) -> None:
        self.library = library
        self._embeddings = embeddings
        self._rule = rule
        self._cache_dir = cache_dir
        self.published = published
        self._revision: int | None = None
        self._lock = threading.Lock()

    @cached_property
    def matcher(self) -> CardMatcher:
        return CardMatcher.for_cards(self._embeddings, self.library.cards, self._rule, self._cache_dir)

    def refresh(self) -> None:
        """Bring the cards up to the database's knowledge revision (nothing to do when unchanged)."""
        if self.published is None:
            return
        revision = self.published.revision()
        if revision == self._revision:
            return
        folder = self.library.published_dir
        if revision == 0 and self._revision is None and not (folder and any(folder.rglob("*.md"))):
            self._revision = 0  # nothing was ever published: the file cards are current
            return
        with self._lock:
            if revision == self._revision:
                return
            self.published.write_to(folder)
            library = CardLibrary(self.library.directory.parent, self.library.source_name, folder)
            matcher = CardMatcher.for_cards(self._embeddings, library.cards, self._rule, self._cache_dir)
            _ = matcher.vectors  # embed the new paraphrases before the swap, so no question waits on a half state
            self.library, self.matcher, self._revision = library, matcher, revision

    @property
    def errors(self) -> list[IngestError]:
        return self.library.errors

    @property
    def newest_round(self) -> str | None:
        return newest_round(self.library.cards)

    def prepare(self) -> int:
        """Validate the cards and embed (or load from the cache) their paraphrases now, so the
        first question does not wait. Returns the number of paraphrase vectors."""
        return len(self.matcher.vectors) if self.matcher.entries else 0

    def match(self, question: str, lang: Lang = "nb") -> CardMatch | None:
        self.refresh()
        return self.matcher.match(question, lang)
