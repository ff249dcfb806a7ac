"""Which owner first used a Gradio session (``session_hash``), kept in the user database so every
replica refuses the same replayed session, not only the one that saw it first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from assistant.adapters.database import Database
from assistant.adapters.schema import sessions


def _now() -> datetime:
    return datetime.now(UTC)


class SessionBindings:
    def __init__(self, database: Database) -> None:
        self.db = database

    def claim(self, session_hash: str, owner: str) -> str:
        """Bind the session to ``owner`` unless an owner has it already; returns the session's owner."""
        with self.db.connect() as c:
            c.execute(self.db.insert_new(sessions, session_hash=session_hash, owner=owner,
                                         created=_now().isoformat(timespec="seconds")))
            bound = c.execute(select(sessions.c.owner).where(sessions.c.session_hash == session_hash)).scalar_one()
        return bound

    def delete_owner(self, owner: str) -> None:
        with self.db.connect() as c:
            c.execute(delete(sessions).where(sessions.c.owner == owner))

    def expire(self, days: int = 30) -> int:
        cutoff = (_now() - timedelta(days=days)).isoformat(timespec="seconds")
        with self.db.connect() as c:
            return c.execute(delete(sessions).where(sessions.c.created < cutoff)).rowcount
