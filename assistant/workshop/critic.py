"""Quality check of a canvas against Gnist's selection criteria, read the way a jury reads an
application: is the decision made, is the money certain, who exactly is affected, where do the
figures come from, and does the challenge leave room for solutions?

``check(canvas)`` is deterministic and pure: every finding says which criterion it concerns,
how serious it is (mangler > advarsel > info), which field to fix (by its label, in the
canvas' language; ``field`` keeps the internal path for programs) and what to do next.
``llm_findings`` optionally asks a language model for more; anything it returns is validated,
and a failing model is ignored.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cached_property
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from assistant.catalog import BUILT_IN, TextCatalog
from assistant.workshop import fields, grammar, meaning, solution_bias, status, themes
from assistant.workshop.canvas import CLIMATE_PRINCIPLE, Canvas, get_field
from assistant.workshop.llm import extract_json, message_text
from assistant.workshop.parsing import (
    classify_actor,
    has_source,
    named_roles,
    needs_source,
    parse_yes_no,
)
from assistant.workshop.solution_bias import SolutionFinding

log = logging.getLogger(__name__)

Criterion = Literal[
    "forankring", "innovasjonspotensial", "overføringsverdi", "engasjement", "bærekraft",
    "behov-ikke-løsning", "innsikt", "aktører",
]
Severity = Literal["mangler", "advarsel", "info"]
CRITERIA: tuple[str, ...] = get_args(Criterion)
SEVERITY_ORDER = {"mangler": 0, "advarsel": 1, "info": 2}
RESOURCE_RANGE = (20.0, 30.0)


class Finding(BaseModel):
    model_config = ConfigDict(extra="ignore")

    criterion: Criterion
    severity: Severity
    field: str = ""
    message: str = Field(min_length=1)
    code: str = ""
    label: str = ""  # the field as the user knows it ("Politisk forankring")
    source: Literal["rule", "llm"] = "rule"

    def as_dict(self) -> dict:
        return self.model_dump()


# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

_HKV_PREFIX = re.compile(r"^\s*(hvordan kan vi|korleis kan vi|kordan kan vi|how might we|how can we)\b", re.I)
_HKV_HAS_ANSWER = re.compile(
    r"\b(ved å|ved at|gjennom å|gjennom at|ved hjelp av (?:en|ei|et|ein|eit)|by (?:\w+ing)\b|through (?:\w+ing)\b|"
    r"by means of|using (?:a|an|the)\b)",
    re.I,
)
_GENERIC_WORDS = set("""
gjøre gjere bli få skape lage bedre betre mer meir mest attraktiv attraktivt attraktive god godt gode bra fin fint
levende levande kommunen kommune kommunens sentrum byen bygda bygd stedet staden plassen sted stad vår vårt våre vi oss
til et en ei ein eit og for av i på med den det de dei som enda endå enda mye mykje meget veldig utvikle styrke øke auke
forbedre forbetre innovativ innovativt innovative smart smarte smartere bærekraftig berekraftig nye ny nytt the make
better more attractive our a an and to of in place municipality town centre center improve develop strengthen increase
innovative sustainable new great good lively it its this that even all alle heile hele verden world framtid fremtid
framtida fremtiden future
""".split())
_GROUP_WORDS = re.compile(
    r"\b(unge|ungdom\w*|ungdommar|ungdomar|barn\w*|familie\w*|eldre|seniorer|pensjonist\w*|innbygg\w*|besøkende|"
    r"tilreisande|tilreisende|turist\w*|hyttefolk\w*|hytteeigar\w*|hytteeier\w*|tilflytt\w*|pendl\w*|student\w*|"
    r"elev\w*|næringsdrivande|næringsdrivende|bedrift\w*|verksemd\w*|gründer\w*|arbeidstak\w*|tilsette|ansatte|"
    r"kvinner|jenter|gutter|menn|innvandr\w*|flyktning\w*|bønder|folk|young|youth|teen\w*|children|kids|famil\w*|"
    r"elderly|seniors|residents?|citizens?|visitors?|tourists?|newcomers?|commuters?|students?|pupils?|"
    r"business\w*|entrepreneurs?|workers?|employees?|women|girls|boys|men|immigrants?|farmers?|people)\b",
    re.I,
)
_SUSTAINABILITY = re.compile(
    r"(bærekraft|berekraft|klima|miljø|sirkul|ombruk|gjenbruk|attbruk|utslipp|fornybar|naturmangfald|naturmangfold|"
    r"sustainab|climate|environment|circular|reuse|emission|renewable|biodiversity)", re.I)
_TRANSFER = re.compile(
    r"(andre kommune|andre kommuna|andre distrikts|andre lokalsamfunn|andre stader|andre steder|overfør|skaler|"
    r"modell for|mønster for|dele erfaring|del erfaring|nabokommun|regionalt|nasjonalt|internasjonalt|"
    r"other municipalit|other communit|other places|transfer|scal|model for|share (?:our )?(?:experience|learning)|"
    r"regionally|nationally|internationally)", re.I)


# A decision that is not made yet, and money that is not certain (nb, nn, en).
_PENDING = re.compile(
    r"\b(skal (?:behandle\w*|handsame\w*|vedta\w*|opp (?:i|til))|planlegger å|planlegg å|planlegges|"
    r"vil (?:behandle|handsame|vedta)|legges (?:fram|frem)|leggjast fram|ennå ikke|enno ikkje|"
    r"ikke (?:behandlet|vedtatt|bestemt) ennå|ikkje (?:handsama|vedteke|bestemt) enno|venter på|ventar på|"
    r"på sakskartet|til (?:politisk )?behandling|til handsaming|will (?:consider|decide|vote on|discuss)|"
    r"(?:is|are) scheduled|plans? to|planning to|pending|not yet (?:decided|approved|considered)|awaiting)\b",
    re.IGNORECASE)
_UNCERTAIN_MONEY = re.compile(
    r"\b(håper|håpar|håpe|forhåpentlig\w*|søker om|søkjer om|skal søke|skal søkje|vil søke|vil søkje|har søkt|"
    r"ikke avklart|ikkje avklart|uavklart|ikke bekreftet|ikkje stadfesta|ubekreftet|usikker\w*|kanskje|"
    r"regner med|reknar med|trolig|truleg|antakelig|ikke bestemt|ikkje bestemt|hope[sd]?|hoping|"
    r"applying for|will apply|ha(?:ve|s) applied|not (?:yet )?(?:confirmed|settled|agreed)|unconfirmed|unclear|"
    r"uncertain|maybe|perhaps|probably|expect to)\b", re.IGNORECASE)
_VAGUE_WHO = re.compile(
    r"^(?:alle|alle sammen|alle innbygg\w*|hele kommunen|heile kommunen|hele befolkningen|heile befolkninga|"
    r"innbyggerne|innbyggjarane|befolkningen|folk|folk flest|everyone|everybody|all|all residents|the public|"
    r"the residents|residents|the population|people)$", re.IGNORECASE)
MAX_SOURCE_FINDINGS = 3


def pending(text: str) -> str:
    """The words that say a decision is not made yet ("skal behandle"), or ""."""
    match = _PENDING.search(text or "")
    return match.group(0) if match else ""


def uncertain_money(text: str) -> str:
    """The words that say money is not certain ("håper", "søker om"), or ""."""
    match = _UNCERTAIN_MONEY.search(text or "")
    return match.group(0) if match else ""


# ---------------------------------------------------------------------------------------------
# Rules that read meaning: each recognises its situation in one text (see ``meaning``); the
# eval (scripts/draft_quality.py) measures exactly these on held-out wordings.
# ---------------------------------------------------------------------------------------------

def money_uncertain(text: str, situations: meaning.Situations) -> bool:
    return situations.recognises("money_uncertain", text)


def decision_not_made(text: str, situations: meaning.Situations) -> bool:
    """No decision yet: pending, an opinion, or nothing (a decision without a date is its own rule)."""
    return bool(text.strip()) and status.read_decision(text, situations).status != "decided"


def criterion_unmeasurable(text: str, situations: meaning.Situations) -> bool:
    return situations.recognises("criterion_unmeasurable", text)


def names_solution(text: str, situations: meaning.Situations) -> str:
    """The words that name a solution, or "": the lexical detector first, then meaning."""
    hit = solution_bias.first(text)
    if hit:
        return hit.phrase
    return solution_bias.digital_artefact(text) or (text.strip() if situations.recognises("solution_named", text)
                                                    else "")


def budget_no_fee(text: str, situations: meaning.Situations) -> bool:
    return not status.names_fee(text)


# Later fields where a solution can hide (the problem fields have their own rules).
SOLUTION_FIELDS = ("scenario_2030", "success_criteria", "resources", "transfer_value", "vision", "sustainability")


def plan_and_naering(canvas: Canvas) -> dict[str, list[str]]:
    """Who from plan and from næring takes part, where the user said it: actors in those
    categories, and roles named in the backing texts or the contact role ("næringssjefen er med")."""
    found: dict[str, list[str]] = {"plan": [], "naering": []}
    for actor in canvas.actors:
        kind = category(actor)
        if kind in ("internal_plan", "internal_naering"):
            found["plan" if kind == "internal_plan" else "naering"].append(actor.name)
    said = " ".join([canvas.forankring.administrative_backing, canvas.forankring.political_backing,
                     canvas.contact_role])
    for role, names in named_roles(said).items():
        for name in names:
            if all(name.casefold() not in known.casefold() and known.casefold() not in name.casefold()
                   for known in found[role]):
                found[role].append(name)
    return found


def _content_words(question: str, municipality: str) -> list[str]:
    body = _HKV_PREFIX.sub("", question).strip(" ?")
    words = [w.lower() for w in re.findall(r"[\wæøåÆØÅ-]+", body)]
    skip = {m.lower() for m in re.findall(r"[\wæøåÆØÅ-]+", municipality)}
    return [w for w in words if w not in _GENERIC_WORDS and w not in skip and not w.isdigit()]


def _mentions_group(question: str, canvas: Canvas) -> bool:
    if _GROUP_WORDS.search(question):
        return True
    low = question.lower()
    for group in canvas.target_groups:
        head = group.name.lower().split()
        if head and any(len(word) > 3 and word in low for word in head):
            return True
    for persona in canvas.personas:
        if persona.age_role and any(len(w) > 3 and w in low for w in persona.age_role.lower().split()):
            return True
    return False


def hkv_problems(question: str, canvas: Canvas) -> list[tuple[str, str]]:
    """(code, phrase) problems of one HKV question: has_answer, too_broad, no_group."""
    problems: list[tuple[str, str]] = []
    solution = solution_bias.first(question, lang=canvas.language)
    answer = _HKV_HAS_ANSWER.search(question)
    if solution or answer:
        problems.append(("hkv_has_answer", solution.phrase if solution else answer.group(0) if answer else ""))
    words = re.findall(r"[\wæøåÆØÅ-]+", _HKV_PREFIX.sub("", question))
    content = _content_words(question, canvas.municipality)
    if len(words) < 4 or not content:
        problems.append(("hkv_too_broad", ""))
    elif not _mentions_group(question, canvas):
        problems.append(("hkv_no_group", ""))
    return problems


def category(actor) -> str:
    """The actor's category; "other" is read again from the name."""
    return actor.category if actor.category != "other" else classify_actor(actor.name)


