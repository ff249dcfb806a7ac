"""The workshop as a UI-agnostic service: storage per owner around the conversation engine.

Every call checks the user's role on the canvas (its owner, or a colleague who joined through a
link: ``collaboration``), loads it, lets the engine or a field kind change it, and saves it again
when it changed, so a user can leave and come back later, and nobody without a link can reach
someone else's canvas. A save only lands on the version it was made from; when a colleague saved
first, the change is made again on theirs, so edits to different fields never overwrite each other.
Each changed field gets a history row (who, when, before, after). The conversation itself is
``engine.Conversation``.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from assistant.catalog import BUILT_IN, TextCatalog
from assistant.services.authorization import NotAllowed, WorkshopAccess
from assistant.services.limits import TextLimits, too_long
from assistant.workshop import critic, drafts, solution_bias
from assistant.workshop.canvas import (
    Actor,
    Canvas,
    Lang,
    explain_validation_error,
    from_json,
    get_field,
    new_canvas,
    set_field,
    to_export_json,
)
from assistant.workshop.collaboration import (
    HISTORY_FIELDS,
    LINK_ROLES,
    CollaborationStore,
    Comment,
    FieldChange,
    LinkNotFound,
    Role,
    ShareLink,
    author_name,
    merge_texts,
    targets,
)
from assistant.workshop.engine import Conversation, Progress, Reply
from assistant.workshop.fields import Context, ParseProblem
from assistant.workshop.parsing import clean_text, merge_actors
from assistant.workshop.similar import SimilarCase, find_similar
from assistant.workshop.steps import STEP_IDS, Step, kind_of, question_answered
from assistant.workshop.store import CanvasNotFound, CanvasStore, CanvasSummary

__all__ = ["LinkNotFound", "NotAllowed", "Progress", "QuestionMoved", "Reply", "WorkshopError", "WorkshopService"]

SAVE_ATTEMPTS = 8  # colleagues saving the same canvas at the same moment; each retry reads theirs
UNMERGEABLE_KINDS = ("percent", "yesno")  # one value only: a collision keeps the newer, history the older


class WorkshopError(ValueError):
    """A request the service cannot carry out; ``str(error)`` is a message for the user."""


class QuestionMoved(WorkshopError):
    """The question the user answered is no longer the current one (a colleague answered it)."""


def _blank(path: str):
    """A field's empty value (what undoing its first change returns it to)."""
    return get_field(Canvas(owner="-"), path)


