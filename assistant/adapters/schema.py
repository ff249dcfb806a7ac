"""The tables of all user data, as SQLAlchemy Core metadata. Alembic migrations in
``assistant/migrations`` create and change them; this module is what the services query."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Table, Text

metadata = MetaData()

conversations = Table(
    "conversations", metadata,
    Column("id", String, primary_key=True),
    Column("owner", String, nullable=False),
    Column("title", Text, nullable=False),
    Column("created", String, nullable=False),
    Column("updated", String, nullable=False),
    Index("conversations_owner", "owner", "updated"),
)

messages = Table(
    "messages", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    Column("role", String, nullable=False),
    Column("content", Text, nullable=False),
    Column("citations", Text, nullable=False, server_default="[]"),
    Column("mode", String),
    Column("notices", Text, nullable=False, server_default="[]"),
    Column("created", String, nullable=False),
    Index("messages_conversation", "conversation_id"),
    sqlite_autoincrement=True,
)

feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String, nullable=False),
    Column("conversation_id", String),
    Column("message_id", Integer),
    Column("rating", Integer, nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("sources", Text, nullable=False),
    Column("created", String, nullable=False),
    Index("feedback_owner", "owner"),
    sqlite_autoincrement=True,
)

preferences = Table(
    "preferences", metadata,
    Column("owner", String, primary_key=True),
    Column("language", String, nullable=False),
    Column("updated", String, nullable=False),
)

workshop_canvases = Table(
    "workshop_canvases", metadata,
    Column("id", String, primary_key=True),
    Column("owner", String, nullable=False),
    Column("municipality", Text, nullable=False, server_default=""),
    Column("raw_problem", Text, nullable=False, server_default=""),
    Column("language", String, nullable=False, server_default="nb"),
    Column("created", String, nullable=False),
    Column("updated", String, nullable=False),
    Column("data", Text, nullable=False),
    Index("workshop_canvases_owner", "owner", "updated"),
)

# A Gradio session bound to the owner who first used it, shared by every replica.
sessions = Table(
    "sessions", metadata,
    Column("session_hash", String, primary_key=True),
    Column("owner", String, nullable=False),
    Column("created", String, nullable=False),
    Index("sessions_owner", "owner"),
)

# Files made for a user to download, so any replica can serve them (see services/exports.py).
downloads = Table(
    "downloads", metadata,
    Column("path", String, primary_key=True),
    Column("owner_key", String, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created", Integer, nullable=False),
    Index("downloads_owner", "owner_key"),
    Index("downloads_created", "created"),
)