def _example_group(canvas: Canvas, catalog: TextCatalog = BUILT_IN) -> str:
    if canvas.target_groups:
        return canvas.target_groups[0].name.lower()
    return themes.theme_texts(canvas, catalog=catalog)["groups"]


# ---------------------------------------------------------------------------------------------
# The rules: one object per rule in ``RULES``, checked in that order. Adding a rule is one
# ``@rule(...)`` function here plus its message ``c_<code>`` in prompts/workshop/messages.*.json.
# ---------------------------------------------------------------------------------------------

TextTest = Callable[[str, meaning.Situations], bool]


@dataclass
class Context:
    """What a rule reads: the canvas, the catalog for its texts and the situation recognisers;
    what several rules share is worked out once."""

    canvas: Canvas
    catalog: TextCatalog
    situations: meaning.Situations

    @property
    def lang(self) -> str:
        return self.canvas.language

    def example(self, key: str) -> str:
        return themes.example(self.canvas, key, self.catalog)

    @cached_property
    def theme(self) -> dict:
        return themes.theme_texts(self.canvas, catalog=self.catalog)

    @cached_property
    def categories(self) -> set[str]:
        return {category(a) for a in self.canvas.actors}

    @cached_property
    def political(self) -> tuple[str | None, str]:
        """(status, date) of the political decision as recorded, or read from the words when
        the workshop has not asked yet; status None when nothing is said."""
        f = self.canvas.forankring
        if not f.political_backing.strip():
            return None, ""
        if f.political_status is None:
            decision = status.read_decision(f.political_backing, self.situations)
            return decision.status, decision.date
        return f.political_status, f.political_date

    @cached_property
    def hkv(self) -> list[tuple[str, str, str, str]]:
        """(field, question, code, phrase) of every problem of every «Hvordan kan vi …?» question."""
        return [(f"hkv_questions.{index}", question, code, phrase)
                for index, question in enumerate(self.canvas.hkv_questions)
                for code, phrase in hkv_problems(question, self.canvas)]


