"""Canvases in the user database, keyed by owner.

Every query names the owner, so one user can never read, change or delete another
user's canvas; an id that belongs to someone else behaves exactly like an id that does not
exist.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from assistant.adapters.database import Database
from assistant.adapters.schema import canvas_comments, canvas_history, workshop_members
from assistant.adapters.schema import workshop_canvases as canvases
from assistant.workshop.canvas import Canvas, to_json
from assistant.workshop.steps import STEP_IDS


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
    role: str = "owner"  # or "edit" / "read": shared with the user by someone else

    def as_dict(self) -> dict:
        return asdict(self)


class CanvasStore:
    def __init__(self, database: Database) -> None:
        self.db = database
        self._connect = database.connect

    # -- CRUD -----------------------------------------------------------------------------

    def create(self, canvas: Canvas) -> Canvas:
        try:
            with self._connect() as db:
                db.execute(insert(canvases).values(**self._row(canvas)))
        except IntegrityError:
            raise ValueError("a canvas with this id already exists") from None
        return canvas

    def get(self, owner: str, canvas_id: str) -> Canvas:
        with self._connect() as db:
            data = db.execute(select(canvases.c.data).where(canvases.c.id == canvas_id,
                                                            canvases.c.owner == owner)).scalar()
        if data is None:
            raise CanvasNotFound(canvas_id)
        return Canvas.model_validate_json(data)

    def save(self, canvas: Canvas, owner: str | None = None) -> Canvas:
        """Insert or update ``canvas`` for its owner. Saving over an id that belongs to another
        owner raises CanvasNotFound (nothing is changed, nothing is revealed)."""
        if owner is not None and owner != canvas.owner:
            raise CanvasNotFound(canvas.id)
        row = self._row(canvas)
        try:
            with self._connect() as db:
                changed = db.execute(update(canvases).where(canvases.c.id == canvas.id,
                                                            canvases.c.owner == canvas.owner)
                                     .values({k: v for k, v in row.items() if k not in ("id", "owner", "created")}))
                if changed.rowcount == 0:
                    db.execute(insert(canvases).values(**row))
        except IntegrityError:  # the id exists, under another owner
            raise CanvasNotFound(canvas.id) from None
        return canvas

    def replace(self, canvas: Canvas, expected_updated: datetime, author: str,
                changes: Iterable[tuple[str, str, str]], kind: str = "edit") -> bool:
        """Save ``canvas`` only if nobody saved it since it was read (its ``updated`` is still
        ``expected_updated``), with one history row per changed field (field, text before, text after),
        in one transaction. False when someone came first: the caller reads again and retries."""
        with self._connect() as db:
            row = self._row(canvas)
            saved = db.execute(update(canvases).where(canvases.c.id == canvas.id, canvases.c.owner == canvas.owner,
                                                      canvases.c.updated == expected_updated.isoformat())
                               .values({k: v for k, v in row.items() if k not in ("id", "owner", "created")}))
            if saved.rowcount == 0:
                return False
            when = datetime.now(UTC).isoformat(timespec="seconds")
            history = [{"canvas_id": canvas.id, "field": field, "author": author, "kind": kind, "previous": before,
                        "value": after, "created": when} for field, before, after in changes]
            if history:
                db.execute(insert(canvas_history), history)
        return True

    def list(self, owner: str, shared: Mapping[str, str] | None = None) -> list[CanvasSummary]:
        """The owner's canvases, and those in ``shared`` (id → role) that others shared with them."""
        shared = shared or {}
        mine = canvases.c.owner == owner
        with self._connect() as db:
            rows = db.execute(select(canvases.c.id, canvases.c.municipality, canvases.c.raw_problem,
                                     canvases.c.language,
                                     canvases.c.created, canvases.c.updated, canvases.c.data)
                              .where(mine | canvases.c.id.in_(list(shared)) if shared else mine)
                              .order_by(canvases.c.updated.desc())).all()
        summaries = []
        for *fields, data in rows:
            canvas = Canvas.model_validate_json(data)
            role = "owner" if canvas.owner == owner else shared[canvas.id]
            # mypy cannot count *fields (the six columns selected above) before the positional rest
            summaries.append(CanvasSummary(*fields, len(canvas.completed_steps), len(STEP_IDS), role))  # type: ignore[call-arg]
        return summaries

    def delete(self, owner: str, canvas_id: str) -> bool:
        with self._connect() as db:
            cursor = db.execute(delete(canvases).where(canvases.c.id == canvas_id, canvases.c.owner == owner))
        return cursor.rowcount > 0

    def delete_all(self, owner: str) -> int:
        """Remove every canvas of ``owner`` with its links, history and comments, and what the user
        did in others' workshops: memberships and comments go, history names nobody (the right to
        erasure; the text they wrote into a colleague's canvas belongs to that canvas)."""
        with self._connect() as db:
            cursor = db.execute(delete(canvases).where(canvases.c.owner == owner))
            db.execute(delete(workshop_members).where(workshop_members.c.member == owner))
            db.execute(delete(canvas_comments).where(canvas_comments.c.author == owner))
            db.execute(update(canvas_history).where(canvas_history.c.author == owner).values(author=""))
        self.db.reclaim(("workshop_canvases", "workshop_shares", "workshop_members", "canvas_history",
                         "canvas_comments"))
        return cursor.rowcount

    def export_all(self, owner: str) -> builtins.list[Canvas]:
        with self._connect() as db:
            rows = db.execute(select(canvases.c.data).where(canvases.c.owner == owner)
                              .order_by(canvases.c.created)).scalars().all()
        return [Canvas.model_validate_json(data) for data in rows]

    @staticmethod
    def _row(canvas: Canvas) -> dict:
        return {"id": canvas.id, "owner": canvas.owner, "municipality": canvas.municipality,
                "raw_problem": canvas.raw_problem, "language": canvas.language, "created": canvas.created.isoformat(),
                "updated": canvas.updated.isoformat(), "data": to_json(canvas, indent=None)}
