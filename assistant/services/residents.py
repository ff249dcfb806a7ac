"""Residents' input («Innbyggerinnspill»): a facilitator opens a public, anonymous form for a
workshop; residents answer the invitation's four questions through it.

A form's id is the capability token in its public link (never the owner id). Every facilitator-side
call names the acting user, and the service asks ``WorkshopAccess`` whether they may: the workshop's
owner and a colleague with an edit link may open, close and curate; a colleague with a read link may
look and export; for anyone else a token or canvas id behaves like one that does not exist. Nothing
that identifies a resident is stored: no address, no cookie, personal data masked before the row is
written, the time to the minute.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import random
import re
import secrets
import time
import unicodedata
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import numpy as np
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from assistant.adapters.database import Database
from assistant.adapters.schema import resident_forms as forms
from assistant.adapters.schema import resident_inputs as inputs
from assistant.catalog import LANGUAGES, TextCatalog
from assistant.services import themes
from assistant.services.authorization import Need, WorkshopAccess
from assistant.services.masking import mask
from assistant.settings import Settings
from assistant.workshop.collaboration import CollaborationStore
from assistant.workshop.store import CanvasNotFound, CanvasStore

ANSWERS = ("kritikk", "positivitet", "drommen", "virkeliggjoring")
AGE_GROUPS = ("under16", "16-19", "20-34", "35-49", "50-66", "67plus")
EXPORT_COLUMNS = ("id", "created", "language", *ANSWERS, "age_group", "place", "masked")
THEME_EDIT_OPS = ("merge", "rename")
MAX_THEME_EDITS = 500  # a facilitator's merges and renames of one form; more is not curation
THEME_EDIT_ATTEMPTS = 100  # compare-and-swap rounds against colleagues' edits at the same moment


log = logging.getLogger(__name__)


class FormNotFound(KeyError):
    """No form with that token (for this owner)."""


class FormClosed(Exception):
    """The facilitator has closed the form."""


class FormFull(Exception):
    """The form has reached its limit of inputs."""


class InvalidInput(ValueError):
    """What the resident must fix: {field: catalog key} (field "form" for the whole form)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass
class ResidentForm:
    id: str
    owner: str
    canvas_id: str
    language: str
    open: bool
    created: str
    updated: str
    theme_edits: list = field(default_factory=list)


@dataclass
class ResidentInput:
    id: int
    created: str
    language: str
    answers: dict[str, str]
    age_group: str | None
    place: str | None
    masked: bool

    @property
    def text(self) -> str:
        """All answers as one text (for themes and lists)."""
        return "\n".join(value for value in self.answers.values() if value)

    def row(self) -> dict:
        return {"id": self.id, "created": self.created, "language": self.language, **self.answers,
                "age_group": self.age_group or "", "place": self.place or "", "masked": int(self.masked)}


@dataclass
class Submission:
    stored: bool  # False: the same answers were already in the form (accepted, stored once)
    masked: bool  # some personal data was removed
    removed: frozenset[str] = frozenset()  # which kinds (masking.KINDS), to tell the resident