@dataclass(frozen=True)
class Hit:
    """Where a rule found its problem, and the values its message needs."""

    field: str
    values: dict[str, object] = dataclass_field(default_factory=dict)
    message: str = ""  # one of the rule's other messages (resource_low), else its own


@dataclass(frozen=True)
class Rule:
    """One critic rule: which criterion it serves and how serious it is, which canvas fields it
    reads, how it decides (``find``), its catalog messages (``c_<code>`` unless ``messages``
    names others) and, for a rule that reads meaning, the one-text test the eval measures."""

    id: str
    criterion: Criterion
    severity: Severity
    reads: tuple[str, ...]
    find: Callable[[Context], Iterable[Hit]]
    code: str = ""  # the finding's code when two rules report the same problem (pending_decision)
    messages: tuple[str, ...] = ()
    situation: str = ""
    recognises: TextTest | None = None

    @property
    def finding_code(self) -> str:
        return self.code or self.id

    @property
    def message_keys(self) -> tuple[str, ...]:
        return tuple(f"c_{name}" for name in (self.messages or (self.finding_code,)))

    def finding(self, hit: Hit, context: Context) -> Finding:
        lang, catalog = context.lang, context.catalog
        return Finding(criterion=self.criterion, severity=self.severity, field=hit.field, code=self.finding_code,
                       label=fields.label(hit.field, lang, catalog),
                       message=catalog.workshop_message(f"c_{hit.message or self.finding_code}", lang, **hit.values))


