"""The guided workshop as a UI-agnostic service.

One question at a time: ``submit`` parses the answer into the current question's field (rule
parsing always; an LLM's structured reading only as a *suggestion* the user can accept or
edit), pushes back kindly once when a solution is written where a need belongs, and moves on.
Every call loads the canvas by (owner, id) and saves it again, so a user can leave and come
back later, and nobody can reach someone else's canvas.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from assistant.workshop import critic, drafts, solution_bias, texts
from assistant.workshop.canvas import (
    Actor,
    Canvas,
    Evidence,
    Lang,
    Persona,
    Principle,
    Suggestion,
    TargetGroup,
    explain_validation_error,
    from_json,
    new_canvas,
    principle_label,
    set_field,
    to_export_json,
)
from assistant.workshop.parsing import (
    ParseProblem,
    clean_text,
    merge_actors,
    parse_answer,
)
from assistant.workshop.similar import SimilarCase, find_similar
from assistant.workshop.solution_bias import SolutionFinding
from assistant.workshop.steps import STEP_DEFS, STEP_IDS, Question, Step, load_steps, search_query, step_index
from assistant.workshop.store import CanvasStore, CanvasSummary

log = logging.getLogger(__name__)

SKIP_WORDS = {
    "hopp over", "hopp", "neste", "skip", "next", "pass", "vet ikke", "veit ikkje", "veit ikke", "vet ikkje",
    "don't know", "dont know", "i don't know", "ingen anelse", "-", "–", "hopp over dette", "skip this",
}
# Answers that mean "none" for a list question ("Søker dere sammen med andre kommuner?" "Nei").
_NONE_ANSWER = re.compile(r"^\s*(nei|no|ingen|inga|none|nobody|ingen andre|ingen foreløpig|ikke nå|ikkje no)\s*[.!]?\s*$",
                          re.IGNORECASE)
_STRUCTURED_KINDS = {"evidence", "target_groups", "personas", "actors", "principles", "from_to"}
_LLM_TYPES: dict[str, Any] = {
    "evidence": list[Evidence],
    "target_groups": list[TargetGroup],
    "personas": list[Persona],
    "actors": list[Actor],
    "principles": list[Principle],
}

# How update_field reads a string for a field (paths the questions do not cover directly).
FIELD_KINDS: dict[str, str] = {q.key: q.kind for s in STEP_DEFS for q in s.questions}
FIELD_KINDS.update({
    "actors": "actors", "reframing_from": "text", "reframing_to": "text", "municipality": "text",
    "vision": "text", "solution_ideas": "list",
})


class WorkshopError(ValueError):
    """A request the service cannot carry out; ``str(error)`` is a message for the user."""


@dataclass
class Progress:
    completed: list[str]
    skipped: list[str]
    total: int
    current_step: str | None
    current_number: int | None
    question_index: int
    question_total: int
    percent: int
    finished: bool
    steps: list[dict]

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Reply:
    message: str
    canvas: Canvas
    step: Step | None
    question: Question | None
    progress: Progress
    feedback: list[str] = field(default_factory=list)
    bias: list[SolutionFinding] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)  # added in this turn
    advanced: bool = False
    finished: bool = False
    search_query: str = ""
    inspiration: list[SimilarCase] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "message": self.message,
            "canvas": self.canvas.model_dump(mode="json"),
            "step": self.step.as_dict() if self.step else None,
            "question": self.question.as_dict() if self.question else None,
            "progress": self.progress.as_dict(),
            "feedback": self.feedback,
            "bias": [b.as_dict() for b in self.bias],
            "suggestions": [s.model_dump(mode="json") for s in self.suggestions],
            "advanced": self.advanced,
            "finished": self.finished,
            "search_query": self.search_query,
            "inspiration": [c.as_dict() for c in self.inspiration],
        }


def _message_text(message) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, list):
        return "".join(block.get("text", "") if isinstance(block, dict) else str(block) for block in content)
    return str(content or "")


class WorkshopService:
    def __init__(self, store: CanvasStore, prompts_dir: Path | str | None = None,
                 search: Callable | None = None, chat_model=None,
                 detect_language: Callable[[str], str] | None = None) -> None:
        self.store = store
        self.prompts_dir = prompts_dir
        self.search = search
        self.chat_model = chat_model
        self._detect_language = detect_language

    @classmethod
    def from_settings(cls, settings, search: Callable | None = None, chat_model=None) -> WorkshopService:
        """The service on ``settings.database_path`` with the texts in ``settings.prompts_dir``."""
        return cls(CanvasStore(settings.database_path), settings.prompts_dir, search=search, chat_model=chat_model)

    # -- texts ------------------------------------------------------------------------------

    def _msg(self, key: str, lang: str, **values) -> str:
        return texts.message(key, lang, self.prompts_dir, **values)

    def steps(self, language: Lang = "nb") -> list[Step]:
        return load_steps(language, self.prompts_dir)

    def _step(self, canvas: Canvas, step_id: str) -> Step:
        return self.steps(canvas.language)[step_index(step_id)]

    def detect_language(self, text: str) -> Lang:
        if self._detect_language is not None:
            return self._detect_language(text)  # type: ignore[return-value]
        try:
            from assistant.services.language import detect_language

            return detect_language(text)
        except Exception:  # noqa: BLE001 - the detector is optional; marker words are good enough
            return solution_bias.guess_language(text)  # type: ignore[return-value]

    # -- canvases ---------------------------------------------------------------------------

    def start(self, owner: str, municipality: str = "", problem: str = "", language: Lang | None = None,
              partners: list[str] | None = None) -> Canvas:
        """A new canvas positioned at its first open question, saved for ``owner``."""
        problem = clean_text(problem or "")
        lang = language or (self.detect_language(problem) if problem else "nb")
        canvas = new_canvas(owner, municipality.strip(), problem, lang, partners)
        canvas.current_step = STEP_IDS[0]
        canvas.current_question = 0
        if problem:
            findings = solution_bias.detect(problem, lang, self.prompts_dir)
            if findings:
                canvas.retry_field = "raw_problem"  # push back once, in the opening message
                canvas.solution_ideas = [f.phrase for f in findings]
            else:
                canvas = self._skip_answered(canvas)
        self.store.create(canvas)
        return canvas

    def get(self, owner: str, canvas_id: str) -> Canvas:
        return self.store.get(owner, canvas_id)

    def list(self, owner: str) -> list[CanvasSummary]:
        return self.store.list(owner)

    def delete(self, owner: str, canvas_id: str) -> bool:
        return self.store.delete(owner, canvas_id)

    def delete_all(self, owner: str) -> int:
        return self.store.delete_all(owner)

    def export_json(self, owner: str, canvas_id: str) -> str:
        return to_export_json(self.get(owner, canvas_id))

    def import_json(self, owner: str, text: str | bytes) -> Canvas:
        """Import a canvas file into ``owner``'s account under a new id (CanvasImportError if invalid)."""
        canvas = from_json(text, owner=owner, new_id=True)
        canvas.touch()
        self.store.create(canvas)
        return canvas

    # -- the conversation -------------------------------------------------------------------

    def current(self, owner: str, canvas_id: str) -> Reply:
        """The current question (a welcome for a new canvas, a welcome back otherwise)."""
        canvas = self.get(owner, canvas_id)
        lang = canvas.language
        feedback: list[str] = []
        bias: list[SolutionFinding] = []
        fresh = not canvas.completed_steps and not canvas.skipped_steps and canvas.current_step == STEP_IDS[0] \
            and canvas.current_question <= 1 and not canvas.need.who
        if fresh:
            feedback.append(self._msg("welcome", lang, problem=canvas.raw_problem) if canvas.raw_problem
                            else self._msg("welcome_no_problem", lang))
            if canvas.retry_field == "raw_problem" and canvas.raw_problem:
                bias = solution_bias.detect(canvas.raw_problem, lang, self.prompts_dir)
                if bias:
                    feedback.append(bias[0].message)
                    feedback.append(self._msg("bias_parked", lang, phrase=bias[0].phrase))
        elif canvas.current_step is not None:
            feedback.append(self._msg("welcome_back", lang))
        else:
            feedback.append(self._msg("finished", lang))
        return self._reply(canvas, feedback, entered=True, bias=bias)

    def submit(self, owner: str, canvas_id: str, text: str) -> Reply:
        canvas = self.get(owner, canvas_id)
        lang = canvas.language
        if canvas.current_step is None:
            return self._reply(canvas, [self._msg("finished", lang)])
        step = self._step(canvas, canvas.current_step)
        question = step.questions[min(canvas.current_question, len(step.questions) - 1)]
        text = (text or "").strip()
        if not text:
            return self._reply(canvas, [self._msg("empty_answer", lang)])
        if text.lower().strip(" .!") in SKIP_WORDS:
            return self._skip_question(canvas)

        feedback: list[str] = []
        base_kind = question.kind.split(":", 1)[0]
        proper_nouns = tuple(n for n in [canvas.municipality, *canvas.partners] if n)
        try:
            if base_kind in ("list", "actors") and _NONE_ANSWER.match(text):
                value: Any = []
            else:
                value = parse_answer(question.kind, text, lang, proper_nouns)
        except ParseProblem as problem:
            if canvas.retry_field != question.key:
                canvas.retry_field = question.key
                canvas.touch()
                self.store.save(canvas)
                return self._reply(canvas, [self._msg(f"retry_{problem}", lang)])
            value = None
            if base_kind == "from_to":
                canvas = set_field(canvas, "reframing_to", clean_text(text))
                feedback.append(self._msg("kept_as_text", lang))
            else:
                feedback.append(self._msg("left_empty", lang))
        # A solution where a need belongs: push back once (parking the idea, not storing it as
        # the need), then accept the user's wording if they give it again.
        bias = solution_bias.detect(text, lang, self.prompts_dir) if question.check_bias else []
        if bias and canvas.retry_field != question.key:
            for finding in bias:
                if finding.phrase not in canvas.solution_ideas:
                    canvas.solution_ideas.append(finding.phrase)
            canvas.retry_field = question.key
            canvas.touch()
            self.store.save(canvas)
            return self._reply(canvas, [bias[0].message, self._msg("bias_parked", lang, phrase=bias[0].phrase)],
                               bias=bias)
        if value is not None:
            canvas = self._apply(canvas, question, value)
            feedback.insert(0, self._describe(value, lang))
        if bias:
            feedback.append(self._msg("bias_accepted", lang))

        new_suggestions: list[Suggestion] = []
        if self.chat_model is not None and base_kind in _STRUCTURED_KINDS:
            suggestion = self._llm_suggestion(canvas, question, text, value)
            if suggestion is not None:
                canvas.suggestions.append(suggestion)
                new_suggestions.append(suggestion)
                feedback.append(self._msg("suggestion_added", lang, field=question.key))

        canvas.retry_field = None
        canvas, done_title = self._advance(canvas)
        canvas.touch()
        self.store.save(canvas)
        if done_title:
            feedback.append(self._msg("step_done", lang, title=done_title))
        entered = done_title is not None
        if canvas.current_step is None:
            feedback.append(self._msg("finished", lang))
        return self._reply(canvas, feedback, entered=entered, bias=bias, suggestions=new_suggestions, advanced=True)

    def goto(self, owner: str, canvas_id: str, step_id: str, question: int = 0) -> Reply:
        if step_id not in STEP_IDS:
            raise WorkshopError(f"Ukjent steg: {step_id}")
        canvas = self.get(owner, canvas_id)
        step = self._step(canvas, step_id)
        canvas.current_step = step_id
        canvas.current_question = max(0, min(question, len(step.questions) - 1))
        canvas.retry_field = None
        canvas.touch()
        self.store.save(canvas)
        return self._reply(canvas, [self._msg("goto", canvas.language, title=step.title)], entered=True)

    def skip(self, owner: str, canvas_id: str, scope: str = "step") -> Reply:
        """Skip the current step (scope="step") or only the current question (scope="question")."""
        canvas = self.get(owner, canvas_id)
        if canvas.current_step is None:
            return self._reply(canvas, [self._msg("finished", canvas.language)])
        if scope == "question":
            return self._skip_question(canvas)
        title = self._step(canvas, canvas.current_step).title
        if canvas.current_step not in canvas.completed_steps and canvas.current_step not in canvas.skipped_steps:
            canvas.skipped_steps.append(canvas.current_step)
        canvas.current_step = self._next_step(canvas, canvas.current_step)
        canvas.current_question = 0
        canvas.retry_field = None
        canvas = self._skip_answered(canvas)
        canvas.touch()
        self.store.save(canvas)
        feedback = [self._msg("skipped_step", canvas.language, title=title)]
        if canvas.current_step is None:
            feedback.append(self._msg("finished", canvas.language))
        return self._reply(canvas, feedback, entered=True, advanced=True)

    def progress(self, owner: str, canvas_id: str) -> Progress:
        return self._progress(self.get(owner, canvas_id))

    # -- editing ----------------------------------------------------------------------------

    def update_field(self, owner: str, canvas_id: str, field_path: str, value: Any) -> Canvas:
        """Set a field directly (the live canvas in the UI). A string is parsed like an answer
        to that field; structured values are validated. Raises WorkshopError with a message."""
        canvas = self.get(owner, canvas_id)
        canvas = self._set(canvas, field_path, value)
        self.store.save(canvas)
        return canvas

    def accept_suggestion(self, owner: str, canvas_id: str, suggestion_id: str, value: Any = None) -> Canvas:
        """Apply a suggestion (optionally edited: ``value``) and remove it from the list."""
        canvas = self.get(owner, canvas_id)
        suggestion = next((s for s in canvas.suggestions if s.id == suggestion_id), None)
        if suggestion is None:
            raise WorkshopError("Fant ikke forslaget. Det kan allerede være godtatt eller forkastet.")
        chosen = suggestion.value if value is None else value
        if suggestion.field == "reframing":
            pair = chosen if isinstance(chosen, (list, tuple)) else (chosen.get("from", ""), chosen.get("to", ""))
            canvas = self._set(canvas, "reframing_from", pair[0])
            canvas = self._set(canvas, "reframing_to", pair[1])
        elif suggestion.mode == "merge" and suggestion.field == "actors":
            try:
                actors = TypeAdapter(list[Actor]).validate_python(chosen)
            except ValidationError as exc:
                raise WorkshopError(explain_validation_error(exc, canvas.language)) from None
            canvas = set_field(canvas, "actors", merge_actors(canvas.actors, actors))
        else:
            canvas = self._set(canvas, suggestion.field, chosen)
        canvas.suggestions = [s for s in canvas.suggestions if s.id != suggestion_id]
        canvas.touch()
        self.store.save(canvas)
        return canvas

    def reject_suggestion(self, owner: str, canvas_id: str, suggestion_id: str) -> Canvas:
        canvas = self.get(owner, canvas_id)
        canvas.suggestions = [s for s in canvas.suggestions if s.id != suggestion_id]
        canvas.touch()
        self.store.save(canvas)
        return canvas

    # -- results ----------------------------------------------------------------------------

    def check(self, owner: str, canvas_id: str, use_llm: bool = False) -> list[critic.Finding]:
        canvas = self.get(owner, canvas_id)
        findings = critic.check(canvas, self.prompts_dir)
        if use_llm and self.chat_model is not None:
            findings += critic.llm_findings(canvas, self.chat_model, self.prompts_dir)
        return findings

    def draft(self, owner: str, canvas_id: str, kind: str, fmt: str = "md", language: Lang | None = None,
              path: Path | str | None = None) -> str | bytes:
        return drafts.render(self.get(owner, canvas_id), kind, language, fmt, path, self.prompts_dir)

    def similar(self, owner: str, canvas_id: str, k: int = 3) -> list[SimilarCase]:
        if self.search is None:
            return []
        return find_similar(self.get(owner, canvas_id), self.search, k=k)

    # -- internals --------------------------------------------------------------------------

    def _set(self, canvas: Canvas, field_path: str, value: Any) -> Canvas:
        lang = canvas.language
        kind = FIELD_KINDS.get(field_path)
        try:
            if isinstance(value, str) and kind is not None:
                if kind.startswith("actors") and field_path == "actors":
                    value = parse_answer("actors", value, lang)
                elif kind == "from_to":
                    pair = parse_answer(kind, value, lang)
                    canvas = set_field(canvas, "reframing_from", pair[0])
                    return set_field(canvas, "reframing_to", pair[1])
                elif field_path.startswith("actors."):
                    actors = parse_answer(kind, value, lang)
                    return set_field(canvas, "actors", merge_actors(canvas.actors, actors))
                else:
                    value = parse_answer(kind, value, lang, (canvas.municipality,))
            return set_field(canvas, field_path, value)
        except ParseProblem as problem:
            raise WorkshopError(self._msg(f"retry_{problem}", lang)) from None
        except ValidationError as exc:
            raise WorkshopError(explain_validation_error(exc, lang)) from None
        except KeyError:
            raise WorkshopError(f"Ukjent felt: {field_path}") from None

    def _apply(self, canvas: Canvas, question: Question, value: Any) -> Canvas:
        """Write a parsed answer to the question's field(s)."""
        if question.kind == "from_to":
            canvas = set_field(canvas, "reframing_from", value[0])
            return set_field(canvas, "reframing_to", value[1])
        if question.kind.startswith("actors"):
            return set_field(canvas, "actors", merge_actors(canvas.actors, value))
        return set_field(canvas, question.key, value)

    def _describe(self, value: Any, lang: str) -> str:
        if isinstance(value, tuple) and len(value) == 2:
            return self._msg("ack_from_to", lang, src=value[0], dst=value[1])
        if isinstance(value, bool):
            return self._msg("ack_value", lang, value=self._msg("yes" if value else "no", lang))
        if isinstance(value, float | int):
            return self._msg("ack_value", lang, value=self._msg("percent", lang, value=f"{value:g}"))
        if isinstance(value, list):
            if not value:
                return self._msg("ack_value", lang, value=self._msg("none", lang))
            names = []
            for item in value:
                if isinstance(item, Principle):
                    names.append(principle_label(item.name, lang))
                elif hasattr(item, "name"):
                    names.append(item.name)
                elif hasattr(item, "text"):
                    names.append(item.text)
                else:
                    names.append(str(item))
            shown = "; ".join(names[:6]) + (" …" if len(names) > 6 else "")
            return self._msg("ack_items", lang, count=len(names), items=shown)
        return self._msg("ack", lang)

    def _skip_question(self, canvas: Canvas) -> Reply:
        lang = canvas.language
        canvas.retry_field = None
        canvas, done_title = self._advance(canvas, skip_answered=True)
        canvas.touch()
        self.store.save(canvas)
        feedback = [self._msg("skipped_question", lang)]
        if done_title:
            feedback.append(self._msg("step_done", lang, title=done_title))
        if canvas.current_step is None:
            feedback.append(self._msg("finished", lang))
        return self._reply(canvas, feedback, entered=done_title is not None, advanced=True)

    def _next_step(self, canvas: Canvas, after: str | None) -> str | None:
        closed = set(canvas.completed_steps) | set(canvas.skipped_steps)
        start = STEP_IDS.index(after) + 1 if after in STEP_IDS else 0
        for step_id in STEP_IDS[start:]:
            if step_id not in closed:
                return step_id
        for step_id in STEP_IDS[:start]:
            if step_id not in closed:
                return step_id
        return None

    def _skip_answered(self, canvas: Canvas) -> Canvas:
        """On entering a step, skip the questions whose fields the canvas already has."""
        from assistant.workshop.steps import question_answered

        while canvas.current_step is not None:
            step = self._step(canvas, canvas.current_step)
            while canvas.current_question < len(step.questions) and question_answered(
                canvas, step.questions[canvas.current_question]
            ):
                canvas.current_question += 1
            if canvas.current_question < len(step.questions):
                return canvas
            self._complete(canvas, canvas.current_step)
            canvas.current_step = self._next_step(canvas, canvas.current_step)
            canvas.current_question = 0
        return canvas

    @staticmethod
    def _complete(canvas: Canvas, step_id: str) -> None:
        if step_id not in canvas.completed_steps:
            canvas.completed_steps.append(step_id)
        if step_id in canvas.skipped_steps:
            canvas.skipped_steps.remove(step_id)

    def _advance(self, canvas: Canvas, skip_answered: bool = True) -> tuple[Canvas, str | None]:
        """Next question; at the end of a step, mark it done and enter the next open step.
        Returns the canvas and the title of the step just finished (or None)."""
        step = self._step(canvas, canvas.current_step)
        canvas.current_question += 1
        if canvas.current_question < len(step.questions):
            return canvas, None
        self._complete(canvas, step.id)
        canvas.current_step = self._next_step(canvas, step.id)
        canvas.current_question = 0
        if skip_answered:
            canvas = self._skip_answered(canvas)
        return canvas, step.title

    def _progress(self, canvas: Canvas) -> Progress:
        steps = self.steps(canvas.language)
        current = canvas.current_step
        question_total = len(steps[step_index(current)].questions) if current else 0
        overview = []
        for step in steps:
            status = ("current" if step.id == current else "done" if step.id in canvas.completed_steps
                      else "skipped" if step.id in canvas.skipped_steps else "todo")
            overview.append({"id": step.id, "title": step.title, "number": step.number, "status": status})
        return Progress(
            completed=list(canvas.completed_steps), skipped=list(canvas.skipped_steps), total=len(steps),
            current_step=current, current_number=step_index(current) + 1 if current else None,
            question_index=canvas.current_question if current else 0, question_total=question_total,
            percent=round(100 * len(canvas.completed_steps) / len(steps)),
            finished=current is None, steps=overview,
        )

    def _reply(self, canvas: Canvas, feedback: list[str], entered: bool = False,
               bias: list[SolutionFinding] | None = None, suggestions: list[Suggestion] | None = None,
               advanced: bool = False) -> Reply:
        lang = canvas.language
        parts = [f for f in feedback if f]
        step = question = None
        query = ""
        inspiration: list[SimilarCase] = []
        if canvas.current_step is not None:
            step = self._step(canvas, canvas.current_step)
            question = step.questions[min(canvas.current_question, len(step.questions) - 1)]
            query = search_query(step, canvas)
            if entered:
                parts.append("**" + self._msg("step_heading", lang, number=step.number, total=step.total,
                                               title=step.title) + "**")
                parts.append(step.why)
                if self.search is not None:
                    inspiration = find_similar(canvas, self.search, k=1, query=query)
                    for case in inspiration:
                        if case.reframing:
                            parts.append(self._msg("inspiration", lang, municipality=case.municipality,
                                                   round=case.round, reframing=case.reframing, title=case.title))
            parts.append(question.text)
            if question.hint:
                parts.append(self._msg("example", lang, hint=question.hint))
        return Reply(
            message="\n\n".join(parts), canvas=canvas, step=step, question=question,
            progress=self._progress(canvas), feedback=[f for f in feedback if f], bias=bias or [],
            suggestions=suggestions or [], advanced=advanced, finished=canvas.current_step is None,
            search_query=query, inspiration=inspiration,
        )

    # -- the optional language model --------------------------------------------------------

    def _llm_suggestion(self, canvas: Canvas, question: Question, text: str, rule_value: Any) -> Suggestion | None:
        """The model's structured reading of the answer, validated; None on any failure or
        when it adds nothing to the rule parse."""
        base_kind = question.kind.split(":", 1)[0]
        try:
            from langchain_core.messages import HumanMessage, SystemMessage

            if base_kind == "from_to":
                schema = {"type": "object", "properties": {"from": {"type": "string"}, "to": {"type": "string"}},
                          "required": ["from", "to"]}
            else:
                schema = TypeAdapter(_LLM_TYPES[base_kind]).json_schema()
            system = texts.text_file("extract", canvas.language, self.prompts_dir).format(
                field=question.key, schema=json.dumps(schema, ensure_ascii=False))
            reply = self.chat_model.invoke([SystemMessage(system), HumanMessage(text)])
            data = critic.extract_json(_message_text(reply))
            if isinstance(data, dict) and "value" in data:
                data = data["value"]
            if base_kind == "from_to":
                if not isinstance(data, dict):
                    raise ValueError("expected an object with from/to")
                pair = (clean_text(str(data.get("from", ""))), clean_text(str(data.get("to", ""))))
                if not all(pair) or pair == tuple(rule_value or ()):
                    return None
                return Suggestion(field="reframing", value={"from": pair[0], "to": pair[1]})
            items = TypeAdapter(_LLM_TYPES[base_kind]).validate_python(data)
            value = [item.model_dump(mode="json") for item in items]
            if not value:
                return None
            current = [item.model_dump(mode="json") for item in (rule_value or [])]
            if value == current:
                return None
            target = "actors" if base_kind == "actors" else question.key
            return Suggestion(field=target, value=value, mode="merge" if base_kind == "actors" else "replace")
        except Exception as exc:  # noqa: BLE001 - the model is optional; the rule parse stands
            log.warning("LLM extraction ignored for %s: %s", question.key, exc)
            return None
