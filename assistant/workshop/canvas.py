"""The workshop canvas: everything one municipality's guided workshop has found out.

One ``Canvas`` per workshop. It is plain data (pydantic v2), serialisable to JSON, and holds no
behaviour beyond validation and small helpers to read and write fields by dotted path
("need.evidence", "forankring.project_resource_percent").
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.catalog import BUILT_IN, TextCatalog

Lang = Literal["nb", "nn", "en"]
EvidenceKind = Literal["statistics", "survey", "plan", "tried", "other"]
ActorCategory = Literal[
    "internal_political",
    "internal_administrative",
    "internal_plan",
    "internal_naering",
    "business",
    "residents",
    "youth",
    "volunteers",
    "county_council",
    "other",
]
DecisionStatus = Literal["decided", "scheduled", "none"]
FundingStatus = Literal["secured", "applied", "unknown"]
EVIDENCE_KINDS: tuple[str, ...] = ("statistics", "survey", "plan", "tried", "other")
ACTOR_CATEGORIES: tuple[str, ...] = (
    "internal_political", "internal_administrative", "internal_plan", "internal_naering", "business",
    "residents", "youth", "volunteers", "county_council", "other",
)
MAX_PERSONAS = 3

# The eight principles of the national roadmap, in DOGA's order and wording (nb), with the
# Nynorsk wording used by Ålesund/United Future Lab and an English rendering.
PRINCIPLES: dict[str, dict[str, str]] = {
    "Sett innbyggerne i sentrum": {
        "nn": "Sett innbyggarane i sentrum", "en": "Put residents at the centre"},
    "Tenk helhetlig": {"nn": "Tenk heilheitleg", "en": "Think holistically"},
    "Prioriter klima og miljø": {"nn": "Prioriter klima og miljø", "en": "Prioritise climate and the environment"},
    "Vektlegg inkludering og samskaping": {
        "nn": "Vektlegg inkludering og samskaping", "en": "Emphasise inclusion and co-creation"},
    "Sats på neste generasjon næringsliv": {
        "nn": "Sats på neste generasjons næringsliv", "en": "Invest in the next generation of business"},
    "Del og ta i bruk åpne data": {"nn": "Del og ta i bruk opne data", "en": "Share and use open data"},
    "Sats på kompetanseutvikling, omstilling og innovasjon": {
        "nn": "Sats på kompetanseheving, omstilling og innovasjon",
        "en": "Invest in skills, transition and innovation"},
    "Begynn lokalt, men tenk globalt": {"nn": "Begynn lokalt, tenk globalt", "en": "Start locally, think globally"},
}
PRINCIPLE_NAMES: tuple[str, ...] = tuple(PRINCIPLES)
CLIMATE_PRINCIPLE = "Prioriter klima og miljø"

# Keywords that identify a principle in free text (any language form).
_PRINCIPLE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "Sett innbyggerne i sentrum": ("innbygger", "innbyggjar", "residents", "citizen", "people at the cent"),
    "Tenk helhetlig": ("helhet", "heilheit", "heilskap", "holistic", "whole"),
    "Prioriter klima og miljø": ("klima", "miljø", "climate", "environment"),
    "Vektlegg inkludering og samskaping": ("inkluder", "samskap", "inclusion", "co-creat", "cocreat"),
    "Sats på neste generasjon næringsliv": ("næringsliv", "neste generasjon", "business", "industry"),
    "Del og ta i bruk åpne data": ("åpne data", "opne data", "open data", "data"),
    "Sats på kompetanseutvikling, omstilling og innovasjon": (
        "kompetanse", "omstilling", "innovasjon", "skills", "competence", "innovation", "transition"),
    "Begynn lokalt, men tenk globalt": ("lokalt", "globalt", "locally", "globally", "global", "local"),
}


def principle_label(name: str, lang: str) -> str:
    """The principle's wording in the given language (canonical nb name in, display text out)."""
    if lang == "nb" or name not in PRINCIPLES:
        return name
    return PRINCIPLES[name].get(lang, name)