RULES: list[Rule] = []


def rule(id: str, criterion: Criterion, severity: Severity, reads: Sequence[str], **options) -> Callable:
    """Register the decorated ``find`` function as a rule (in reading order)."""
    def register(find: Callable[[Context], Iterable[Hit]]) -> Callable[[Context], Iterable[Hit]]:
        RULES.append(Rule(id, criterion, severity, tuple(reads), find, **options))
        return find
    return register


# Behov, ikke løsning

def _solution_in(context: Context, path: str) -> SolutionFinding | None:
    return solution_bias.first(get_field(context.canvas, path), lang=context.lang, catalog=context.catalog)


@rule("solution_raw_problem", "behov-ikke-løsning", "mangler", ["raw_problem"])
def _solution_raw_problem(context: Context) -> Iterator[Hit]:
    hit = _solution_in(context, "raw_problem")
    if hit:
        yield Hit("raw_problem", {"phrase": hit.phrase, "example": context.example("need.statement")})


@rule("solution_need", "behov-ikke-løsning", "mangler", ["need.statement"])
def _solution_need(context: Context) -> Iterator[Hit]:
    hit = _solution_in(context, "need.statement")
    if hit:
        yield Hit("need.statement", {"phrase": hit.phrase, "example": context.example("need.statement")})


@rule("solution_reframing", "behov-ikke-løsning", "mangler", ["reframing_from", "reframing_to"])
def _solution_reframing(context: Context) -> Iterator[Hit]:
    for path in ("reframing_from", "reframing_to"):
        hit = _solution_in(context, path)
        if hit:
            yield Hit(path, {"phrase": hit.phrase})


@rule("solution_hidden", "behov-ikke-løsning", "advarsel", SOLUTION_FIELDS,
      situation="solution_named", recognises=lambda text, situations: bool(names_solution(text, situations)))
def _solution_hidden(context: Context) -> Iterator[Hit]:
    for path in SOLUTION_FIELDS:
        value = get_field(context.canvas, path)
        phrase = next(filter(None, (names_solution(text, context.situations)
                                    for text in (value if isinstance(value, list) else [value]))), "")
        if phrase:
            yield Hit(path, {"phrase": phrase, "label": fields.label(path, context.lang, context.catalog)})


