"""Whether a user may do something to a workshop and what belongs to it (its residents' form and
themes, its canvas, its links): one rule, asked by every service, never by the UI (issue 18, item 8).

A workshop's owner may do everything; a colleague who joined by an edit link may change it; one who
joined by a read link may look. Someone with no access learns nothing: the workshop behaves as one
that does not exist (``CanvasNotFound``). Someone who may look but not do this gets ``NotAllowed``,
whose ``reason`` names the catalog message (``catalog.workshop_message``), so each caller can say it
in its user's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from assistant.catalog import TextCatalog
from assistant.workshop.collaboration import CollaborationStore, Role

Need = Literal["read", "edit", "owner"]
RANK: dict[str, int] = {"read": 0, "edit": 1, "owner": 2}
REASONS: dict[str, str] = {"edit": "read_only", "owner": "owner_only"}


class NotAllowed(PermissionError):
    """The user may not do this; ``str(error)`` is the message in the language it was raised in,
    ``message(catalog, lang)`` the same in the reader's language."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason

    def message(self, catalog: TextCatalog, language: str) -> str:
        if self.reason.startswith("identity."):
            return catalog.message(self.reason, language)
        return catalog.workshop_message(self.reason, language)


@dataclass(frozen=True)
class Actor:
    """Who acts in one request, as the UI resolved it once: the user (owner id), the language of
    their messages, and whether they are an administrator (decided by the identity layer, from the
    login or the single sign-on proxy's group claim)."""

    user: str
    language: str = "nb"
    admin: bool = False


def require_admin(actor: Actor, catalog: TextCatalog) -> Actor:
    """The actor, if an administrator; NotAllowed otherwise."""
    if not actor.admin:
        raise NotAllowed("identity.not_admin", catalog.message("identity.not_admin", actor.language))
    return actor


@dataclass(frozen=True)
class Grant:
    role: Role
    owner: str  # whose workshop it is (the key its data is stored under)


class WorkshopAccess:
    def __init__(self, sharing: CollaborationStore, catalog: TextCatalog) -> None:
        self.sharing = sharing
        self.catalog = catalog

    def require(self, user: str, canvas_id: str, need: Need,
                language: str | Callable[[str], str] = "nb") -> Grant:
        """The user's grant on the workshop if it is at least ``need``. CanvasNotFound without
        access; NotAllowed with too weak a role, its message in ``language`` (or in what
        ``language(owner)`` says, asked only then)."""
        role, owner = self.sharing.role(user, canvas_id)
        if RANK[role] < RANK[need]:
            reason = REASONS[need]
            lang = language(owner) if callable(language) else language
            raise NotAllowed(reason, self.catalog.workshop_message(reason, lang))
        return Grant(role, owner)