def match_principle(text: str) -> str | None:
    """The canonical principle a piece of text names: exact wording in any language, a number
    1-8, or a distinctive keyword. None when nothing matches."""
    cleaned = re.sub(r"\s+", " ", text.strip().strip("«»\"'.:;-–•*")).lower()
    if not cleaned:
        return None
    if cleaned.isdigit() and 1 <= int(cleaned) <= len(PRINCIPLE_NAMES):
        return PRINCIPLE_NAMES[int(cleaned) - 1]
    for canonical, variants in PRINCIPLES.items():
        forms = [canonical, *variants.values()]
        if any(cleaned == form.lower() or cleaned.startswith(form.lower()) for form in forms):
            return canonical
    # Keyword match; "data" and "local" are weak, so try the specific ones first.
    for canonical, keywords in _PRINCIPLE_KEYWORDS.items():
        if any(k in cleaned for k in keywords if k not in {"data", "local", "global", "business", "whole"}):
            return canonical
    for canonical, keywords in _PRINCIPLE_KEYWORDS.items():
        if any(re.search(rf"\b{re.escape(k)}", cleaned) for k in keywords):
            return canonical
    return None


def _now() -> datetime:
    return datetime.now(UTC)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=True)


class Evidence(_Model):
    kind: EvidenceKind = "other"
    text: str = Field(min_length=1)
    source: str = Field(default="", description="Where the fact comes from, as the user wrote it (\"SSB\").")


class Need(_Model):
    statement: str = Field(default="", description="The need in one sentence: who lacks what.")
    who: list[str] = Field(default_factory=list, description="Who experiences the problem.")
    consequences: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)


class TargetGroup(_Model):
    name: str = Field(min_length=1)
    needs: list[str] = Field(default_factory=list)


class Persona(_Model):
    name: str = Field(min_length=1)
    age_role: str = ""
    day_in_life: str = Field(default="", description="«En dag i livet».")
    motivations: list[str] = Field(default_factory=list)
    frustrations: list[str] = Field(default_factory=list)


class ResidentInput(_Model):
    kritikk: list[str] = Field(default_factory=list, description="What do you miss in the municipality today?")
    positivitet: list[str] = Field(default_factory=list, description="What is the best thing about the municipality "
                                                                     "today?")
    drommen: list[str] = Field(default_factory=list, description="If anything were possible, what would you do?")
    virkeliggjoring: list[str] = Field(default_factory=list, description="What can we do to come closer to the dream?")

    def is_empty(self) -> bool:
        return not (self.kritikk or self.positivitet or self.drommen or self.virkeliggjoring)


class Actor(_Model):
    name: str = Field(min_length=1)
    category: ActorCategory = "other"
    knows: str = Field(default="", description="What they know about the topic.")
    contributes: str = Field(default="", description="How they can help solve the challenge.")
    involve_how: str = Field(default="", description="How and when to involve them.")


class Principle(_Model):
    name: str
    why: str = ""

    @field_validator("name")
    @classmethod
    def _canonical(cls, value: str) -> str:
        canonical = match_principle(value)
        if canonical is None:
            raise ValueError("unknown_principle")  # a key of the import errors in the catalog
        return canonical


class PartnerBacking(_Model):
    """Where one partner municipality stands: decided (with date), scheduled, or nothing yet."""

    name: str = Field(min_length=1)
    status: DecisionStatus | None = None
    date: str = ""
    note: str = Field(default="", description="The user's own words about it.")


class Forankring(_Model):
    political_backing: str = Field(default="", description="Political decision or backing.")
    # The status, asked for explicitly; the drafts write «politisk forankret» only for a decision with a date.
    political_status: DecisionStatus | None = None
    political_body: str = Field(default="", description="Which body decided or will decide (formannskapet).")
    political_date: str = Field(default="", description="When it decided, or will decide, as written.")
    political_case: str = Field(default="", description="Case number (sak 14/25).")
    partner_backing: list[PartnerBacking] = Field(default_factory=list)
    administrative_backing: str = Field(default="", description="Administrative owner and backing.")
    project_resource_percent: float | None = Field(default=None, ge=0, le=100)
    county_council_informed: bool | None = None
    budget: str = ""
    cofinancing: str = ""
    funding_status: FundingStatus | None = None
    funding_amount: str = Field(default="", description="How much, as written (100 000 kr).")
    partners: list[str] = Field(default_factory=list, description="Project partners (county council, business, "
                                                                  "research).")