# «Hvordan kan vi …?»

@rule("hkv_missing", "innovasjonspotensial", "advarsel", ["hkv_questions"])
def _hkv_missing(context: Context) -> Iterator[Hit]:
    if not context.canvas.hkv_questions:
        yield Hit("hkv_questions", {"example": context.example("hkv_questions")})


def _hkv_hits(context: Context, wanted: str) -> Iterator[tuple[str, str, str]]:
    """(field, question, phrase) of the questions with problem ``wanted``."""
    return ((path, question, phrase) for path, question, code, phrase in context.hkv if code == wanted)


@rule("hkv_has_answer", "behov-ikke-løsning", "mangler", ["hkv_questions"])
def _hkv_has_answer(context: Context) -> Iterator[Hit]:
    for path, question, phrase in _hkv_hits(context, "hkv_has_answer"):
        yield Hit(path, {"question": question, "phrase": phrase})


@rule("hkv_too_broad", "innovasjonspotensial", "advarsel", ["hkv_questions"])
def _hkv_too_broad(context: Context) -> Iterator[Hit]:
    for path, question, _ in _hkv_hits(context, "hkv_too_broad"):
        yield Hit(path, {"question": question, "example": context.example("hkv_questions")})


@rule("hkv_no_group", "innovasjonspotensial", "advarsel", ["hkv_questions", "target_groups", "personas"])
def _hkv_no_group(context: Context) -> Iterator[Hit]:
    for path, question, _ in _hkv_hits(context, "hkv_no_group"):
        yield Hit(path, {"question": question, "group": _example_group(context.canvas, context.catalog)})


# Innsikt

@rule("no_need", "innsikt", "mangler", ["need.statement", "raw_problem"])
def _no_need(context: Context) -> Iterator[Hit]:
    if not context.canvas.need.statement and not context.canvas.raw_problem:
        yield Hit("need.statement")


@rule("no_need_statement", "innsikt", "advarsel", ["need.statement", "raw_problem"])
def _no_need_statement(context: Context) -> Iterator[Hit]:
    if not context.canvas.need.statement and context.canvas.raw_problem:
        yield Hit("need.statement")


@rule("no_who", "innsikt", "advarsel", ["need.who"])
def _no_who(context: Context) -> Iterator[Hit]:
    if not context.canvas.need.who:
        yield Hit("need.who")


@rule("vague_who", "innsikt", "advarsel", ["need.who", "target_groups"])
def _vague_who(context: Context) -> Iterator[Hit]:
    canvas = context.canvas
    for path, names in (("need.who", canvas.need.who), ("target_groups", [g.name for g in canvas.target_groups])):
        vague = next((name for name in names if _VAGUE_WHO.match(name.strip(" .!"))), None)
        if vague:
            yield Hit(path, {"who": vague, "example": context.example("need.who")})


@rule("no_evidence", "innsikt", "mangler", ["need.evidence"])
def _no_evidence(context: Context) -> Iterator[Hit]:
    if not context.canvas.need.evidence:
        yield Hit("need.evidence")


@rule("no_tried", "innovasjonspotensial", "info", ["need.evidence"])
def _no_tried(context: Context) -> Iterator[Hit]:
    evidence = context.canvas.need.evidence
    if evidence and not any(e.kind == "tried" for e in evidence):
        yield Hit("need.evidence")


@rule("evidence_no_source", "innsikt", "advarsel", ["need.evidence"])
def _evidence_no_source(context: Context) -> Iterator[Hit]:
    unsourced = [e for e in context.canvas.need.evidence if needs_source(e) and not has_source(e)]
    for evidence in unsourced[:MAX_SOURCE_FINDINGS]:
        yield Hit("need.evidence", {"text": evidence.text})


@rule("few_target_groups", "innsikt", "advarsel", ["target_groups"])
def _few_target_groups(context: Context) -> Iterator[Hit]:
    if len(context.canvas.target_groups) < 2:
        yield Hit("target_groups", {"count": len(context.canvas.target_groups)})


@rule("no_personas", "innsikt", "info", ["personas"])
def _no_personas(context: Context) -> Iterator[Hit]:
    if not context.canvas.personas:
        yield Hit("personas")


# Innovasjonspotensial