class WorkshopService:
    def __init__(self, store: CanvasStore, catalog: TextCatalog = BUILT_IN,
                 search: Callable | None = None, chat_model=None,
                 detect_language: Callable[[str], str] | None = None, limits: TextLimits = TextLimits()) -> None:
        self.store = store
        self.limits = limits
        self.sharing = CollaborationStore(store.db)
        self.access = WorkshopAccess(self.sharing, catalog)  # who may do what, for every call below
        self.catalog = catalog
        self.search = search
        self.chat_model = chat_model
        self.conversation = Conversation(catalog, search, chat_model)
        self._detect_language = detect_language

    @classmethod
    def from_settings(cls, database, catalog: TextCatalog, search: Callable | None = None, chat_model=None,
                      limits: TextLimits = TextLimits()) -> WorkshopService:
        """The service on ``database`` with the texts of ``catalog``."""
        return cls(CanvasStore(database), catalog, search=search, chat_model=chat_model, limits=limits)

    def steps(self, language: Lang = "nb") -> list[Step]:
        return self.conversation.steps(language)

    def detect_language(self, text: str, default: Lang | None = None) -> Lang:
        if self._detect_language is not None:
            return self._detect_language(text)  # type: ignore[return-value]
        try:
            from assistant.services.language import detect_language

            return detect_language(text, default)
        except Exception:  # noqa: BLE001 - the detector is optional; marker words are good enough
            return solution_bias.guess_language(text)  # type: ignore[return-value]

    def _check_length(self, text, limit: int, lang: str, key: str = "answer_too_long") -> None:
        """Refuse a text longer than ``limit`` (WorkshopError: the UI leaves the text where it was typed)."""
        refused = too_long(text if isinstance(text, str) else None, limit)
        if refused:
            raise WorkshopError(self._msg(key, lang, **refused))

    def _msg(self, key: str, lang: str, **values) -> str:
        return self.catalog.workshop_message(key, lang, **values)

    # -- canvases ---------------------------------------------------------------------------

    def start(self, owner: str, municipality: str = "", problem: str = "", language: Lang | None = None,
              partners: list[str] | None = None, page_language: Lang | None = None) -> Canvas:
        """A new canvas positioned at its first open question, saved for ``owner``. Its language is
        ``language``, else the problem's, else (a problem too short to tell) the page's."""
        problem = clean_text(problem or "")
        lang = language or (self.detect_language(problem[: self.limits.workshop_answer], page_language) if problem
                            else page_language or "nb")
        self._check_length(problem, self.limits.workshop_answer, lang)
        canvas = self.conversation.begin(new_canvas(owner, municipality.strip(), problem, lang, partners))
        self.store.create(canvas)
        return canvas

    def get(self, user: str, canvas_id: str) -> Canvas:
        """The canvas, for its owner and for every colleague who joined through a link."""
        return self.store.get(self.access.require(user, canvas_id, "read").owner, canvas_id)

    def _language(self, canvas_id: str):
        """The workshop's language, for a refusal's message (read only when one is made)."""
        return lambda owner: self.store.get(owner, canvas_id).language

    def role(self, user: str, canvas_id: str) -> Role:
        return self.access.require(user, canvas_id, "read").role

    def list(self, user: str) -> list[CanvasSummary]:
        """The user's own workshops and those shared with them."""
        return self.store.list(user, self.sharing.shared_with(user))

    def delete(self, user: str, canvas_id: str) -> bool:
        """The owner deletes the workshop (links, history and comments with it); a colleague only
        leaves it. False when the user has no such workshop."""
        try:
            role = self.access.require(user, canvas_id, "read").role
        except CanvasNotFound:
            return False
        if role != "owner":
            return self.sharing.leave(user, canvas_id)
        return self.store.delete(user, canvas_id)

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

    def change(self, user: str, canvas_id: str, operation: Callable[[Canvas], Canvas | Reply], *,
               kind: str | Callable[[], str] = "edit", read_only_ok: bool = False) -> Canvas | Reply:
        """Run ``operation`` on the newest canvas and save what it returns, with a history row per
        changed field by ``user`` of ``kind`` (or what ``kind()`` says once the operation ran). A
        colleague who saved in between makes this read and run again. ``read_only_ok``: a reader
        may run it, but nothing is saved (the opening of the chat)."""
        for _ in range(SAVE_ATTEMPTS):
            grant = self.access.require(user, canvas_id, "read" if read_only_ok else "edit", self._language(canvas_id))
            canvas = self.store.get(grant.owner, canvas_id)
            before = canvas.model_copy(deep=True)
            result = operation(canvas)
            after = result.canvas if isinstance(result, Reply) else result
            if grant.role == "read" or after.updated == before.updated:
                return result
            recorded = kind() if callable(kind) else kind
            if self.store.replace(after, before.updated, user, self.changed_fields(before, after), recorded):
                return result
        raise WorkshopError(self._msg("busy", before.language))

    def changed_fields(self, before: Canvas, after: Canvas) -> builtins.list[tuple[str, str, str]]:
        """(field, text before, text after) for every field with a history that differs."""
        found = []
        for path in HISTORY_FIELDS:
            old, new = self.field_text(before, path), self.field_text(after, path)
            if old != new:
                found.append((path, old, new))
        return found

    def field_text(self, canvas: Canvas, path: str) -> str:
        """A field as text in the format its question asks for: saving it unchanged through
        ``update_field`` gives the same value back (structured fields included)."""
        return kind_of(path).text_of(canvas, path, Context(canvas.language, catalog=self.catalog))

    def _turn(self, owner: str, canvas_id: str, turn: Callable[[Canvas], Reply], read_only_ok: bool = False) -> Reply:
        return self.change(owner, canvas_id, turn, read_only_ok=read_only_ok)  # type: ignore[return-value]

    @staticmethod
    def _own_language(user: str, language: Lang | None, canvas: Canvas) -> bool:
        return language is None or canvas.owner == user or canvas.language == language

    @classmethod
    def seen_by(cls, user: str, language: Lang | None, canvas: Canvas) -> Canvas:
        """The canvas as ``user`` sees it: its owner in the workshop's own language, a colleague who
        joined through a link in ``language`` (their own), so their page and the steps speak one
        language. A copy when the language differs: the stored workshop keeps its own."""
        if cls._own_language(user, language, canvas):
            return canvas
        return canvas.model_copy(update={"language": language})

    def _in_language(self, user: str, language: Lang | None, turn: Callable[[Canvas], Reply]) -> Callable:
        """``turn`` in ``language`` for a colleague (the questions, and the reading of their answer,
        in the language they work in); what is saved keeps the workshop's language."""
        def seen(canvas: Canvas) -> Reply:
            if language is None or self._own_language(user, language, canvas):
                return turn(canvas)
            own, canvas.language = canvas.language, language
            reply = turn(canvas)
            reply.canvas.language = own
            return reply
        return seen

    def current(self, owner: str, canvas_id: str, joined: bool = False, language: Lang | None = None) -> Reply:
        """The current question (a welcome for a new canvas, a welcome back otherwise; for a colleague
        a welcome to the workshop its owner shared: ``joined`` the first time they came in through a
        link). ``language``: the colleague's own (see ``seen_by``)."""
        def opening(canvas: Canvas) -> Reply:
            host = None if canvas.owner == owner else author_name(canvas.owner, owner, canvas.language, self.catalog)
            return self.conversation.opening(canvas, joined=joined, host=host)

        return self._turn(owner, canvas_id, self._in_language(owner, language, opening), read_only_ok=True)

    def open_link(self, user: str, token: str, language: Lang | None = None) -> tuple[Reply, bool]:
        """Open a workshop through a link (LinkNotFound if it never existed or was revoked): its
        current question, and whether this is the colleague's first visit (not their own workshop,
        not joined before), so the welcome says what is true."""
        before = self.sharing.shared_with(user)
        canvas_id = self.sharing.join(user, token)
        first = canvas_id not in before and self.role(user, canvas_id) != "owner"
        return self.current(user, canvas_id, joined=first, language=language), first

    def transcript(self, user: str, canvas_id: str, language: Lang | None = None) -> builtins.list[tuple[str, str]]:
        """The conversation so far as (question, answer) in the order asked, read from the canvas:
        every answered question of the steps before the current one and of the current step up to
        its current question (all of them once the workshop is finished); what a page shows again
        after a reload. In ``language`` for a colleague (see ``seen_by``)."""
        canvas = self.seen_by(user, language, self.get(user, canvas_id))
        asked: builtins.list[tuple[str, str]] = []
        for step in self.conversation.steps_for(canvas):
            current = step.id == canvas.current_step
            for number, question in enumerate(step.questions):
                if current and number >= canvas.current_question:
                    break
                text = self.field_text(canvas, question.key).strip() if question_answered(canvas, question) else ""
                if text:
                    asked.append((question.text, text))
            if current:
                break
        return asked

    def submit(self, owner: str, canvas_id: str, text: str, asked: tuple[str | None, int] | None = None,
               language: Lang | None = None) -> Reply:
        """Answer the current question. ``asked``: the (step, question) the user was shown; when a
        colleague answered it first, QuestionMoved says so instead of filing the text under the
        next question. ``language``: a colleague's own (see ``seen_by``)."""
        def answer(canvas: Canvas) -> Reply:
            self._check_length(text, self.limits.workshop_answer, canvas.language)
            if asked is not None and (canvas.current_step, canvas.current_question) != tuple(asked):
                raise QuestionMoved(self._msg("moved_on", canvas.language))
            return self.conversation.answer(canvas, text)

        return self._turn(owner, canvas_id, self._in_language(owner, language, answer))

    def goto(self, owner: str, canvas_id: str, step_id: str, question: int = 0, language: Lang | None = None) -> Reply:
        if step_id not in STEP_IDS:
            raise WorkshopError(f"Ukjent steg: {step_id}")
        return self._turn(owner, canvas_id, self._in_language(
            owner, language, lambda canvas: self.conversation.goto(canvas, step_id, question)))

    def skip(self, owner: str, canvas_id: str, scope: str = "step", language: Lang | None = None) -> Reply:
        """Skip the current step (scope="step") or only the current question (scope="question")."""
        return self._turn(owner, canvas_id, self._in_language(
            owner, language, lambda canvas: self.conversation.skip(canvas, scope)))

    def progress(self, owner: str, canvas_id: str) -> Progress:
        return self.conversation.progress(self.get(owner, canvas_id))

    # -- editing ----------------------------------------------------------------------------

    def update_field(self, owner: str, canvas_id: str, field_path: str, value: Any) -> Canvas:
        """Set a field directly (the live canvas in the UI). A string is read like an answer
        to that field; structured values are validated. Raises WorkshopError with a message."""
        def write(canvas: Canvas) -> Canvas:
            self._check_length(value, self.limits.workshop_answer, canvas.language)
            return self._set(canvas, field_path, value)

        return self.change(owner, canvas_id, write)  # type: ignore[return-value]

    def edit_field(self, user: str, canvas_id: str, field_path: str, text: str,
                   base: str | None) -> tuple[Canvas, bool]:
        """Save the text a user wrote in a field they opened when it read ``base`` (None: not known,
        the text is saved as it is). If a colleague changed the field in between, both texts are kept
        and the field is flagged as a conflict (True); the history holds every version either way."""
        return self.edit_fields(user, canvas_id, [(field_path, text, base)])

    def edit_fields(self, user: str, canvas_id: str,
                    edits: Sequence[tuple[str, str, str | None]]) -> tuple[Canvas, bool]:
        """``edit_field`` for several fields saved together, (path, text, base) each: the two halves
        of «Fra … til …» edited side by side are one save, each half landing in its own field. A
        field whose text is still its ``base`` was not touched: it keeps what a colleague may have saved."""
        conflict = False

        def write(canvas: Canvas) -> Canvas:
            nonlocal conflict
            conflict = False  # a retry after a colleague's save judges afresh
            for field_path, text, base in edits:
                if base is not None and text.strip() == base.strip():
                    continue
                self._check_length(text, self.limits.workshop_answer, canvas.language)
                current = self.field_text(canvas, field_path)
                collided = base is not None and current.strip() not in (base.strip(), text.strip())
                conflict = conflict or collided
                if collided and kind_of(field_path).name not in UNMERGEABLE_KINDS:
                    canvas = self._set(canvas, field_path, merge_texts(current, text))
                else:
                    canvas = self._set(canvas, field_path, text)
            return canvas

        canvas = self.change(user, canvas_id, write, kind=lambda: "conflict" if conflict else "edit")
        return canvas, conflict  # type: ignore[return-value]

    def accept_suggestion(self, owner: str, canvas_id: str, suggestion_id: str, value: Any = None) -> Canvas:
        """Apply a suggestion (optionally edited: ``value``) and remove it from the list."""
        def accept(canvas: Canvas) -> Canvas:
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
            return self._without_suggestion(canvas, suggestion_id)

        return self.change(owner, canvas_id, accept)  # type: ignore[return-value]

    def reject_suggestion(self, owner: str, canvas_id: str, suggestion_id: str) -> Canvas:
        return self.change(owner, canvas_id, lambda canvas: self._without_suggestion(canvas, suggestion_id))  # type: ignore[return-value]

    @staticmethod
    def _without_suggestion(canvas: Canvas, suggestion_id: str) -> Canvas:
        canvas.suggestions = [s for s in canvas.suggestions if s.id != suggestion_id]
        canvas.touch()
        return canvas

    # -- working together ---------------------------------------------------------------------

    def share(self, user: str, canvas_id: str, role: str) -> ShareLink:
        """A new link to the workshop (``role`` "edit" or "read"); only its owner can make one."""
        lang = self._owned(user, canvas_id).language
        if role not in LINK_ROLES:
            raise WorkshopError(self._msg("share_role", lang))
        try:
            return self.sharing.create_link(canvas_id, role)
        except OverflowError:
            raise WorkshopError(self._msg("share_too_many", lang)) from None

    def links(self, user: str, canvas_id: str) -> builtins.list[ShareLink]:
        self._owned(user, canvas_id)
        return self.sharing.links(canvas_id)

    def revoke(self, user: str, canvas_id: str, link: str) -> bool:
        """Delete a link, named by its id (``ShareLink.id``): it stops working, and whoever joined
        through it loses access. False for a link this workshop does not have."""
        self._owned(user, canvas_id)
        token = next((found.token for found in self.sharing.links(canvas_id) if found.id == link), None)
        return token is not None and self.sharing.revoke(canvas_id, token)

    def join(self, user: str, token: str) -> Canvas:
        """Open a workshop through a link (LinkNotFound if it never existed or was revoked)."""
        return self.get(user, self.sharing.join(user, token))

    def is_shared(self, user: str, canvas_id: str) -> bool:
        return self.access.require(user, canvas_id, "read").role != "owner" or self.sharing.is_shared(canvas_id)

    def revision(self, user: str, canvas_id: str) -> str:
        """A token that changes whenever the canvas or its comments do (CanvasNotFound once the
        user's access is gone): what a colleague's page polls."""
        self.access.require(user, canvas_id, "read")
        return self.sharing.revision(canvas_id)

    def history(self, user: str, canvas_id: str, field_path: str) -> builtins.list[FieldChange]:
        self.access.require(user, canvas_id, "read")
        return self.sharing.history(canvas_id, targets(field_path))

    def flagged(self, user: str, canvas_id: str) -> set[str]:
        """Fields two people changed at once, until somebody edits them again."""
        self.access.require(user, canvas_id, "read")
        return self.sharing.flagged(canvas_id)

    def undo(self, user: str, canvas_id: str, field_path: str) -> Canvas:
        """Give the field back the text it had before its latest change (by anyone). The undo is a
        change of its own in the history, so it can be undone too."""
        lang = self.get(user, canvas_id).language
        latest = self.sharing.history(canvas_id, targets(field_path), limit=1)
        if not latest:
            raise WorkshopError(self._msg("nothing_to_undo", lang))
        field, previous = latest[0].field, latest[0].previous

        def restore(canvas: Canvas) -> Canvas:
            return self._set(canvas, field, previous) if previous.strip() else set_field(canvas, field, _blank(field))

        return self.change(user, canvas_id, restore, kind="undo")  # type: ignore[return-value]

    def comment(self, user: str, canvas_id: str, field_path: str, text: str) -> builtins.list[Comment]:
        """Leave a comment on a field (anyone who may edit); the field's comments after it."""
        grant = self.access.require(user, canvas_id, "edit", self._language(canvas_id))
        lang = self.store.get(grant.owner, canvas_id).language
        text = clean_text(text or "")
        if not text:
            raise WorkshopError(self._msg("comment_empty", lang))
        self._check_length(text, self.limits.workshop_comment, lang, "comment_too_long")
        self.sharing.add_comment(canvas_id, field_path, user, text)
        return self.sharing.comments(canvas_id, field_path)

    def comments(self, user: str, canvas_id: str, field_path: str) -> builtins.list[Comment]:
        self.access.require(user, canvas_id, "read")
        return self.sharing.comments(canvas_id, field_path)

    def _owned(self, user: str, canvas_id: str) -> Canvas:
        return self.store.get(self.access.require(user, canvas_id, "owner", self._language(canvas_id)).owner, canvas_id)

    def _set(self, canvas: Canvas, field_path: str, value: Any) -> Canvas:
        lang = canvas.language
        try:
            kind = kind_of(field_path)
        except KeyError:
            kind = None
        try:
            if kind is not None and isinstance(value, str):
                return kind.apply(canvas, field_path, kind.read_answer(value, Context.of(canvas, self.catalog)))
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

    def check(self, owner: str, canvas_id: str, use_llm: bool = False) -> builtins.list[critic.Finding]:
        canvas = self.get(owner, canvas_id)
        findings = critic.check(canvas, self.catalog)
        if use_llm and self.chat_model is not None:
            findings += critic.llm_findings(canvas, self.chat_model, self.catalog)
        return findings

    def draft(self, owner: str, canvas_id: str, kind: str, fmt: str = "md", language: Lang | None = None,
              path: Path | str | None = None, polish: bool = False, note: bool = True) -> str | bytes:
        """A draft as Markdown or Word, in the workshop's language unless ``language`` is given;
        ``polish`` lets the language model (if any) smooth the prose, keeping every name, number
        and date; ``note=False`` leaves out the «draft made in …» note."""
        return drafts.render(self.get(owner, canvas_id), kind, language, fmt, path, self.catalog,
                             chat_model=self.chat_model if polish else None, note=note)

    def similar(self, owner: str, canvas_id: str, k: int = 3,
                language: Lang | None = None) -> builtins.list[SimilarCase]:
        """Past cases like this workshop, their texts in ``language`` for a colleague (see ``seen_by``)."""
        if self.search is None:
            return []
        return find_similar(self.seen_by(owner, language, self.get(owner, canvas_id)), self.search, k=k)
