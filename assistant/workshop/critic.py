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
from typing import Literal

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

log = logging.getLogger(__name__)

Criterion = Literal[
    "forankring", "innovasjonspotensial", "overføringsverdi", "engasjement", "bærekraft",
    "behov-ikke-løsning", "innsikt", "aktører",
]
Severity = Literal["mangler", "advarsel", "info"]
CRITERIA: tuple[str, ...] = (
    "forankring", "innovasjonspotensial", "overføringsverdi", "engasjement", "bærekraft",
    "behov-ikke-løsning", "innsikt", "aktører",
)
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
    return solution_bias.digital_artefact(text) or (text.strip() if situations.recognises("solution_named", text) else "")


def budget_no_fee(text: str, situations: meaning.Situations) -> bool:
    return not status.names_fee(text)


RULE_TESTS = {"money_uncertain": money_uncertain, "decision_not_made": decision_not_made,
              "criterion_unmeasurable": criterion_unmeasurable,
              "solution_named": lambda text, situations: bool(names_solution(text, situations)),
              "budget_no_fee": budget_no_fee}
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
        problems.append(("hkv_has_answer", solution.phrase if solution else answer.group(0)))
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
# The rules
# ---------------------------------------------------------------------------------------------

def check(canvas: Canvas, catalog: TextCatalog = BUILT_IN, situations: meaning.Situations | None = None
          ) -> list[Finding]:
    """All rule findings for ``canvas``, most serious first, one per problem."""
    lang = canvas.language
    situations = situations or meaning.default(catalog)
    findings: list[Finding] = []
    theme = themes.theme_texts(canvas, catalog=catalog)

    def example(key: str) -> str:
        return themes.example(canvas, key, catalog)

    def add(code: str, criterion: str, severity: str, field: str, message: str | None = None, **values) -> None:
        findings.append(Finding(criterion=criterion, severity=severity, field=field, code=code,
                                label=fields.label(field, lang, catalog),
                                message=catalog.workshop_message(f"c_{message or code}", lang, **values)))

    # Behov, ikke løsning
    for field, code in (("raw_problem", "solution_raw_problem"), ("need.statement", "solution_need")):
        value = canvas.raw_problem if field == "raw_problem" else canvas.need.statement
        hit = solution_bias.first(value, lang=lang, catalog=catalog)
        if hit:
            add(code, "behov-ikke-løsning", "mangler", field, phrase=hit.phrase, example=example("need.statement"))
    for field in ("reframing_from", "reframing_to"):
        hit = solution_bias.first(getattr(canvas, field), lang=lang, catalog=catalog)
        if hit:
            add("solution_reframing", "behov-ikke-løsning", "mangler", field, phrase=hit.phrase)

    for field in SOLUTION_FIELDS:
        value = getattr(canvas, field)
        for text in (value if isinstance(value, list) else [value]):
            phrase = names_solution(text, situations)
            if phrase:
                add("solution_hidden", "behov-ikke-løsning", "advarsel", field, phrase=phrase,
                    label=fields.label(field, lang, catalog))
                break

    # "Hvordan kan vi …?"
    if not canvas.hkv_questions:
        add("hkv_missing", "innovasjonspotensial", "advarsel", "hkv_questions", example=example("hkv_questions"))
    for index, question in enumerate(canvas.hkv_questions):
        field = f"hkv_questions.{index}"
        for code, phrase in hkv_problems(question, canvas):
            if code == "hkv_has_answer":
                add(code, "behov-ikke-løsning", "mangler", field, question=question, phrase=phrase)
            elif code == "hkv_too_broad":
                add(code, "innovasjonspotensial", "advarsel", field, question=question,
                    example=example("hkv_questions"))
            else:
                add(code, "innovasjonspotensial", "advarsel", field, question=question, group=_example_group(canvas, catalog))

    # Innsikt
    if not canvas.need.statement and not canvas.raw_problem:
        add("no_need", "innsikt", "mangler", "need.statement")
    elif not canvas.need.statement:
        add("no_need_statement", "innsikt", "advarsel", "need.statement")
    if not canvas.need.who:
        add("no_who", "innsikt", "advarsel", "need.who")
    for field, names in (("need.who", canvas.need.who), ("target_groups", [g.name for g in canvas.target_groups])):
        vague = next((name for name in names if _VAGUE_WHO.match(name.strip(" .!"))), None)
        if vague:
            add("vague_who", "innsikt", "advarsel", field, who=vague, example=example("need.who"))
    if not canvas.need.evidence:
        add("no_evidence", "innsikt", "mangler", "need.evidence")
    elif not any(e.kind == "tried" for e in canvas.need.evidence):
        add("no_tried", "innovasjonspotensial", "info", "need.evidence")
    unsourced = [e for e in canvas.need.evidence if needs_source(e) and not has_source(e)]
    for evidence in unsourced[:MAX_SOURCE_FINDINGS]:
        add("evidence_no_source", "innsikt", "advarsel", "need.evidence", text=evidence.text)
    if len(canvas.target_groups) < 2:
        add("few_target_groups", "innsikt", "advarsel", "target_groups", count=len(canvas.target_groups))
    if not canvas.personas:
        add("no_personas", "innsikt", "info", "personas")

    # Innovasjonspotensial
    if not (canvas.reframing_from and canvas.reframing_to):
        add("no_reframing", "innovasjonspotensial", "advarsel", "reframing_to")
    if not canvas.fortrinn and not canvas.resources:
        add("no_fortrinn", "innovasjonspotensial", "info", "fortrinn")
    if len(canvas.principles) < 3:
        add("few_principles", "innovasjonspotensial", "advarsel", "principles", count=len(canvas.principles))
    elif len(canvas.principles) > 4:
        add("many_principles", "innovasjonspotensial", "info", "principles", count=len(canvas.principles))

    # Forankring: the political decision as recorded (or read from the words when not asked yet)
    _political(canvas, situations, add)
    backing = canvas.forankring.administrative_backing
    phrase = pending(backing)
    if not backing or (parse_yes_no(backing) is False and not phrase):
        add("no_administrative", "forankring", "advarsel", "forankring.administrative_backing")
    elif phrase:
        add("pending_decision", "forankring", "advarsel", "forankring.administrative_backing", phrase=phrase)
    undecided = _partners_undecided(canvas, situations)
    if undecided:
        add("partner_backing", "forankring", "advarsel", "forankring.partner_backing",
            names=grammar.join_list(undecided, lang, catalog))
    roles = plan_and_naering(canvas)
    for role in ("plan", "naering"):
        if not roles[role]:
            add(f"no_{role}", "forankring", "advarsel", "forankring.administrative_backing",
                example=theme["examples"]["plan"])
    if canvas.forankring.county_council_informed is not True:
        add("county_not_informed", "forankring", "advarsel", "forankring.county_council_informed")
    _money(canvas, situations, add)

    # Engasjement
    percent = canvas.forankring.project_resource_percent
    if percent is None:
        add("resource_missing", "engasjement", "advarsel", "forankring.project_resource_percent")
    elif not RESOURCE_RANGE[0] <= percent <= RESOURCE_RANGE[1]:
        add("resource_range", "engasjement", "advarsel", "forankring.project_resource_percent",
            message="resource_low" if percent < RESOURCE_RANGE[0] else "resource_high", percent=f"{percent:g}")
    if canvas.resident_input.is_empty():
        add("no_resident_input", "engasjement", "advarsel", "resident_input")
    categories = {category(a) for a in canvas.actors}
    if "youth" not in categories:
        add("no_youth", "engasjement", "advarsel", "actors")

    # Aktører
    if not canvas.actors:
        add("no_actors", "aktører", "advarsel", "actors")
    else:
        if "business" not in categories:
            add("no_business", "aktører", "advarsel", "actors", example=theme["examples"]["business"])
        if not categories & {"residents", "volunteers"}:
            add("no_residents", "aktører", "advarsel", "actors")

    unmeasurable = [c for c in canvas.success_criteria if criterion_unmeasurable(c, situations)]
    if unmeasurable:
        add("criteria_unmeasurable", "innovasjonspotensial", "advarsel", "success_criteria",
            items=grammar.join_list([f"«{c}»" for c in unmeasurable], lang, catalog),
            example=theme["examples"]["success_criteria"])

    # Bærekraft
    sustainability_text = " ".join([canvas.sustainability, canvas.vision, canvas.scenario_2030,
                                    *canvas.success_criteria, *canvas.hkv_questions])
    if CLIMATE_PRINCIPLE not in {p.name for p in canvas.principles} and not (
        canvas.sustainability.strip() or _SUSTAINABILITY.search(sustainability_text)
    ):
        add("no_sustainability", "bærekraft", "info", "sustainability")

    # Overføringsverdi
    transfer_text = " ".join([canvas.vision, canvas.scenario_2030, *canvas.success_criteria, *canvas.hkv_questions])
    if not (canvas.transfer_value.strip() or canvas.partners or _TRANSFER.search(transfer_text)):
        add("no_transfer", "overføringsverdi", "info", "transfer_value")

    unique = list({(f.code, f.field, f.message): f for f in findings}.values())
    unique.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    return unique