@rule("no_reframing", "innovasjonspotensial", "advarsel", ["reframing_from", "reframing_to"])
def _no_reframing(context: Context) -> Iterator[Hit]:
    if not (context.canvas.reframing_from and context.canvas.reframing_to):
        yield Hit("reframing_to")


@rule("no_fortrinn", "innovasjonspotensial", "info", ["fortrinn", "resources"])
def _no_fortrinn(context: Context) -> Iterator[Hit]:
    if not context.canvas.fortrinn and not context.canvas.resources:
        yield Hit("fortrinn")


@rule("few_principles", "innovasjonspotensial", "advarsel", ["principles"])
def _few_principles(context: Context) -> Iterator[Hit]:
    if len(context.canvas.principles) < 3:
        yield Hit("principles", {"count": len(context.canvas.principles)})


@rule("many_principles", "innovasjonspotensial", "info", ["principles"])
def _many_principles(context: Context) -> Iterator[Hit]:
    if len(context.canvas.principles) > 4:
        yield Hit("principles", {"count": len(context.canvas.principles)})


# Forankring: the political decision as recorded (or read from the words when not asked yet)

_POLITICAL = "forankring.political_backing"
_POLITICAL_READS = (_POLITICAL, "forankring.political_status", "forankring.political_date")


def _said_no(context: Context) -> bool:
    return parse_yes_no(context.canvas.forankring.political_backing) is False


@rule("no_political", "forankring", "mangler", _POLITICAL_READS)
def _no_political(context: Context) -> Iterator[Hit]:
    state, _ = context.political
    if state is None or (state == "none" and _said_no(context)):
        yield Hit(_POLITICAL)


@rule("political_pending", "forankring", "advarsel", _POLITICAL_READS, code="pending_decision",
      situation="decision_not_made", recognises=decision_not_made)
def _political_pending(context: Context) -> Iterator[Hit]:
    if context.political[0] == "scheduled":
        backing = context.canvas.forankring.political_backing
        yield Hit(_POLITICAL, {"phrase": pending(backing) or backing})


@rule("backing_opinion", "forankring", "mangler", _POLITICAL_READS)
def _backing_opinion(context: Context) -> Iterator[Hit]:
    if context.political[0] == "none" and not _said_no(context):
        yield Hit(_POLITICAL, {"text": context.canvas.forankring.political_backing})


@rule("decision_no_date", "forankring", "advarsel", _POLITICAL_READS)
def _decision_no_date(context: Context) -> Iterator[Hit]:
    state, date = context.political
    if state not in (None, "scheduled", "none") and not date:
        yield Hit(_POLITICAL)


_ADMINISTRATIVE = "forankring.administrative_backing"


@rule("no_administrative", "forankring", "advarsel", [_ADMINISTRATIVE])
def _no_administrative(context: Context) -> Iterator[Hit]:
    backing = context.canvas.forankring.administrative_backing
    if not backing or (parse_yes_no(backing) is False and not pending(backing)):
        yield Hit(_ADMINISTRATIVE)


@rule("administrative_pending", "forankring", "advarsel", [_ADMINISTRATIVE], code="pending_decision")
def _administrative_pending(context: Context) -> Iterator[Hit]:
    phrase = pending(context.canvas.forankring.administrative_backing)
    if phrase:
        yield Hit(_ADMINISTRATIVE, {"phrase": phrase})


@rule("partner_backing", "forankring", "advarsel", ["partners", "forankring.partner_backing"])
def _partner_backing(context: Context) -> Iterator[Hit]:
    canvas = context.canvas
    decided = {p.name.casefold() for p in canvas.forankring.partner_backing if p.status == "decided"}
    undecided = [name for name in canvas.partners if name.casefold() not in decided]
    if undecided:
        yield Hit("forankring.partner_backing", {"names": grammar.join_list(undecided, context.lang, context.catalog)})


_ROLE_READS = ("actors", _ADMINISTRATIVE, _POLITICAL, "contact_role")


@rule("no_plan", "forankring", "advarsel", _ROLE_READS)
def _no_plan(context: Context) -> Iterator[Hit]:
    if not plan_and_naering(context.canvas)["plan"]:
        yield Hit(_ADMINISTRATIVE, {"example": context.theme["examples"]["plan"]})


