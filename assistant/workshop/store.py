"""Canvases in SQLite (stdlib), keyed by owner.

Every query has ``owner = ?`` in it, so one user can never read, change or delete another
user's canvas; an id that belongs to someone else behaves exactly like an id that does not
exist. A new connection per operation keeps the store safe to share between threads.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant.adapters.database import Database
from assistant.workshop.canvas import Canvas, to_json
from assistant.workshop.steps import STEP_IDS

_SCHEMA = """
CREATE TABLE IF NOT EXISTS workshop_canvases (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    municipality TEXT NOT NULL DEFAULT '',
    raw_problem TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'nb',
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS workshop_canvases_owner ON workshop_canvases(owner, updated);
"""


class CanvasNotFound(KeyError):
    """No canvas with that id for this owner (it may not exist, or belong to someone else)."""


@dataclass
class CanvasSummary:
    id: str
    municipality: str
    raw_problem: str
    language: str
    created: str
    updated: str
    completed: int
    total: int

    def as_dict(self) -> dict:
        return asdict(self)


class CanvasStore:
    def __init__(self, path: Path | str) -> None:
        self.db = Database(Path(path), _SCHEMA)
        self._connect = self.db.connect

    # -- CRUD -----------------------------------------------------------------------------

    def create(self, canvas: Canvas) -> Canvas:
        with self._connect() as db:
            try:
                db.execute(
                    "INSERT INTO workshop_canvases (id, owner, municipality, raw_problem, language, created, updated, data)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    self._row(canvas),
                )
            except sqlite3.IntegrityError:
                raise ValueError("a canvas with this id already exists") from None
        return canvas

    def get(self, owner: str, canvas_id: str) -> Canvas:
        with self._connect() as db:
            row = db.execute("SELECT data FROM workshop_canvases WHERE id = ? AND owner = ?",
                             (canvas_id, owner)).fetchone()
        if row is None:
            raise CanvasNotFound(canvas_id)
        return Canvas.model_validate_json(row[0])

    def save(self, canvas: Canvas, owner: str | None = None) -> Canvas:
        """Insert or update ``canvas`` for its owner. Saving over an id that belongs to another
        owner raises CanvasNotFound (nothing is changed, nothing is revealed)."""
        if owner is not None and owner != canvas.owner:
            raise CanvasNotFound(canvas.id)
        with self._connect() as db:
            cursor = db.execute(
                "UPDATE workshop_canvases SET municipality = ?, raw_problem = ?, language = ?, updated = ?, data = ?"
                " WHERE id = ? AND owner = ?",
                (canvas.municipality, canvas.raw_problem, canvas.language, canvas.updated.isoformat(),
                 to_json(canvas, indent=None), canvas.id, canvas.owner),
            )
            if cursor.rowcount == 0:
                try:
                    db.execute(
                        "INSERT INTO workshop_canvases (id, owner, municipality, raw_problem, language, created, updated,"
                        " data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        self._row(canvas),
                    )
                except sqlite3.IntegrityError:  # the id exists, under another owner
                    raise CanvasNotFound(canvas.id) from None
        return canvas

    def list(self, owner: str) -> list[CanvasSummary]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, municipality, raw_problem, language, created, updated, data FROM workshop_canvases"
                " WHERE owner = ? ORDER BY updated DESC",
                (owner,),
            ).fetchall()
        summaries = []
        for row in rows:
            canvas = Canvas.model_validate_json(row[6])
            summaries.append(CanvasSummary(row[0], row[1], row[2], row[3], row[4], row[5],
                                           len(canvas.completed_steps), len(STEP_IDS)))
        return summaries

    def delete(self, owner: str, canvas_id: str) -> bool:
        with self._connect() as db:
            cursor = db.execute("DELETE FROM workshop_canvases WHERE id = ? AND owner = ?", (canvas_id, owner))
        return cursor.rowcount > 0

    def delete_all(self, owner: str) -> int:
        """Remove every canvas of ``owner`` (the user's right to erasure)."""
        with self._connect() as db:
            cursor = db.execute("DELETE FROM workshop_canvases WHERE owner = ?", (owner,))
        self.db.reclaim()
        return cursor.rowcount

    def export_all(self, owner: str) -> list[Canvas]:
        with self._connect() as db:
            rows = db.execute("SELECT data FROM workshop_canvases WHERE owner = ? ORDER BY created",
                              (owner,)).fetchall()
        return [Canvas.model_validate_json(row[0]) for row in rows]

    @staticmethod
    def _row(canvas: Canvas) -> tuple:
        return (canvas.id, canvas.owner, canvas.municipality, canvas.raw_problem, canvas.language,
                canvas.created.isoformat(), canvas.updated.isoformat(), to_json(canvas, indent=None))
