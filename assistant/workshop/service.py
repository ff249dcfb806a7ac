"""The workshop as a UI-agnostic service: storage per owner around the conversation engine.

Every call loads the canvas by (owner, id), lets the engine or a field kind change it, and saves
it again when it changed, so a user can leave and come back later, and nobody can reach someone
else's canvas. The conversation itself is ``engine.Conversation``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from assistant.catalog import BUILT_IN, TextCatalog
from assistant.workshop import critic, drafts, solution_bias
from assistant.workshop.canvas import (
    Actor,
    Canvas,
    Lang,
    explain_validation_error,
    from_json,
    new_canvas,
    set_field,
    to_export_json,
)
from assistant.workshop.engine import Conversation, Progress, Reply
from assistant.workshop.fields import Context, ParseProblem
from assistant.workshop.parsing import clean_text, merge_actors
from assistant.workshop.similar import SimilarCase, find_similar
from assistant.workshop.steps import STEP_IDS, Step, kind_of
from assistant.workshop.store import CanvasStore, CanvasSummary

__all__ = ["Progress", "Reply", "WorkshopError", "WorkshopService"]


class WorkshopError(ValueError):
    """A request the service cannot carry out; ``str(error)`` is a message for the user."""


class WorkshopService:
    def __init__(self, store: CanvasStore, catalog: TextCatalog = BUILT_IN,
                 search: Callable | None = None, chat_model=None,
                 detect_language: Callable[[str], str] | None = None) -> None:
        self.store = store
        self.catalog = catalog
        self.search = search
        self.chat_model = chat_model
        self.conversation = Conversation(catalog, search, chat_model)
        self._detect_language = detect_language

    @classmethod
    def from_settings(cls, database, catalog: TextCatalog, search: Callable | None = None, chat_model=None) -> WorkshopService:
        """The service on ``database`` with the texts of ``catalog``."""
        return cls(CanvasStore(database), catalog, search=search, chat_model=chat_model)

    def steps(self, language: Lang = "nb") -> list[Step]:
        return self.conversation.steps(language)

    def detect_language(self, text: str) -> Lang:
        if self._detect_language is not None:
            return self._detect_language(text)  # type: ignore[return-value]
        try:
            from assistant.services.language import detect_language

            return detect_language(text)
        except Exception:  # noqa: BLE001 - the detector is optional; marker words are good enough
            return solution_bias.guess_language(text)  # type: ignore[return-value]

    def _msg(self, key: str, lang: str, **values) -> str:
        return self.catalog.workshop_message(key, lang, **values)

    # -- canvases ---------------------------------------------------------------------------

    def start(self, owner: str, municipality: str = "", problem: str = "", language: Lang | None = None,
              partners: list[str] | None = None) -> Canvas:
        """A new canvas positioned at its first open question, saved for ``owner``."""
        problem = clean_text(problem or "")
        lang = language or (self.detect_language(problem) if problem else "nb")
        canvas = self.conversation.begin(new_canvas(owner, municipality.strip(), problem, lang, partners))
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
        canvas = from_json(text, owner=owner, new_id=True, catalog=self.catalog)
        canvas.touch()
        self.store.create(canvas)
        return canvas

    # -- the conversation -------------------------------------------------------------------

    def _turn(self, owner: str, canvas_id: str, turn: Callable[[Canvas], Reply]) -> Reply:
        canvas = self.get(owner, canvas_id)
        before = canvas.updated
        reply = turn(canvas)
        if reply.canvas.updated != before:
            self.store.save(reply.canvas)
        return reply

    def current(self, owner: str, canvas_id: str) -> Reply:
        """The current question (a welcome for a new canvas, a welcome back otherwise)."""
        return self._turn(owner, canvas_id, self.conversation.opening)

    def submit(self, owner: str, canvas_id: str, text: str) -> Reply:
        return self._turn(owner, canvas_id, lambda canvas: self.conversation.answer(canvas, text))

    def goto(self, owner: str, canvas_id: str, step_id: str, question: int = 0) -> Reply:
        if step_id not in STEP_IDS:
            raise WorkshopError(f"Ukjent steg: {step_id}")
        return self._turn(owner, canvas_id, lambda canvas: self.conversation.goto(canvas, step_id, question))

    def skip(self, owner: str, canvas_id: str, scope: str = "step") -> Reply:
        """Skip the current step (scope="step") or only the current question (scope="question")."""
        return self._turn(owner, canvas_id, lambda canvas: self.conversation.skip(canvas, scope))

    def progress(self, owner: str, canvas_id: str) -> Progress:
        return self.conversation.progress(self.get(owner, canvas_id))

    # -- editing ----------------------------------------------------------------------------

    def update_field(self, owner: str, canvas_id: str, field_path: str, value: Any) -> Canvas:
        """Set a field directly (the live canvas in the UI). A string is read like an answer
        to that field; structured values are validated. Raises WorkshopError with a message."""
        canvas = self._set(self.get(owner, canvas_id), field_path, value)
        self.store.save(canvas)
        return canvas

    def accept_suggestion(self, owner: str, canvas_id: str, suggestion_id: str, value: Any = None) -> Canvas:
        """Apply a suggestion (optionally edited: ``value``) and remove it from the list."""
        canvas = self.get(owner, canvas_id)
        suggestion = next((s for s in canvas.suggestions if s.id == suggestion_id), None)
        if suggestion is None:
            raise WorkshopError(self._msg("suggestion_gone", canvas.language))
        chosen = suggestion.value if value is None else value
        if suggestion.field == "reframing" and isinstance(chosen, dict):
            chosen = (chosen.get("from", ""), chosen.get("to", ""))
        elif suggestion.mode == "merge":
            try:
                chosen = merge_actors(canvas.actors, TypeAdapter(list[Actor]).validate_python(chosen))
            except ValidationError as exc:
                raise WorkshopError(explain_validation_error(exc, canvas.language, self.catalog)) from None
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

    def _set(self, canvas: Canvas, field_path: str, value: Any) -> Canvas:
        lang = canvas.language
        try:
            kind = kind_of(field_path)
        except KeyError:
            kind = None
        try:
            if kind is not None and isinstance(value, str):
                context = Context(lang, tuple(n for n in [canvas.municipality, *canvas.partners] if n),
                                  self.catalog)
                return kind.apply(canvas, field_path, kind.read_answer(value, context))
            if kind is not None and isinstance(value, tuple):
                return kind.apply(canvas, field_path, value)
            return set_field(canvas, field_path, value)
        except ParseProblem as problem:
            raise WorkshopError(self._msg(f"retry_{problem}", lang)) from None
        except ValidationError as exc:
            raise WorkshopError(explain_validation_error(exc, lang, self.catalog)) from None
        except KeyError:
            raise WorkshopError(self._msg("unknown_field", lang)) from None

    # -- results ----------------------------------------------------------------------------

    def check(self, owner: str, canvas_id: str, use_llm: bool = False) -> list[critic.Finding]:
        canvas = self.get(owner, canvas_id)
        findings = critic.check(canvas, self.catalog)
        if use_llm and self.chat_model is not None:
            findings += critic.llm_findings(canvas, self.chat_model, self.catalog)
        return findings

    def draft(self, owner: str, canvas_id: str, kind: str, fmt: str = "md", language: Lang | None = None,
              path: Path | str | None = None, polish: bool = False) -> str | bytes:
        """A draft as Markdown or Word; ``polish`` lets the language model (if any) smooth the
        prose, keeping every name, number and date."""
        return drafts.render(self.get(owner, canvas_id), kind, language, fmt, path, self.catalog,
                             chat_model=self.chat_model if polish else None)

    def similar(self, owner: str, canvas_id: str, k: int = 3) -> list[SimilarCase]:
        if self.search is None:
            return []
        return find_similar(self.get(owner, canvas_id), self.search, k=k)
