"""A user's settings kept on the server (so they follow the user, not the browser tab): for now the
language of the app (nb, nn or en)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, select

from assistant.adapters.database import Database
from assistant.adapters.schema import preferences
from assistant.services.language import Lang

LANGUAGES = ("nb", "nn", "en")
# Read with every chat answer: built once (see conversations.py).
_LANGUAGE = select(preferences.c.language).where(preferences.c.owner == bindparam("the_owner"))


def language_from_browser(accept: str | None) -> str:
    """The app language for a browser language tag: Nynorsk and Bokmål as asked (a bare «no» is
    Bokmål), English for English, and Bokmål, the product's own language, for anything else."""
    tag = (accept or "").strip().lower()
    if tag.startswith("nn"):
        return "nn"
    if tag.startswith("en"):
        return "en"
    return "nb"


class PreferenceService:
    def __init__(self, database: Database) -> None:
        self.db = database

    def language(self, owner: str) -> Lang | None:  # set_language stores only these
        with self.db.connect() as c:
            return c.execute(_LANGUAGE, {"the_owner": owner}).scalar()

    def app_language(self, owner: str, accept_language: str | None = None) -> str:
        """The language the user chose; until they choose, their browser's (``accept_language``, the
        request's header), else Bokmål, the product's own language."""
        return self.language(owner) or language_from_browser(accept_language)

    def set_language(self, owner: str, language: str) -> str:
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        with self.db.connect() as c:
            c.execute(self.db.upsert(preferences, owner=owner, language=language,
                                     updated=datetime.now(UTC).isoformat(timespec="seconds")))
        return language

    def export(self, owner: str) -> dict:
        return {"language": self.language(owner)}

    def delete_owner(self, owner: str) -> None:
        with self.db.connect() as c:
            c.execute(delete(preferences).where(preferences.c.owner == owner))
