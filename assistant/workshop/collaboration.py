"""Working on one workshop together: capability links, who may do what, each field's history and
comments. ``WorkshopService`` uses this store; the pure helpers (which fields have a history, how two
texts are kept when edits collide, how an author is shown) have unit tests of their own.

A link's token is an unguessable capability, never an owner id. Whoever opens a link joins the
workshop with the link's role ("edit" or "read"); revoking the link deletes it and every membership
it granted, so the link and everyone who came in through it lose access at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import delete, func, insert, select

from assistant.adapters.database import Database
from assistant.adapters.schema import canvas_comments as comments_table
from assistant.adapters.schema import canvas_history as history_table
from assistant.adapters.schema import workshop_canvases as canvases
from assistant.adapters.schema import workshop_members as members
from assistant.adapters.schema import workshop_shares as shares
from assistant.catalog import TextCatalog
from assistant.workshop.canvas import Canvas, get_field
from assistant.workshop.steps import PATH_KINDS, STEP_DEFS
from assistant.workshop.store import CanvasNotFound

Role = Literal["owner", "edit", "read"]
LINK_ROLES: tuple[str, ...] = ("edit", "read")
MAX_LINKS = 20  # per workshop: enough for every group of a workshop day, bounded for the page
HISTORY_SHOWN = 10
FLAG_WINDOW = 500  # the latest changes looked at to find fields still in conflict
USER_PREFIX = "user:"


def _canvas_path(path: str) -> bool:
    try:
        get_field(Canvas(owner="-"), path)
    except KeyError:
        return False
    return True


# Fields with a history: every editable path that is a real canvas field (the three actor questions
# edit "actors", the from/to question edits "reframing_from" and "reframing_to").
HISTORY_FIELDS: tuple[str, ...] = tuple(path for path in PATH_KINDS if _canvas_path(path))
_TARGETS = {q.key: q.targets for s in STEP_DEFS for q in s.questions}


def targets(edit_path: str) -> tuple[str, ...]:
    """The canvas fields an edit path changes ("actors.knows" → ("actors",))."""
    return (edit_path,) if edit_path in HISTORY_FIELDS else _TARGETS.get(edit_path, (edit_path,))


def merge_texts(theirs: str, mine: str) -> str:
    """Both versions of a field two people changed at once: theirs, then every line of mine that
    theirs lacks. Nothing typed is lost; the field is flagged so somebody tidies it."""
    have = {line.strip() for line in theirs.splitlines()}
    added = [line for line in mine.splitlines() if line.strip() and line.strip() not in have]
    return "\n".join([theirs.rstrip(), *added]).strip()


def author_name(author: str, viewer: str, lang: str, catalog: TextCatalog) -> str:
    """How an author is shown to colleagues: the signed-in name, «Gjest 3F2A» for a browser without
    login (a short code, never the id itself), «deg» for the viewer, and a neutral word for someone
    who has deleted their data."""
    if not author:
        return catalog.ui("collab.author.gone", lang)
    if author == viewer:
        return catalog.ui("collab.author.you", lang)
    if author.startswith(USER_PREFIX):
        return author.removeprefix(USER_PREFIX)
    code = hashlib.sha256(author.encode()).hexdigest()[:4].upper()
    return catalog.ui("collab.author.guest", lang, code=code)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class LinkNotFound(KeyError):
    """No such link: never made, or revoked."""


@dataclass(frozen=True)
class ShareLink:
    token: str
    role: str
    created: str
    members: int

    @property
    def id(self) -> str:
        """What the page holds to name a link (a choice to revoke): never the token itself, which
        would reach the browser's state and Gradio's logs of choices; the server maps it back."""
        return link_id(self.token)


def link_id(token: str) -> str:
    return hashlib.sha256(b"share-link:" + token.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class FieldChange:
    id: int
    field: str
    author: str
    kind: str  # "edit", "undo" or "conflict"
    previous: str
    value: str
    created: str


@dataclass(frozen=True)
class Comment:
    id: int
    field: str
    author: str
    text: str
    created: str


class CollaborationStore:
    def __init__(self, database: Database) -> None:
        self.db = database

    # -- access ---------------------------------------------------------------------------------

    def role(self, user: str, canvas_id: str) -> tuple[Role, str]:
        """The user's role on a canvas and the canvas's owner. CanvasNotFound when the user has no
        access, exactly as for a canvas that does not exist."""
        with self.db.connect() as db:
            owner = db.execute(select(canvases.c.owner).where(canvases.c.id == canvas_id)).scalar()
            if owner is None:
                raise CanvasNotFound(canvas_id)
            if owner == user:
                return "owner", owner
            roles = set(db.execute(select(shares.c.role).join(members, members.c.token == shares.c.token)
                                   .where(members.c.member == user, shares.c.canvas_id == canvas_id)).scalars())
        if not roles:
            raise CanvasNotFound(canvas_id)
        return ("edit" if "edit" in roles else "read"), owner

    def shared_with(self, user: str) -> dict[str, Role]:
        """The canvases others have shared with ``user``: id → the strongest role."""
        with self.db.connect() as db:
            rows = db.execute(select(shares.c.canvas_id, shares.c.role).join(members, members.c.token == shares.c.token)
                              .where(members.c.member == user)).all()
        found: dict[str, Role] = {}
        for canvas_id, role in rows:
            found[canvas_id] = "edit" if "edit" in (role, found.get(canvas_id)) else "read"
        return found

    def is_shared(self, canvas_id: str) -> bool:
        with self.db.connect() as db:
            shared = db.execute(select(shares.c.token).where(shares.c.canvas_id == canvas_id).limit(1)).first()
        return shared is not None

    # -- links ----------------------------------------------------------------------------------

    def create_link(self, canvas_id: str, role: str) -> ShareLink:
        if role not in LINK_ROLES:
            raise ValueError(role)
        if len(self.links(canvas_id)) >= MAX_LINKS:
            raise OverflowError(MAX_LINKS)
        link = ShareLink(secrets.token_urlsafe(24), role, _now(), 0)
        with self.db.connect() as db:
            db.execute(insert(shares).values(token=link.token, canvas_id=canvas_id, role=role, created=link.created))
        return link

    def links(self, canvas_id: str) -> list[ShareLink]:
        joined = select(func.count()).where(members.c.token == shares.c.token).scalar_subquery()
        with self.db.connect() as db:
            rows = db.execute(select(shares.c.token, shares.c.role, shares.c.created, joined)
                              .where(shares.c.canvas_id == canvas_id).order_by(shares.c.created)).all()
        return [ShareLink(*row) for row in rows]

    def revoke(self, canvas_id: str, token: str) -> bool:
        """Delete a link of this canvas and the memberships it granted; a token of another canvas
        is left alone (False), its colleagues keep their access."""
        with self.db.connect() as db:
            gone = db.execute(delete(shares).where(shares.c.token == token, shares.c.canvas_id == canvas_id))
            if gone.rowcount:  # the memberships too, also where foreign keys are off
                db.execute(delete(members).where(members.c.token == token, members.c.canvas_id == canvas_id))
        return gone.rowcount > 0

    def join(self, user: str, token: str) -> str:
        """Let ``user`` in through a link; the canvas id. LinkNotFound for an unknown or revoked link."""
        with self.db.connect() as db:
            row = db.execute(select(shares.c.canvas_id, canvases.c.owner)
                             .join(canvases, canvases.c.id == shares.c.canvas_id)
                             .where(shares.c.token == token)).first()
            if row is None:
                raise LinkNotFound(token)
            canvas_id, owner = row
            if owner != user:
                db.execute(self.db.insert_new(members, token=token, member=user, canvas_id=canvas_id, joined=_now()))
        return canvas_id

    def leave(self, user: str, canvas_id: str) -> bool:
        with self.db.connect() as db:
            gone = db.execute(delete(members).where(members.c.member == user, members.c.canvas_id == canvas_id))
        return gone.rowcount > 0

    # -- history and comments -------------------------------------------------------------------

    def history(self, canvas_id: str, fields: tuple[str, ...], limit: int = HISTORY_SHOWN) -> list[FieldChange]:
        """The latest changes to ``fields``, newest first."""
        with self.db.connect() as db:
            rows = db.execute(select(history_table.c.id, history_table.c.field, history_table.c.author,
                                     history_table.c.kind, history_table.c.previous, history_table.c.value,
                                     history_table.c.created)
                              .where(history_table.c.canvas_id == canvas_id, history_table.c.field.in_(fields))
                              .order_by(history_table.c.id.desc()).limit(limit)).all()
        return [FieldChange(*row) for row in rows]

    def flagged(self, canvas_id: str) -> set[str]:
        """Fields whose latest change is a conflict that nobody has tidied yet."""
        with self.db.connect() as db:
            rows = db.execute(select(history_table.c.field, history_table.c.kind)
                              .where(history_table.c.canvas_id == canvas_id)
                              .order_by(history_table.c.id.desc()).limit(FLAG_WINDOW)).all()
        latest: dict[str, str] = {}
        for field, kind in rows:
            latest.setdefault(field, kind)
        return {field for field, kind in latest.items() if kind == "conflict"}

    def add_comment(self, canvas_id: str, field: str, author: str, text: str) -> None:
        with self.db.connect() as db:
            db.execute(insert(comments_table).values(canvas_id=canvas_id, field=field, author=author,
                                                     text=text, created=_now()))

    def comments(self, canvas_id: str, field: str, limit: int = HISTORY_SHOWN) -> list[Comment]:
        """The latest comments on a field, oldest first (read like a conversation)."""
        with self.db.connect() as db:
            rows = db.execute(select(comments_table.c.id, comments_table.c.field, comments_table.c.author,
                                     comments_table.c.text, comments_table.c.created)
                              .where(comments_table.c.canvas_id == canvas_id, comments_table.c.field == field)
                              .order_by(comments_table.c.id.desc()).limit(limit)).all()
        return [Comment(*row) for row in reversed(rows)]

    def comments_by(self, author: str) -> list[dict]:
        """What ``author`` wrote on any canvas (for «download my data»)."""
        with self.db.connect() as db:
            rows = db.execute(select(comments_table.c.field, comments_table.c.text, comments_table.c.created)
                              .where(comments_table.c.author == author).order_by(comments_table.c.id)).all()
        return [{"field": field, "text": text, "created": created} for field, text, created in rows]

    def revision(self, canvas_id: str) -> str:
        """Changes when the canvas, its comments or who has joined change: what a colleague's page polls for."""
        latest_comment = (select(func.max(comments_table.c.id)).where(comments_table.c.canvas_id == canvas_id)
                          .scalar_subquery())
        joined = select(func.count()).where(members.c.canvas_id == canvas_id).scalar_subquery()
        with self.db.connect() as db:
            row = db.execute(select(canvases.c.updated, latest_comment, joined)
                             .where(canvases.c.id == canvas_id)).first()
        if row is None:
            raise CanvasNotFound(canvas_id)
        return f"{row[0]}|{row[1] or 0}|{row[2]}"
