"""The guided conversation: ordered steps following the Gnist seed deck's co-creation exercises.

The structure (ids, order, which field each question fills and its field kind, see
``fields.KINDS``) lives here; every user-facing text (title, why, question, example, search
query) lives in ``prompts/workshop/steps.{nb,nn,en}.json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from assistant.catalog import BUILT_IN, TextCatalog
from assistant.workshop.canvas import Canvas
from assistant.workshop.fields import KINDS, FieldKind


@dataclass(frozen=True)
class QuestionDef:
    key: str  # "need.who", or a virtual key: "reframing", "actors.knows"
    kind: str  # a key of fields.KINDS
    check_bias: bool = False  # a need belongs here, so a solution gets a kind push-back
    fields: tuple[str, ...] = ()  # canvas fields it fills; default (key,)

    @property
    def targets(self) -> tuple[str, ...]:
        return self.fields or (self.key,)


@dataclass(frozen=True)
class StepDef:
    id: str
    questions: tuple[QuestionDef, ...]
    inspiration: bool = False  # entering the step shows a similar past case (once per case)

    @property
    def fields(self) -> tuple[str, ...]:
        seen: list[str] = []
        for question in self.questions:
            for target in question.targets:
                if target not in seen:
                    seen.append(target)
        return tuple(seen)


Q = QuestionDef
STEP_DEFS: tuple[StepDef, ...] = (
    StepDef("problem", (
        Q("raw_problem", "text", True),
        Q("need.who", "list", True),
        Q("need.consequences", "list"),
        Q("why_now", "text"),
    ), inspiration=True),
    StepDef("behov", (
        Q("need.statement", "text", True),
        Q("need.evidence", "evidence"),
        Q("resources", "list"),
        Q("fortrinn", "list"),
        Q("barriers", "list"),
    )),
    StepDef("malgrupper", (Q("target_groups", "target_groups", True),)),
    StepDef("personas", (Q("personas", "personas"),)),
    StepDef("innbyggerinnspill", (
        Q("resident_input.kritikk", "list"),
        Q("resident_input.positivitet", "list"),
        Q("resident_input.drommen", "list"),
        Q("resident_input.virkeliggjoring", "list"),
    )),
    StepDef("aktorer", (
        Q("actors.knows", "actors:knows", fields=("actors",)),
        Q("actors.contributes", "actors:contributes", fields=("actors",)),
        Q("actors.involve_how", "actors:involve_how", fields=("actors",)),
    )),
    StepDef("scenario", (Q("scenario_2030", "text"),)),
    StepDef("prinsipper", (
        Q("principles", "principles"),
        Q("sustainability", "text"),
    )),
    StepDef("fra_til", (Q("reframing", "from_to", True, ("reframing_from", "reframing_to")),), inspiration=True),
    StepDef("hkv", (
        Q("hkv_questions", "hkv", True),
        Q("success_criteria", "list", True),
    ), inspiration=True),
    StepDef("visjon", (
        Q("vision", "text"),
        Q("transfer_value", "text"),
        Q("place_development", "text"),
    )),
    StepDef("forankring", (
        Q("forankring.political_backing", "decision"),
        Q("forankring.administrative_backing", "text"),
        Q("forankring.project_resource_percent", "percent"),
        Q("forankring.county_council_informed", "yesno"),
        Q("forankring.budget", "text"),
        Q("forankring.cofinancing", "funding"),
        Q("partners", "list"),
        Q("forankring.partner_backing", "partner_backing"),
        Q("forankring.partners", "list"),
        Q("contact_role", "contact"),
    )),
)
STEP_IDS: tuple[str, ...] = tuple(s.id for s in STEP_DEFS)
_BY_ID = {s.id: s for s in STEP_DEFS}

# The kind of every editable path: the questions' keys, and fields no question asks directly.
PATH_KINDS: dict[str, str] = {q.key: q.kind for s in STEP_DEFS for q in s.questions}
PATH_KINDS.update({"actors": "actors", "reframing_from": "text", "reframing_to": "text", "municipality": "text",
                   "solution_ideas": "list"})
_STEP_OF_PATH = {target: s.id for s in STEP_DEFS for q in s.questions for target in (q.key, *q.targets)}


def kind_of(path: str) -> FieldKind:
    """The field kind of an editable path; KeyError for a path nobody can edit."""
    return KINDS[PATH_KINDS[path]]


def step_of(path: str) -> str | None:
    """The step that asks for ``path`` ("need.evidence" → "behov"); None for other fields."""
    base = path.rsplit(".", 1)[0] if path.rsplit(".", 1)[-1].isdigit() else path
    return _STEP_OF_PATH.get(base)


def step_def(step_id: str) -> StepDef:
    if step_id not in _BY_ID:
        raise KeyError(f"ukjent steg: {step_id}")
    return _BY_ID[step_id]


def step_index(step_id: str) -> int:
    return STEP_IDS.index(step_id)


# ---------------------------------------------------------------------------------------------
# Localised views
# ---------------------------------------------------------------------------------------------

@dataclass
class Question:
    key: str
    kind: str
    check_bias: bool
    fields: list[str]
    text: str
    hint: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Step:
    id: str
    index: int  # 0-based
    total: int
    title: str
    why: str
    fields: list[str]
    questions: list[Question]
    exercise: str = ""  # the seed-deck exercise it follows
    extra: dict = field(default_factory=dict)

    @property
    def number(self) -> int:
        return self.index + 1

    def as_dict(self) -> dict:
        data = asdict(self)
        data["number"] = self.number
        return data


def load_steps(lang: str = "nb", catalog: TextCatalog = BUILT_IN) -> list[Step]:
    """All steps in order, with texts in ``lang`` (Bokmål fallback for a missing text)."""
    localized = catalog.workshop("steps", lang)
    fallback = catalog.workshop("steps", "nb")
    steps: list[Step] = []
    for index, definition in enumerate(STEP_DEFS):
        data = localized.get(definition.id) or fallback[definition.id]
        base = fallback[definition.id]
        questions = []
        for qdef in definition.questions:
            qtext = data.get("questions", {}).get(qdef.key) or base["questions"][qdef.key]
            questions.append(Question(qdef.key, qdef.kind, qdef.check_bias, list(qdef.targets),
                                      qtext["text"], qtext.get("hint", "")))
        steps.append(Step(
            id=definition.id, index=index, total=len(STEP_DEFS), title=data.get("title", base["title"]),
            why=data.get("why", base["why"]), fields=list(definition.fields), questions=questions,
            exercise=data.get("exercise", base.get("exercise", "")),
        ))
    return steps


def get_step(step_id: str, lang: str = "nb", catalog: TextCatalog = BUILT_IN) -> Step:
    return load_steps(lang, catalog)[step_index(step_id)]


def question_answered(canvas: Canvas, question: Question | QuestionDef) -> bool:
    return KINDS[question.kind].is_answered(canvas, question.key)


def step_filled(canvas: Canvas, step_id: str) -> bool:
    """Every question of the step has a non-empty answer on the canvas."""
    return all(question_answered(canvas, q) for q in step_def(step_id).questions)
