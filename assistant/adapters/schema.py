"""The tables of all user data, as SQLAlchemy Core metadata. Alembic migrations in
``assistant/migrations`` create and change them; this module is what the services query."""

from __future__ import annotations

from sqlalchemy import (
                        Boolean,
                        Column,
                        ForeignKey,
                        Index,
                        Integer,
                        LargeBinary,
                        MetaData,
                        String,
                        Table,
                        Text,
                        false,
                        true,
)

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

# Residents' input (services/residents.py): a public form per workshop, its id the unguessable token
# in the link; ``theme_edits`` (JSON) keeps the facilitator's merges and renames of themes.
resident_forms = Table(
    "resident_forms", metadata,
    Column("id", String, primary_key=True),
    Column("owner", String, nullable=False),
    Column("canvas_id", String, nullable=False),
    Column("language", String, nullable=False, server_default="nb"),
    Column("open", Boolean, nullable=False, server_default=true()),
    Column("created", String, nullable=False),
    Column("updated", String, nullable=False),
    Column("theme_edits", Text, nullable=False, server_default="[]"),
    Index("resident_forms_owner", "owner", "canvas_id", unique=True),
)

# What residents send: no address, no cookie, nothing that identifies them; personal data is masked
# before the row is written. The same answers twice in one form are stored once (content_hash).
resident_inputs = Table(
    "resident_inputs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("form_id", String, ForeignKey("resident_forms.id", ondelete="CASCADE"), nullable=False),
    Column("kritikk", Text, nullable=False, server_default=""),
    Column("positivitet", Text, nullable=False, server_default=""),
    Column("drommen", Text, nullable=False, server_default=""),
    Column("virkeliggjoring", Text, nullable=False, server_default=""),
    Column("age_group", String),
    Column("place", Text),
    Column("language", String, nullable=False, server_default="nb"),
    Column("content_hash", String, nullable=False),
    Column("masked", Boolean, nullable=False, server_default=false()),
    Column("created", String, nullable=False),
    # The input's vector for grouping (services/themes.py), and which embedder made it.
    Column("vector", LargeBinary),
    Column("vector_model", String),
    Index("resident_inputs_form_hash", "form_id", "content_hash", unique=True),
    sqlite_autoincrement=True,
)

# Sharing a workshop (workshop/collaboration.py). A link's token is the capability; whoever opens it
# joins the workshop with the link's role. Deleting a link deletes what it granted.
workshop_shares = Table(
    "workshop_shares", metadata,
    Column("token", String, primary_key=True),
    Column("canvas_id", String, ForeignKey("workshop_canvases.id", ondelete="CASCADE"), nullable=False),
    Column("role", String, nullable=False),
    Column("created", String, nullable=False),
    Index("workshop_shares_canvas", "canvas_id"),
)

workshop_members = Table(
    "workshop_members", metadata,
    Column("token", String, ForeignKey("workshop_shares.token", ondelete="CASCADE"), primary_key=True),
    Column("member", String, primary_key=True),
    Column("canvas_id", String, nullable=False),
    Column("joined", String, nullable=False),
    Index("workshop_members_member", "member", "canvas_id"),
)

# Every change to a canvas field: who, when, the text before and after (in the field's edit format).
# ``kind`` is "edit", "undo" or "conflict" (two people changed the field at once; both texts kept).
canvas_history = Table(
    "canvas_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("canvas_id", String, ForeignKey("workshop_canvases.id", ondelete="CASCADE"), nullable=False),
    Column("field", String, nullable=False),
    Column("author", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("previous", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("created", String, nullable=False),
    Index("canvas_history_field", "canvas_id", "field", "id"),
    sqlite_autoincrement=True,
)

canvas_comments = Table(
    "canvas_comments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("canvas_id", String, ForeignKey("workshop_canvases.id", ondelete="CASCADE"), nullable=False),
    Column("field", String, nullable=False),
    Column("author", String, nullable=False),
    Column("text", Text, nullable=False),
    Column("created", String, nullable=False),
    Index("canvas_comments_field", "canvas_id", "field", "id"),
    sqlite_autoincrement=True,
)

# Questions the assistant answered badly (refused, or answered with low confidence), for the
# administrators' view; a thumbs-down lives in ``feedback``. Kept per owner so deleting deletes.
question_outcomes = Table(
    "question_outcomes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String, nullable=False),
    Column("question", Text, nullable=False),
    Column("language", String, nullable=False),
    Column("outcome", String, nullable=False),  # "refused" or "low_confidence"
    Column("created", String, nullable=False),
    Index("question_outcomes_owner", "owner"),
    sqlite_autoincrement=True,
)

# Answer cards and knowledge files published in the app by administrators: the current text of
# each (``kind`` "card" or "file", ``name`` the card id or the file's path under knowledge/), and
# every change with who, when, and the text before and after (empty: none). The newest change's id
# is the knowledge revision every replica compares before a question.
published_knowledge = Table(
    "published_knowledge", metadata,
    Column("kind", String, primary_key=True),
    Column("name", String, primary_key=True),
    Column("text", Text, nullable=False),
    Column("author", String, nullable=False),
    Column("updated", String, nullable=False),
)

knowledge_edits = Table(
    "knowledge_edits", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String, nullable=False),
    Column("name", String, nullable=False),
    Column("author", String, nullable=False),
    Column("action", String, nullable=False),  # "publish" or "rollback"
    Column("before", Text, nullable=False),
    Column("after", Text, nullable=False),
    Column("created", String, nullable=False),
    Index("knowledge_edits_name", "kind", "name", "id"),
    sqlite_autoincrement=True,
)