def normalise(text: str) -> str:
    """For duplicate detection: case, accents' composition, punctuation and spacing do not count."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", text))


def clean(text: object) -> str:
    """Form text as typed, without control characters (a line break stays) and outer spaces."""
    text = unicodedata.normalize("NFC", str(text or "")).replace("\r\n", "\n")
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C").strip()


def validate(settings: Settings, answers: Mapping[str, object], age_group: object = None,
             place: object = None) -> tuple[dict[str, str], str | None, str | None]:
    """Cleaned answers, age group and place; raises InvalidInput naming what to fix."""
    cleaned = {name: clean(answers.get(name)) for name in ANSWERS}
    errors = {name: "res.error.too_long" for name, text in cleaned.items() if len(text) > settings.resident_max_chars}
    place_text = clean(place).replace("\n", " ") or None
    if place_text and len(place_text) > settings.resident_place_max_chars:
        errors["place"] = "res.error.place_too_long"
    age = clean(age_group) or None
    if age is not None and age not in AGE_GROUPS:
        errors["age_group"] = "res.error.age_group"
    if not any(cleaned.values()):
        errors["form"] = "res.error.empty"
    if errors:
        raise InvalidInput(errors)
    return cleaned, age, place_text


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _minute() -> str:
    # To the minute only: a second-exact time could tell a facilitator who stood at the screen.
    return datetime.now(UTC).replace(second=0, microsecond=0).isoformat(timespec="minutes")


# Inputs given their vector per background pass: one pass stays a short piece of bulk work.
VECTORS_PER_PASS = 200


class ResidentInputService:
    def __init__(self, database: Database, settings: Settings, catalog: TextCatalog,
                 canvases: CanvasStore | None = None, access: WorkshopAccess | None = None,
                 embeddings=None) -> None:
        self.db = database
        self.settings = settings
        self.catalog = catalog
        self.canvases = canvases or CanvasStore(database)
        self.access = access or WorkshopAccess(CollaborationStore(database), catalog)
        # An input is embedded when it arrives, by one background thread (the resident's post does
        # not wait, and the engine serves chat questions first), so grouping a thousand inputs
        # embeds only what is new.
        self.embeddings = embeddings
        self._embedder = (ThreadPoolExecutor(max_workers=1, thread_name_prefix="resident-vectors")
                          if embeddings else None)

    # -- the facilitator's side (``user`` acts; the workshop's access rule decides) --------

    def open_form(self, user: str, canvas_id: str) -> ResidentForm:
        """The workshop's form, opened (made on first use), in the workshop's language as it is now:
        the language residents see unless they pick another."""
        owner = self.access.require(user, canvas_id, "edit").owner  # CanvasNotFound for a stranger
        canvas = self.canvases.get(owner, canvas_id)
        language = canvas.language if canvas.language in LANGUAGES else "nb"
        existing = self._form_of_canvas(owner, canvas_id)
        if existing is not None:
            if existing.language != language:
                with self.db.connect() as c:
                    c.execute(update(forms).where(forms.c.id == existing.id, forms.c.owner == owner)
                              .values(language=language))
            return self.set_open(user, existing.id, True)
        now = _now()
        try:
            with self.db.connect() as c:
                c.execute(insert(forms).values(id=secrets.token_urlsafe(16), owner=owner, canvas_id=canvas_id,
                                               language=language, open=True, created=now, updated=now))
        except IntegrityError:  # opened at the same moment in another tab or replica
            pass
        return self.set_open(user, cast(ResidentForm, self._form_of_canvas(owner, canvas_id)).id, True)  # made above

    def form_for_canvas(self, user: str, canvas_id: str) -> ResidentForm | None:
        """The workshop's form, for anyone who may look at the workshop (None: never opened)."""
        return self._form_of_canvas(self.access.require(user, canvas_id, "read").owner, canvas_id)

    def _form_of_canvas(self, owner: str, canvas_id: str) -> ResidentForm | None:
        with self.db.connect() as c:
            row = c.execute(select(forms).where(forms.c.owner == owner,
                                                forms.c.canvas_id == canvas_id)).mappings().first()
        return self._form(row) if row else None

    def set_open(self, user: str, token: str, is_open: bool) -> ResidentForm:
        form = self.allowed(user, token, "edit")
        with self.db.connect() as c:
            c.execute(update(forms).where(forms.c.id == form.id).values(open=is_open, updated=_now()))
        return self.allowed(user, token, "read")

    def close(self, user: str, token: str) -> ResidentForm:
        return self.set_open(user, token, False)

    def reopen(self, user: str, token: str) -> ResidentForm:
        return self.set_open(user, token, True)

    def allowed(self, user: str, token: str, need: Need = "read") -> ResidentForm:
        """The form, if ``user`` may ``need`` on its workshop. FormNotFound for anyone without
        access (as for a token that does not exist); NotAllowed for too weak a role."""
        form = self.get(token)
        if form is None:
            raise FormNotFound(token)
        try:
            self.access.require(user, form.canvas_id, need, form.language)
        except CanvasNotFound:
            raise FormNotFound(token) from None
        return form

    def list_inputs(self, user: str, token: str, limit: int | None = None,
                    newest_first: bool = True) -> list[ResidentInput]:
        self.allowed(user, token)
        return self._inputs(token, limit, newest_first)

    def _inputs(self, token: str, limit: int | None = None, newest_first: bool = True) -> list[ResidentInput]:
        order = inputs.c.id.desc() if newest_first else inputs.c.id
        query = select(inputs).where(inputs.c.form_id == token).order_by(order)
        with self.db.connect() as c:
            rows = c.execute(query.limit(limit) if limit else query).mappings().all()
        return [self._input(row) for row in rows]

    def theme_items(self, user: str, token: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
        """The inputs as (id, text) pairs for ``themes.group``, oldest first, and the question each
        input answered (input id → answer field): the first question answered, when several were."""
        found = [item for item in self.list_inputs(user, token, newest_first=False) if item.text.strip()]
        items = [(str(item.id), item.text) for item in found]
        questions = {str(item.id): next(name for name in ANSWERS if item.answers[name].strip()) for item in found}
        return items, questions

    def theme_vectors(self, user: str, token: str) -> dict[str, np.ndarray]:
        """The vectors kept for the form's inputs (by the embedder in use), by input id."""
        self.allowed(user, token)
        model = self._model()
        with self.db.connect() as c:
            rows = c.execute(select(inputs.c.id, inputs.c.vector).where(
                inputs.c.form_id == token, inputs.c.vector_model == model, inputs.c.vector.is_not(None))).all()
        return {str(row.id): np.frombuffer(row.vector, dtype=np.float32) for row in rows}

    def keep_vectors(self, user: str, token: str, vectors: dict[str, np.ndarray]) -> None:
        """Keep vectors a grouping computed (anyone who may look at the inputs may group them)."""
        self.allowed(user, token)
        self._store_vectors(token, vectors)

    def embed_new(self, token: str) -> int:
        """Give the form's inputs without a vector theirs (at most ``VECTORS_PER_PASS``); how many."""
        if self.embeddings is None:
            return 0
        model = self._model()
        with self.db.connect() as c:
            rows = c.execute(select(inputs).where(
                inputs.c.form_id == token, (inputs.c.vector.is_(None)) | (inputs.c.vector_model != model))
                .order_by(inputs.c.id).limit(VECTORS_PER_PASS)).mappings().all()
        found = [self._input(row) for row in rows]
        found = [item for item in found if item.text.strip()]
        if not found:
            return 0
        vectors = themes.embed_inputs([themes.input_text(item.text) for item in found], self.embeddings)
        self._store_vectors(token, {str(item.id): vector for item, vector in zip(found, vectors, strict=True)})
        return len(found)

    def _embed_in_background(self, token: str) -> None:
        try:
            self.embed_new(token)
        except Exception:
            log.exception("embedding new residents' input failed")

    def _store_vectors(self, token: str, vectors: dict[str, np.ndarray]) -> None:
        model = self._model()
        with self.db.connect() as c:
            for key, vector in vectors.items():
                c.execute(update(inputs).where(inputs.c.form_id == token, inputs.c.id == int(key)).values(
                    vector=np.asarray(vector, dtype=np.float32).tobytes(), vector_model=model))

    def _model(self) -> str:
        return getattr(self.embeddings, "name", "") if self.embeddings is not None else ""

    # -- the facilitator's curation of themes (merges and renames, replayed on each grouping) --

    def theme_edits(self, user: str, token: str) -> list[dict]:
        return self.allowed(user, token).theme_edits

    def add_theme_edit(self, user: str, token: str, edit: dict) -> list[dict]:
        """Append one edit (as made by ``themes.merge_edit`` or ``themes.rename_edit``); the edits
        after it. Safe against a colleague's edit at the same moment on another replica: the row is
        written only if its edits are still those read (compare and swap), else read again."""
        if not isinstance(edit, dict) or edit.get("op") not in THEME_EDIT_OPS:
            raise ValueError(f"not a theme edit: {edit!r}")
        encoded = json.loads(json.dumps(edit, ensure_ascii=False))  # plain JSON, or TypeError now
        owner = self.allowed(user, token, "edit").owner
        for attempt in range(THEME_EDIT_ATTEMPTS):
            if attempt:
                time.sleep(random.uniform(0, 0.005 * min(attempt, 20)))  # noqa: S311 - jitter, not a secret  # let the other writer finish
            with self.db.connect() as c:
                raw = c.execute(select(forms.c.theme_edits).where(forms.c.id == token, forms.c.owner == owner)).scalar()
            if raw is None:
                raise FormNotFound(token)
            edits = json.loads(raw or "[]")
            if len(edits) >= MAX_THEME_EDITS:
                raise ValueError(f"more than {MAX_THEME_EDITS} theme edits")
            edits.append(encoded)
            with self.db.connect() as c:
                written = c.execute(update(forms).where(forms.c.id == token, forms.c.owner == owner,
                                                        forms.c.theme_edits == raw)
                                    .values(theme_edits=json.dumps(edits, ensure_ascii=False), updated=_now()))
            if written.rowcount == 1:
                return edits
        raise RuntimeError(f"theme edits of form {token} kept changing")

    def count(self, user: str, token: str) -> int:
        self.allowed(user, token)
        return self._count(token)

    def counts(self, owner: str) -> dict[str, int]:
        """Inputs per canvas id, for every form of the owner."""
        with self.db.connect() as c:
            rows = c.execute(select(forms.c.canvas_id, func.count(inputs.c.id))
                             .select_from(forms.outerjoin(inputs, inputs.c.form_id == forms.c.id))
                             .where(forms.c.owner == owner).group_by(forms.c.canvas_id)).all()
        return {canvas_id: n for canvas_id, n in rows}

    def export_csv(self, user: str, token: str, path: Path) -> Path:
        """UTF-8 with a byte order mark, so Excel shows «æøå» right; semicolons, as Norwegian Excel expects."""
        rows = [item.row() for item in self.list_inputs(user, token, newest_first=False)]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(_defused(row) for row in rows)
        path.write_text(buffer.getvalue(), encoding="utf-8-sig")
        return path

    def export_xlsx(self, user: str, token: str, path: Path) -> Path:
        from openpyxl import Workbook

        workbook = Workbook()
        from openpyxl.worksheet.worksheet import Worksheet

        sheet = cast(Worksheet, workbook.active)  # a new workbook has one sheet
        sheet.title = "innspill"
        sheet.append(list(EXPORT_COLUMNS))
        for item in self.list_inputs(user, token, newest_first=False):
            sheet.append([_defused(item.row())[column] for column in EXPORT_COLUMNS])
        for column, width in zip("ABCDEFGHIJK", (6, 18, 8, 40, 40, 40, 40, 10, 16, 8)):
            sheet.column_dimensions[column].width = width
        workbook.save(path)
        return path

    def export_owner(self, owner: str) -> list[dict]:
        """For «download my data»: each form with its inputs (without the owner id)."""
        with self.db.connect() as c:
            rows = c.execute(select(forms).where(forms.c.owner == owner).order_by(forms.c.created)).mappings().all()
        return [{"token": row["id"], "canvas_id": row["canvas_id"], "open": bool(row["open"]),
                 "created": row["created"],
                 "inputs": [item.row() for item in self._inputs(row["id"], newest_first=False)]}
                for row in rows]

    def delete_owner(self, owner: str) -> int:
        """Every form of the owner and all its inputs (the right to erasure)."""
        with self.db.connect() as c:
            tokens = c.execute(select(forms.c.id).where(forms.c.owner == owner)).scalars().all()
            if tokens:
                c.execute(delete(inputs).where(inputs.c.form_id.in_(tokens)))
            removed = c.execute(delete(forms).where(forms.c.owner == owner)).rowcount
        self.db.reclaim(("resident_inputs", "resident_forms"))
        return removed

    # -- the public side (the token is the capability) -----------------------------------

    def get(self, token: str) -> ResidentForm | None:
        if not isinstance(token, str) or not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token):
            return None
        with self.db.connect() as c:
            row = c.execute(select(forms).where(forms.c.id == token)).mappings().first()
        return self._form(row) if row else None

    def validate(self, answers: Mapping[str, object], age_group: object = None, place: object = None):
        return validate(self.settings, answers, age_group, place)

    def submit(self, token: str, answers: Mapping[str, object], age_group: object = None, place: object = None,
               language: str = "nb") -> Submission:
        form = self.get(token)
        if form is None:
            raise FormNotFound(token)
        if not form.open:
            raise FormClosed(token)
        language = language if language in LANGUAGES else form.language
        cleaned, age, place_text = self.validate(answers, age_group, place)
        label = lambda kind: self.catalog.message(f"residents.masked_{kind}", language)  # noqa: E731
        removed: set[str] = set()
        for name, text in cleaned.items():
            cleaned[name], found = mask(text, label)
            removed |= found
        if place_text:
            place_text, found = mask(place_text, label)
            removed |= found
        masked = bool(removed)
        digest = hashlib.sha256("\x1f".join(normalise(cleaned[name]) for name in ANSWERS).encode()).hexdigest()
        if self._count(token) >= self.settings.resident_max_inputs_per_form:
            raise FormFull(token)
        with self.db.connect() as c:
            new_id = c.execute(self.db.insert_new(inputs, form_id=token, **cleaned, age_group=age, place=place_text,
                                                  language=language, content_hash=digest, masked=masked,
                                                  created=_minute()).returning(inputs.c.id)).scalar()
        if new_id is not None and self._embedder is not None:
            self._embedder.submit(self._embed_in_background, token)
        return Submission(stored=new_id is not None, masked=masked, removed=frozenset(removed))

    # -- rows ----------------------------------------------------------------------------

    def _count(self, token: str) -> int:
        with self.db.connect() as c:
            return c.execute(select(func.count()).select_from(inputs).where(inputs.c.form_id == token)).scalar_one()

    @staticmethod
    def _form(row) -> ResidentForm:
        return ResidentForm(id=row["id"], owner=row["owner"], canvas_id=row["canvas_id"], language=row["language"],
                            open=bool(row["open"]), created=row["created"], updated=row["updated"],
                            theme_edits=json.loads(row["theme_edits"] or "[]"))

    @staticmethod
    def _input(row) -> ResidentInput:
        return ResidentInput(id=row["id"], created=row["created"], language=row["language"],
                             answers={name: row[name] for name in ANSWERS}, age_group=row["age_group"],
                             place=row["place"], masked=bool(row["masked"]))


def _defused(row: dict) -> dict:
    """A resident's text never runs as a spreadsheet formula (CSV/formula injection)."""
    return {key: "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
            for key, value in row.items()}