@rule("no_naering", "forankring", "advarsel", _ROLE_READS)
def _no_naering(context: Context) -> Iterator[Hit]:
    if not plan_and_naering(context.canvas)["naering"]:
        yield Hit(_ADMINISTRATIVE, {"example": context.theme["examples"]["plan"]})


@rule("county_not_informed", "forankring", "advarsel", ["forankring.county_council_informed"])
def _county_not_informed(context: Context) -> Iterator[Hit]:
    if context.canvas.forankring.county_council_informed is not True:
        yield Hit("forankring.county_council_informed")


# Money: one finding for money that is not certain (as recorded, or as the words say), one for a
# budget without amounts or without the participation fee.

@rule("uncertain_money", "forankring", "advarsel",
      ["forankring.funding_status", "forankring.cofinancing", "forankring.budget"],
      situation="money_uncertain", recognises=money_uncertain)
def _uncertain_money(context: Context) -> Iterator[Hit]:
    f = context.canvas.forankring
    if f.funding_status in ("applied", "unknown"):
        yield Hit("forankring.cofinancing", {"phrase": uncertain_money(f.cofinancing) or f.cofinancing})
    elif f.funding_status is None:
        for path, text in (("forankring.cofinancing", f.cofinancing), ("forankring.budget", f.budget)):
            if money_uncertain(text, context.situations):
                yield Hit(path, {"phrase": uncertain_money(text) or text})
                return


@rule("budget_empty", "forankring", "advarsel", ["forankring.budget"])
def _budget_empty(context: Context) -> Iterator[Hit]:
    if not status.has_amount(context.canvas.forankring.budget):
        yield Hit("forankring.budget")


@rule("budget_no_fee", "forankring", "advarsel", ["forankring.budget", "forankring.cofinancing"],
      situation="budget_no_fee", recognises=budget_no_fee)
def _budget_no_fee(context: Context) -> Iterator[Hit]:
    f = context.canvas.forankring
    if status.has_amount(f.budget) and not (status.names_fee(f.budget) or status.names_fee(f.cofinancing)):
        yield Hit("forankring.budget")


# Engasjement

_PERCENT = "forankring.project_resource_percent"


@rule("resource_missing", "engasjement", "advarsel", [_PERCENT])
def _resource_missing(context: Context) -> Iterator[Hit]:
    if context.canvas.forankring.project_resource_percent is None:
        yield Hit(_PERCENT)


@rule("resource_range", "engasjement", "advarsel", [_PERCENT], messages=("resource_low", "resource_high"))
def _resource_range(context: Context) -> Iterator[Hit]:
    percent = context.canvas.forankring.project_resource_percent
    if percent is not None and not RESOURCE_RANGE[0] <= percent <= RESOURCE_RANGE[1]:
        yield Hit(_PERCENT, {"percent": f"{percent:g}"},
                  message="resource_low" if percent < RESOURCE_RANGE[0] else "resource_high")


@rule("no_resident_input", "engasjement", "advarsel", ["resident_input"])
def _no_resident_input(context: Context) -> Iterator[Hit]:
    if context.canvas.resident_input.is_empty():
        yield Hit("resident_input")


@rule("no_youth", "engasjement", "advarsel", ["actors"])
def _no_youth(context: Context) -> Iterator[Hit]:
    if "youth" not in context.categories:
        yield Hit("actors")


# Aktører

@rule("no_actors", "aktører", "advarsel", ["actors"])
def _no_actors(context: Context) -> Iterator[Hit]:
    if not context.canvas.actors:
        yield Hit("actors")


@rule("no_business", "aktører", "advarsel", ["actors"])
def _no_business(context: Context) -> Iterator[Hit]:
    if context.canvas.actors and "business" not in context.categories:
        yield Hit("actors", {"example": context.theme["examples"]["business"]})


@rule("no_residents", "aktører", "advarsel", ["actors"])
def _no_residents(context: Context) -> Iterator[Hit]:
    if context.canvas.actors and not context.categories & {"residents", "volunteers"}:
        yield Hit("actors")


@rule("criteria_unmeasurable", "innovasjonspotensial", "advarsel", ["success_criteria"],
      situation="criterion_unmeasurable", recognises=criterion_unmeasurable)
