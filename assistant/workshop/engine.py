"""The guided conversation, one question at a time, on a canvas in memory (no storage).

``answer`` reads the reply into the current question's field through its field kind (rule
parsing always; a language model's structured reading only as a *suggestion* the user can
accept or edit), pushes back kindly once when a solution is written where a need belongs, and
moves on. Every change touches the canvas, so the service knows when to save it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import TypeAdapter

from assistant.catalog import BUILT_IN, TextCatalog
from assistant.workshop import solution_bias, themes
from assistant.workshop.canvas import Canvas, Suggestion
from assistant.workshop.fields import KINDS, Context, ParseProblem, Reframing, label
from assistant.workshop.llm import extract_json, message_text
from assistant.workshop.parsing import clean_text
from assistant.workshop.similar import SimilarCase, inspiration
from assistant.workshop.solution_bias import SolutionFinding
from assistant.workshop.steps import (
    STEP_DEFS,
    STEP_IDS,
    Question,
    Step,
    load_steps,
    question_answered,
    step_index,
)

log = logging.getLogger(__name__)

SKIP_WORDS = {
    "hopp over", "hopp", "neste", "skip", "next", "pass", "vet ikke", "veit ikkje", "veit ikke", "vet ikkje",
    "don't know", "dont know", "i don't know", "ingen anelse", "-", "–", "hopp over dette", "skip this",
}
# Answers that mean "none" for a list question ("Søker dere sammen med andre kommuner?" "Nei").
_NONE_ANSWER = re.compile(r"^\s*(nei|no|ingen|inga|none|nobody|ingen andre|ingen foreløpig|ikke nå|"
                          r"ikkje no)\s*[.!]?\s*$",
                          re.IGNORECASE)


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
            "inspiration": [c.as_dict() for c in self.inspiration],
        }


class Conversation:
    def __init__(self, catalog: TextCatalog = BUILT_IN, search: Callable | None = None,
                 chat_model=None) -> None:
        self.catalog = catalog
        self.search = search
        self.chat_model = chat_model

    def _msg(self, key: str, lang: str, **values) -> str:
        return self.catalog.workshop_message(key, lang, **values)

    def steps(self, lang: str = "nb") -> list[Step]:
        return load_steps(lang, self.catalog)

    def steps_for(self, canvas: Canvas) -> list[Step]:
        """The steps in the canvas' language, with examples that fit its problem."""
        return [themes.adapt_step(step, canvas, self.catalog) for step in self.steps(canvas.language)]

    def step(self, canvas: Canvas, step_id: str) -> Step:
        return themes.adapt_step(self.steps(canvas.language)[step_index(step_id)], canvas, self.catalog)

    def _context(self, canvas: Canvas) -> Context:
        return Context.of(canvas, self.catalog)

    # -- turns ------------------------------------------------------------------------------

    def begin(self, canvas: Canvas) -> Canvas:
        """A new canvas positioned at its first open question; a solution as the problem is
        pushed back once, in the opening message."""
        canvas.current_step = STEP_IDS[0]
        canvas.current_question = 0
        if canvas.raw_problem:
            findings = solution_bias.detect(canvas.raw_problem, canvas.language, self.catalog)
            if findings:
                canvas.retry_field = "raw_problem"
                canvas.solution_ideas = [f.phrase for f in findings]
            else:
                canvas = self._skip_answered(canvas)
        return canvas

    def opening(self, canvas: Canvas, joined: bool = False, host: str | None = None) -> Reply:
        """The current question, after a welcome for a new canvas or a welcome back; for a colleague
        (``host``: the owner's name as the colleague sees it) a welcome to the workshop ``host``
        shared, the first time (``joined``), or back to it."""
        lang = canvas.language
        feedback: list[str] = []
        bias: list[SolutionFinding] = []
        fresh = not canvas.completed_steps and not canvas.skipped_steps and canvas.current_step == STEP_IDS[0] \
            and canvas.current_question <= 1 and not canvas.need.who
        if host is not None:
            feedback.append(self._msg("joined" if joined else "joined_back", lang, owner=host))
            if canvas.current_step is None:
                feedback.append(self._msg("finished", lang))
        elif fresh:
            feedback.append(self._msg("welcome", lang, problem=canvas.raw_problem) if canvas.raw_problem
                            else self._msg("welcome_no_problem", lang))
            if canvas.retry_field == "raw_problem" and canvas.raw_problem:
                bias = solution_bias.detect(canvas.raw_problem, lang, self.catalog)
                if bias:
                    feedback += [bias[0].message, self._msg("bias_parked", lang, phrase=bias[0].phrase)]
        elif canvas.current_step is not None:
            feedback.append(self._msg("welcome_back", lang))
        else:
            feedback.append(self._msg("finished", lang))
        return self._reply(canvas, feedback, entered=True, bias=bias)

    def answer(self, canvas: Canvas, text: str) -> Reply:
        lang = canvas.language
        if canvas.current_step is None:
            return self._reply(canvas, [self._msg("finished", lang)])
        step = self.step(canvas, canvas.current_step)
        question = step.questions[min(canvas.current_question, len(step.questions) - 1)]
        kind = KINDS[question.kind]
        text = (text or "").strip()
        if not text:
            return self._reply(canvas, [self._msg("empty_answer", lang)])
        if text.lower().strip(" .!") in SKIP_WORDS:
            return self._skip_question(canvas)

        feedback: list[str] = []
        try:
            value: Any = [] if kind.none_means_empty and _NONE_ANSWER.match(text) else \
                kind.read_answer(text, self._context(canvas))
        except ParseProblem as problem:
            if canvas.retry_field != question.key:
                canvas.retry_field = question.key
                canvas.touch()
                return self._reply(canvas, [self._msg(f"retry_{problem}", lang)])
            value = None
            if kind.fallback is not None:
                canvas = kind.apply(canvas, question.key, kind.fallback(text))
                feedback.append(self._msg("kept_as_text", lang))
            else:
                feedback.append(self._msg("left_empty", lang))
        # A solution where a need belongs: push back once (parking the idea, not storing it as
        # the need), then accept the user's wording if they give it again.
        bias = solution_bias.detect(text, lang, self.catalog) if question.check_bias else []
        if bias and canvas.retry_field != question.key:
            canvas.solution_ideas += [f.phrase for f in bias if f.phrase not in canvas.solution_ideas]
            canvas.retry_field = question.key
            canvas.touch()
            return self._reply(canvas, [bias[0].message, self._msg("bias_parked", lang, phrase=bias[0].phrase)],
                               bias=bias)
        if value is not None:
            canvas = kind.apply(canvas, question.key, value)
            feedback.insert(0, kind.describe(value, self._context(canvas)))
        if bias:
            feedback.append(self._msg("bias_accepted", lang))

        new_suggestions: list[Suggestion] = []
        if self.chat_model is not None and kind.llm_type is not None:
            suggestion = self._llm_suggestion(canvas, question, text, value)
            if suggestion is not None:
                canvas.suggestions.append(suggestion)
                new_suggestions.append(suggestion)
                feedback.append(self._msg("suggestion_added", lang, field=label(question.key, lang, self.catalog)))

        canvas.retry_field = None
        canvas, done_title = self._advance(canvas)
        canvas.touch()
        if done_title:
            feedback.append(self._msg("step_done", lang, title=done_title))
        if canvas.current_step is None:
            feedback.append(self._msg("finished", lang))
        return self._reply(canvas, feedback, entered=done_title is not None, bias=bias,
                           suggestions=new_suggestions, advanced=True)

    def goto(self, canvas: Canvas, step_id: str, question: int = 0) -> Reply:
        step = self.step(canvas, step_id)
        canvas.current_step = step_id
        canvas.current_question = max(0, min(question, len(step.questions) - 1))
        canvas.retry_field = None
        canvas.touch()
        return self._reply(canvas, [self._msg("goto", canvas.language, title=step.title)], entered=True)

    def skip(self, canvas: Canvas, scope: str = "step") -> Reply:
        """Skip the current step (scope="step") or only the current question (scope="question")."""
        if canvas.current_step is None:
            return self._reply(canvas, [self._msg("finished", canvas.language)])
        if scope == "question":
            return self._skip_question(canvas)
        title = self.step(canvas, canvas.current_step).title
        if canvas.current_step not in canvas.completed_steps and canvas.current_step not in canvas.skipped_steps:
            canvas.skipped_steps.append(canvas.current_step)
        canvas.current_step = self._next_step(canvas, canvas.current_step)
        canvas.current_question = 0
        canvas.retry_field = None
        canvas = self._skip_answered(canvas)
        canvas.touch()
        feedback = [self._msg("skipped_step", canvas.language, title=title)]
        if canvas.current_step is None:
            feedback.append(self._msg("finished", canvas.language))
        return self._reply(canvas, feedback, entered=True, advanced=True)

    def progress(self, canvas: Canvas) -> Progress:
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

    # -- moving between questions -----------------------------------------------------------

    def _skip_question(self, canvas: Canvas) -> Reply:
        lang = canvas.language
        canvas.retry_field = None
        canvas, done_title = self._advance(canvas)
        canvas.touch()
        feedback = [self._msg("skipped_question", lang)]
        if done_title:
            feedback.append(self._msg("step_done", lang, title=done_title))
        if canvas.current_step is None:
            feedback.append(self._msg("finished", lang))
        return self._reply(canvas, feedback, entered=done_title is not None, advanced=True)

    @staticmethod
    def _next_step(canvas: Canvas, after: str | None) -> str | None:
        closed = set(canvas.completed_steps) | set(canvas.skipped_steps)
        start = STEP_IDS.index(after) + 1 if after in STEP_IDS else 0
        for step_id in (*STEP_IDS[start:], *STEP_IDS[:start]):
            if step_id not in closed:
                return step_id
        return None

    def _skip_answered(self, canvas: Canvas) -> Canvas:
        """On entering a step, skip the questions whose fields the canvas already has."""
        while canvas.current_step is not None:
            questions = STEP_DEFS[step_index(canvas.current_step)].questions
            while canvas.current_question < len(questions) and question_answered(
                    canvas, questions[canvas.current_question]):
                canvas.current_question += 1
            if canvas.current_question < len(questions):
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

    def _advance(self, canvas: Canvas) -> tuple[Canvas, str | None]:
        """Next question (on a first pass through a step, one the canvas does not already have);
        at the end of a step, mark it done and enter the next open step. Returns the canvas and
        the title of the step just finished (or None)."""
        step = self.step(canvas, cast(str, canvas.current_step))  # called only inside a step
        canvas.current_question += 1
        if step.id not in canvas.completed_steps:
            while canvas.current_question < len(step.questions) and question_answered(
                    canvas, step.questions[canvas.current_question]):
                canvas.current_question += 1
        if canvas.current_question < len(step.questions):
            return canvas, None
        self._complete(canvas, step.id)
        canvas.current_step = self._next_step(canvas, step.id)
        canvas.current_question = 0
        return self._skip_answered(canvas), step.title

    # -- the message ------------------------------------------------------------------------

    def _reply(self, canvas: Canvas, feedback: list[str], entered: bool = False,
               bias: list[SolutionFinding] | None = None, suggestions: list[Suggestion] | None = None,
               advanced: bool = False) -> Reply:
        lang = canvas.language
        parts = [f for f in feedback if f]
        step = question = None
        shown: list[SimilarCase] = []
        if canvas.current_step is not None:
            step = self.step(canvas, canvas.current_step)
            question = step.questions[min(canvas.current_question, len(step.questions) - 1)]
            if entered:
                parts.append("**" + self._msg("step_heading", lang, number=step.number, total=step.total,
                                               title=step.title) + "**")
                parts.append(step.why)
                if STEP_DEFS[step.index].inspiration and self.search is not None:
                    shown = inspiration(canvas, self.search)
                    for case in shown:
                        parts.append(case.inspiration_line(lang, self.catalog))
                        canvas.inspiration_shown.append(case.source)
                        canvas.touch()
            parts.append(question.text)
            if question.hint:
                parts.append(self._msg("example", lang, hint=question.hint))
        return Reply(
            message="\n\n".join(parts), canvas=canvas, step=step, question=question,
            progress=self.progress(canvas), feedback=[f for f in feedback if f], bias=bias or [],
            suggestions=suggestions or [], advanced=advanced, finished=canvas.current_step is None,
            inspiration=shown,
        )

    # -- the optional language model --------------------------------------------------------

    def _llm_suggestion(self, canvas: Canvas, question: Question, text: str, rule_value: Any) -> Suggestion | None:
        """The model's structured reading of the answer, validated; None on any failure or
        when it adds nothing to the rule parse."""
        kind = KINDS[question.kind]
        try:
            from langchain_core.messages import HumanMessage, SystemMessage

            adapter = TypeAdapter(kind.llm_type)
            system = self.catalog.workshop_text("extract", canvas.language).format(
                field=question.key, schema=json.dumps(adapter.json_schema(by_alias=True), ensure_ascii=False))
            reply = self.chat_model.invoke([SystemMessage(system), HumanMessage(text)])
            data = extract_json(message_text(reply))
            if isinstance(data, dict) and "value" in data:
                data = data["value"]
            parsed = adapter.validate_python(data)
            if isinstance(parsed, Reframing):
                pair = (clean_text(parsed.from_), clean_text(parsed.to))
                if pair == tuple(rule_value or ()):
                    return None
                return Suggestion(field="reframing", value={"from": pair[0], "to": pair[1]})
            value = [item.model_dump(mode="json") for item in parsed]
            if not value or value == [item.model_dump(mode="json") for item in (rule_value or [])]:
                return None
            if question.kind.startswith("actors"):
                return Suggestion(field="actors", value=value, mode="merge")
            return Suggestion(field=question.key, value=value)
        except Exception as exc:  # noqa: BLE001 - the model is optional; the rule parse stands
            log.warning("LLM extraction ignored for %s: %s", question.key, exc)
            return None