def _political(canvas: Canvas, situations: meaning.Situations, add) -> None:
    f, field = canvas.forankring, "forankring.political_backing"
    if not f.political_backing.strip():
        state, date = None, ""
    elif f.political_status is None:
        decision = status.read_decision(f.political_backing, situations)
        state, date = (decision.status if f.political_backing else None), decision.date
    else:
        state, date = f.political_status, f.political_date
    if state is None:
        add("no_political", "forankring", "mangler", field)
    elif state == "scheduled":
        add("pending_decision", "forankring", "advarsel", field,
            phrase=pending(f.political_backing) or f.political_backing)
    elif state == "none":
        if parse_yes_no(f.political_backing) is False:
            add("no_political", "forankring", "mangler", field)
        else:
            add("backing_opinion", "forankring", "mangler", field, text=f.political_backing)
    elif not date:
        add("decision_no_date", "forankring", "advarsel", field)


def _partners_undecided(canvas: Canvas, situations: meaning.Situations) -> list[str]:
    """Partner municipalities without a recorded decision."""
    decided = {p.name.casefold() for p in canvas.forankring.partner_backing if p.status == "decided"}
    return [name for name in canvas.partners if name.casefold() not in decided]


def _money(canvas: Canvas, situations: meaning.Situations, add) -> None:
    """One finding for money that is not certain (as recorded, or as the words say), and one
    for a budget without amounts or without the participation fee."""
    f = canvas.forankring
    if f.funding_status in ("applied", "unknown"):
        add("uncertain_money", "forankring", "advarsel", "forankring.cofinancing",
            phrase=uncertain_money(f.cofinancing) or f.cofinancing)
    elif f.funding_status is None:
        for field, text in (("forankring.cofinancing", f.cofinancing), ("forankring.budget", f.budget)):
            if money_uncertain(text, situations):
                add("uncertain_money", "forankring", "advarsel", field, phrase=uncertain_money(text) or text)
                break
    if not status.has_amount(f.budget):
        add("budget_empty", "forankring", "advarsel", "forankring.budget")
    elif not (status.names_fee(f.budget) or status.names_fee(f.cofinancing)):
        add("budget_no_fee", "forankring", "advarsel", "forankring.budget")


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
