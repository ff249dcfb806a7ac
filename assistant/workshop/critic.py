"""Quality check of a canvas against Gnist's selection criteria and the challenge checklist.

``check(canvas)`` is deterministic and pure: every finding says which criterion it concerns,
how serious it is (mangler > advarsel > info), which field to fix, and what to do, in the
canvas' language. ``llm_findings`` optionally asks a language model for more; anything it
returns is validated, and a failing model is ignored.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.workshop import solution_bias, texts
from assistant.workshop.canvas import CLIMATE_PRINCIPLE, Canvas
from assistant.workshop.parsing import classify_actor, parse_yes_no

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


def _category(actor) -> str:
    return actor.category if actor.category != "other" else classify_actor(actor.name)


def _example_group(canvas: Canvas) -> str:
    if canvas.target_groups:
        return canvas.target_groups[0].name.lower()
    return {"nb": "unge voksne", "nn": "unge vaksne", "en": "young adults"}.get(canvas.language, "unge voksne")


# ---------------------------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------------------------

def check(canvas: Canvas, prompts_dir: Path | str | None = None) -> list[Finding]:
    """All rule findings for ``canvas``, most serious first."""
    lang = canvas.language
    findings: list[Finding] = []

    def add(code: str, criterion: str, severity: str, field: str, **values) -> None:
        findings.append(Finding(criterion=criterion, severity=severity, field=field, code=code,
                                message=texts.message(f"c_{code}", lang, prompts_dir, **values)))

    # Behov, ikke løsning
    for field, code in (("raw_problem", "solution_raw_problem"), ("need.statement", "solution_need")):
        value = canvas.raw_problem if field == "raw_problem" else canvas.need.statement
        hit = solution_bias.first(value, lang=lang, prompts_dir=prompts_dir)
        if hit:
            add(code, "behov-ikke-løsning", "mangler", field, phrase=hit.phrase)
    for field in ("reframing_from", "reframing_to"):
        hit = solution_bias.first(getattr(canvas, field), lang=lang, prompts_dir=prompts_dir)
        if hit:
            add("solution_reframing", "behov-ikke-løsning", "mangler", field, phrase=hit.phrase)

    # "Hvordan kan vi …?"
    if not canvas.hkv_questions:
        add("hkv_missing", "innovasjonspotensial", "advarsel", "hkv_questions")
    for index, question in enumerate(canvas.hkv_questions):
        field = f"hkv_questions.{index}"
        for code, phrase in hkv_problems(question, canvas):
            if code == "hkv_has_answer":
                add(code, "behov-ikke-løsning", "mangler", field, question=question, phrase=phrase)
            elif code == "hkv_too_broad":
                add(code, "innovasjonspotensial", "advarsel", field, question=question)
            else:
                add(code, "innovasjonspotensial", "advarsel", field, question=question, group=_example_group(canvas))

    # Innsikt
    if not canvas.need.statement and not canvas.raw_problem:
        add("no_need", "innsikt", "mangler", "need.statement")
    elif not canvas.need.statement:
        add("no_need_statement", "innsikt", "advarsel", "need.statement")
    if not canvas.need.who:
        add("no_who", "innsikt", "advarsel", "need.who")
    if not canvas.need.evidence:
        add("no_evidence", "innsikt", "mangler", "need.evidence")
    elif not any(e.kind == "tried" for e in canvas.need.evidence):
        add("no_tried", "innovasjonspotensial", "info", "need.evidence")
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

    # Forankring
    political = canvas.forankring.political_backing
    if not political or parse_yes_no(political) is False:
        add("no_political", "forankring", "mangler", "forankring.political_backing")
    administrative = canvas.forankring.administrative_backing
    if not administrative or parse_yes_no(administrative) is False:
        add("no_administrative", "forankring", "advarsel", "forankring.administrative_backing")
    if canvas.forankring.county_council_informed is not True:
        add("county_not_informed", "forankring", "advarsel", "forankring.county_council_informed")

    # Engasjement
    percent = canvas.forankring.project_resource_percent
    if percent is None:
        add("resource_missing", "engasjement", "advarsel", "forankring.project_resource_percent")
    elif not RESOURCE_RANGE[0] <= percent <= RESOURCE_RANGE[1]:
        add("resource_range", "engasjement", "advarsel", "forankring.project_resource_percent",
            percent=f"{percent:g}")
    if canvas.resident_input.is_empty():
        add("no_resident_input", "engasjement", "advarsel", "resident_input")
    categories = {_category(a) for a in canvas.actors}
    if "youth" not in categories:
        add("no_youth", "engasjement", "advarsel", "actors")

    # Aktører
    if not canvas.actors:
        add("no_actors", "aktører", "advarsel", "actors")
    else:
        if "business" not in categories:
            add("no_business", "aktører", "advarsel", "actors")
        if not categories & {"residents", "volunteers"}:
            add("no_residents", "aktører", "advarsel", "actors")

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

    findings.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    return findings


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

def _message_text(message) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, list):
        return "".join(block.get("text", "") if isinstance(block, dict) else str(block) for block in content)
    return str(content or "")


def extract_json(text: str):
    """The first JSON value in a model reply (tolerates ```json fences and chatter around it)."""
    cleaned = re.sub(r"```(?:json)?", "", text)
    for opener in ("[", "{"):
        start = cleaned.find(opener)
        while start != -1:
            try:
                value, _ = json.JSONDecoder().raw_decode(cleaned[start:])
                return value
            except json.JSONDecodeError:
                start = cleaned.find(opener, start + 1)
    raise ValueError("no JSON in reply")


def llm_findings(canvas: Canvas, chat_model, prompts_dir: Path | str | None = None,
                 max_findings: int = 6) -> list[Finding]:
    """Extra findings from a language model, validated; [] if there is no model or it fails."""
    if chat_model is None:
        return []
    try:
        from langchain_core.messages import HumanMessage, SystemMessage

        system = texts.text_file("critic_llm", canvas.language, prompts_dir)
        data = canvas.model_dump(mode="json", exclude={"suggestions", "owner", "id", "created", "updated",
                                                       "retry_field", "current_question"})
        reply = chat_model.invoke([SystemMessage(system), HumanMessage(json.dumps(data, ensure_ascii=False))])
        value = extract_json(_message_text(reply))
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