class Suggestion(_Model):
    """A value proposed by the language model. It is applied only when the user accepts it."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:10])
    field: str
    value: Any
    mode: Literal["replace", "merge"] = "replace"
    source: Literal["llm"] = "llm"
    note: str = ""
    created: datetime = Field(default_factory=_now)


class Canvas(_Model):
    """One workshop: from a raw local problem to a need-driven, innovation-friendly challenge."""

    schema_version: int = 1
    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    owner: str = Field(min_length=1)
    created: datetime = Field(default_factory=_now)
    updated: datetime = Field(default_factory=_now)
    language: Lang = "nb"

    municipality: str = ""
    partners: list[str] = Field(default_factory=list, description="Municipalities applying together.")
    contact_role: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    raw_problem: str = ""
    why_now: str = ""

    need: Need = Field(default_factory=Need)
    target_groups: list[TargetGroup] = Field(default_factory=list)
    personas: list[Persona] = Field(default_factory=list, max_length=MAX_PERSONAS)
    resident_input: ResidentInput = Field(default_factory=ResidentInput)
    resources: list[str] = Field(default_factory=list)
    fortrinn: list[str] = Field(default_factory=list, description="Local advantages.")
    barriers: list[str] = Field(default_factory=list)
    actors: list[Actor] = Field(default_factory=list)
    scenario_2030: str = ""
    principles: list[Principle] = Field(default_factory=list)
    sustainability: str = Field(default="", description="Social, environmental and economic ambitions.")
    reframing_from: str = ""
    reframing_to: str = ""
    hkv_questions: list[str] = Field(default_factory=list)
    success_criteria: list[str] = Field(default_factory=list, description="What a good solution must achieve.")
    vision: str = ""
    transfer_value: str = Field(default="", description="Who else has this problem; what others can reuse.")
    place_development: str = Field(default="", description="How the challenge links to place and business development.")
    forankring: Forankring = Field(default_factory=Forankring)

    # Conversation state
    completed_steps: list[str] = Field(default_factory=list)
    skipped_steps: list[str] = Field(default_factory=list)
    current_step: str | None = None
    current_question: int = Field(default=0, ge=0)
    retry_field: str | None = Field(default=None, description="A question already asked again once.")
    solution_ideas: list[str] = Field(default_factory=list, description="Solutions parked for later.")
    suggestions: list[Suggestion] = Field(default_factory=list)
    inspiration_shown: list[str] = Field(default_factory=list, description="Past cases already shown (sources).")

    def touch(self) -> None:
        self.updated = _now()

    @property
    def finished(self) -> bool:
        return self.current_step is None and bool(self.completed_steps or self.skipped_steps)


# ---------------------------------------------------------------------------------------------
# Dotted-path access
# ---------------------------------------------------------------------------------------------

def get_field(canvas: Canvas, path: str) -> Any:
    value: Any = canvas
    for part in path.split("."):
        if not hasattr(value, part):
            raise KeyError(path)
        value = getattr(value, part)
    return value


def set_field(canvas: Canvas, path: str, value: Any) -> Canvas:
    """A validated copy of ``canvas`` with ``path`` set to ``value`` (the original is unchanged).
    Raises ``KeyError`` for an unknown path and ``ValidationError`` for an invalid value."""
    data = canvas.model_dump()
    target = data
    parts = path.split(".")
    for part in parts[:-1]:
        if not isinstance(target, dict) or part not in target:
            raise KeyError(path)
        target = target[part]
    if not isinstance(target, dict) or parts[-1] not in target:
        raise KeyError(path)
    target[parts[-1]] = _plain(value)
    updated = Canvas.model_validate(data)
    updated.touch()
    return updated


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        return len(value) == 0
    if isinstance(value, ResidentInput):
        return value.is_empty()
    return False


# ---------------------------------------------------------------------------------------------
# JSON export and import
# ---------------------------------------------------------------------------------------------

class CanvasImportError(ValueError):
    """A canvas file could not be read; ``str(error)`` is a message for the user."""


def to_json(canvas: Canvas, indent: int | None = 2) -> str:
    return canvas.model_dump_json(indent=indent)


def to_export_json(canvas: Canvas) -> str:
    """A canvas file made for sharing: never carries the owner id (an import re-homes it)."""
    return canvas.model_dump_json(indent=2, exclude={"owner"})


def to_dict(canvas: Canvas) -> dict:
    return canvas.model_dump(mode="json")


def canvas_schema() -> dict:
    return Canvas.model_json_schema()


def from_json(text: str | bytes, owner: str | None = None, new_id: bool = False, lang: Lang = "nb",
              catalog: TextCatalog = BUILT_IN) -> Canvas:
    """Read a canvas from JSON. ``owner`` re-homes it (an import into the user's own account),
    ``new_id`` gives it a fresh id. Invalid input raises ``CanvasImportError`` with a clear
    message in ``lang`` (Norwegian by default)."""
    errors = catalog.workshop("import_errors", lang)["errors"]
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig", errors="replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CanvasImportError(errors["json"].format(line=exc.lineno)) from None
    if not isinstance(data, dict):
        raise CanvasImportError(errors["not_object"])
    if owner is not None:
        data["owner"] = owner
    if new_id:
        data["id"] = uuid.uuid4().hex
    try:
        return Canvas.model_validate(data)
    except ValidationError as exc:
        raise CanvasImportError(explain_validation_error(exc, lang, catalog)) from None


def explain_validation_error(exc: ValidationError, lang: Lang = "nb", catalog: TextCatalog = BUILT_IN) -> str:
    table = catalog.workshop("import_errors", lang)
    errors, labels = table["errors"], table["labels"]
    lines = [errors["intro"]]
    details = exc.errors()
    for error in details[:6]:
        where = " → ".join(
            errors["item"].format(n=part + 1) if isinstance(part, int) else labels.get(str(part), str(part))
            for part in error["loc"]
        ) or "?"
        kind = error["type"]
        ctx = error.get("ctx") or {}
        if kind == "missing":
            what = errors["missing"]
        elif kind == "extra_forbidden":
            what = errors["extra"]
        elif kind == "literal_error":
            expected = str(ctx.get("expected", ""))
            if lang != "en":
                expected = expected.replace(" or ", " eller ")
            what = errors["literal"].format(expected=expected)
        elif kind == "too_long":
            what = errors["too_long"].format(max=ctx.get("max_length", "?"))
        elif kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
            what = errors["number"]
        elif kind in ("greater_than_equal", "less_than_equal"):
            what = errors["range"]
        elif kind in ("bool_parsing", "bool_type"):
            what = errors["bool"]
        elif kind in ("string_type", "string_too_short"):
            what = errors["string"] if kind == "string_type" else errors["missing"]
        elif kind == "list_type":
            what = errors["list"]
        elif kind.startswith("datetime"):
            what = errors["date"]
        elif kind == "value_error" and str(ctx.get("error")) in errors:
            what = errors[str(ctx["error"])]
        else:
            what = errors["other"].format(msg=error.get("msg", kind))
        lines.append(f"- «{where}» {what}")
    if len(details) > 6:
        lines.append(errors["more"].format(n=len(details) - 6))
    return "\n".join(lines)


def new_canvas(owner: str, municipality: str = "", problem: str = "", language: Lang = "nb",
               partners: list[str] | None = None) -> Canvas:
    return Canvas(owner=owner, municipality=municipality, raw_problem=problem, language=language,
                  partners=list(partners or []))
