"""A user's settings kept on the server (so they follow the user, not the browser tab): for now the
language of the app (nb, nn or en)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from assistant.adapters.database import Database

LANGUAGES = ("nb", "nn", "en")
SCHEMA = """
CREATE TABLE IF NOT EXISTS preferences (
    owner TEXT PRIMARY KEY,
    language TEXT NOT NULL,
    updated TEXT NOT NULL
);
"""


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
    def __init__(self, database_path: Path) -> None:
        self.db = Database(database_path, SCHEMA)

    def language(self, owner: str) -> str | None:
        with self.db.connect() as c:
            row = c.execute("SELECT language FROM preferences WHERE owner = ?", (owner,)).fetchone()
        return row["language"] if row else None

    def app_language(self, owner: str) -> str:
        """The language the user chose, Bokmål (the product's own language) until they choose."""
        return self.language(owner) or "nb"

    def set_language(self, owner: str, language: str) -> str:
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        with self.db.connect() as c:
            c.execute(
                "INSERT INTO preferences (owner, language, updated) VALUES (?, ?, ?) "
                "ON CONFLICT(owner) DO UPDATE SET language = excluded.language, updated = excluded.updated",
                (owner, language, datetime.now(timezone.utc).isoformat(timespec="seconds")),
            )
        return language

    def export(self, owner: str) -> dict:
        return {"language": self.language(owner)}

    def delete_owner(self, owner: str) -> None:
        with self.db.connect() as c:
            c.execute("DELETE FROM preferences WHERE owner = ?", (owner,))