def _criteria_unmeasurable(context: Context) -> Iterator[Hit]:
    unmeasurable = [c for c in context.canvas.success_criteria if criterion_unmeasurable(c, context.situations)]
    if unmeasurable:
        yield Hit("success_criteria", {
            "items": grammar.join_list([f"«{c}»" for c in unmeasurable], context.lang, context.catalog),
            "example": context.theme["examples"]["success_criteria"]})


# Bærekraft

@rule("no_sustainability", "bærekraft", "info",
      ["principles", "sustainability", "vision", "scenario_2030", "success_criteria", "hkv_questions"])
def _no_sustainability(context: Context) -> Iterator[Hit]:
    canvas = context.canvas
    said = " ".join([canvas.sustainability, canvas.vision, canvas.scenario_2030,
                     *canvas.success_criteria, *canvas.hkv_questions])
    if CLIMATE_PRINCIPLE not in {p.name for p in canvas.principles} and not (
        canvas.sustainability.strip() or _SUSTAINABILITY.search(said)
    ):
        yield Hit("sustainability")


# Overføringsverdi

@rule("no_transfer", "overføringsverdi", "info",
      ["transfer_value", "partners", "vision", "scenario_2030", "success_criteria", "hkv_questions"])
def _no_transfer(context: Context) -> Iterator[Hit]:
    canvas = context.canvas
    said = " ".join([canvas.vision, canvas.scenario_2030, *canvas.success_criteria, *canvas.hkv_questions])
    if not (canvas.transfer_value.strip() or canvas.partners or _TRANSFER.search(said)):
        yield Hit("transfer_value")


# The one-text tests the eval measures (scripts/draft_quality.py), by situation.
RULE_TESTS: dict[str, TextTest] = {r.situation: r.recognises for r in RULES if r.recognises}


def check(canvas: Canvas, catalog: TextCatalog = BUILT_IN, situations: meaning.Situations | None = None
          ) -> list[Finding]:
    """All rule findings for ``canvas``, most serious first, one per problem."""
    context = Context(canvas, catalog, situations or meaning.default(catalog))
    findings = [r.finding(hit, context) for r in RULES for hit in r.find(context)]
    unique = list({(f.code, f.field, f.message): f for f in findings}.values())
    unique.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    return unique


def headline(finding: Finding, lang: str = "nb", catalog: TextCatalog = BUILT_IN) -> str:
    """«Mangler · Forankring · Politisk forankring»: how serious, which criterion, which field."""
    names = catalog.workshop("critic", lang)
    criterion = names["criteria"][finding.criterion]
    parts = [names["severity"][finding.severity], criterion]
    if finding.label and finding.label.casefold() != criterion.casefold():
        parts.append(finding.label)
    return " · ".join(parts)


def summary(findings: list[Finding]) -> dict[str, int]:
    counts = {"mangler": 0, "advarsel": 0, "info": 0}
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def findings_as_dicts(findings: list[Finding]) -> list[dict]:
    return [f.as_dict() for f in findings]


# ---------------------------------------------------------------------------------------------
# Optional: more findings from a language model
# ---------------------------------------------------------------------------------------------

def llm_findings(canvas: Canvas, chat_model, catalog: TextCatalog = BUILT_IN,
                 max_findings: int = 6) -> list[Finding]:
    """Extra findings from a language model, validated; [] if there is no model or it fails."""
    if chat_model is None:
        return []
    try:
        from langchain_core.messages import HumanMessage, SystemMessage

        system = catalog.workshop_text("critic_llm", canvas.language)
        data = canvas.model_dump(mode="json", exclude={"suggestions", "owner", "id", "created", "updated",
                                                       "retry_field", "current_question"})
        reply = chat_model.invoke([SystemMessage(system), HumanMessage(json.dumps(data, ensure_ascii=False))])
        value = extract_json(message_text(reply))
        if isinstance(value, dict):
            value = value.get("findings", [value])
        if not isinstance(value, list):
            raise ValueError("expected a list of findings")
    except Exception as exc:  # noqa: BLE001 - the model is optional; its failures must not surface
        log.warning("LLM quality check ignored: %s", exc)
        return []
    findings = []
    for item in value:  # keep the valid findings, drop the rest
        try:
            findings.append(Finding.model_validate(item))
        except Exception:  # noqa: BLE001
            log.info("LLM finding dropped: %r", item)
    return [f.model_copy(update={"source": "llm", "code": f.code or "llm"}) for f in findings[:max_findings]]
