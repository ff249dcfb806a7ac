"""Conversations and feedback, stored server-side per owner. Every query names the owner, so
one user can never read or change another user's data."""

from __future__ import annotations

import builtins
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, insert, select, update

from assistant.adapters.database import Database
from assistant.adapters.schema import conversations, feedback, messages, question_outcomes
from assistant.services.answer import Answer, Turn

TITLE_CHARS = 60
_CONVERSATION = select(conversations.c.id, conversations.c.title, conversations.c.created, conversations.c.updated)
# The statements of every chat answer are built once, their values bound when they run: building
# one costs SQLAlchemy more CPU than SQLite takes to run it. (A bound name may not be a column's.)
_OWNED = (conversations.c.owner == bindparam("the_owner"), conversations.c.id == bindparam("the_conversation"))
_LIST = _CONVERSATION.where(_OWNED[0]).order_by(conversations.c.updated.desc())
_GET = _CONVERSATION.where(*_OWNED)
_MESSAGES = (select(messages.c.id, messages.c.role, messages.c.content, messages.c.citations, messages.c.mode,
                    messages.c.notices)
             .join(conversations, conversations.c.id == messages.c.conversation_id)
             .where(*_OWNED)
             .order_by(messages.c.id))
_TOUCH = update(conversations).where(*_OWNED).values(updated=bindparam("now"))
_ADD_MESSAGE = insert(messages).returning(messages.c.id)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class StoredMessage:
    id: int
    role: str
    content: str
    citations: list[dict] = field(default_factory=list)
    mode: str | None = None
    notices: list[str] = field(default_factory=list)


def turns(stored: list[StoredMessage]) -> list[Turn]:
    """A conversation's messages as the answer service reads them (its history)."""
    return [Turn(m.role, m.content) for m in stored]  # type: ignore[arg-type]


@dataclass
class Conversation:
    id: str
    title: str
    created: str
    updated: str


class ConversationService:
    def __init__(self, database: Database) -> None:
        self.db = database

    def ping(self) -> None:
        """Raises if the database cannot be reached (readiness check)."""
        self.db.ping()

    def create(self, owner: str, first_question: str) -> Conversation:
        title = " ".join(first_question.split())
        title = title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1].rstrip() + "…"
        conversation = Conversation(uuid.uuid4().hex, title, _now(), _now())
        with self.db.connect() as c:
            c.execute(insert(conversations).values(owner=owner, **conversation.__dict__))
        return conversation

    def list(self, owner: str) -> list[Conversation]:
        with self.db.connect() as c:
            rows = c.execute(_LIST, {"the_owner": owner}).mappings().all()
        return [Conversation(**row) for row in rows]

    def get(self, owner: str, conversation_id: str) -> Conversation | None:
        with self.db.connect() as c:
            row = c.execute(_GET, {"the_owner": owner, "the_conversation": conversation_id}).mappings().first()
        return Conversation(**row) if row else None

    def messages(self, owner: str, conversation_id: str) -> builtins.list[StoredMessage]:
        with self.db.connect() as c:
            rows = c.execute(_MESSAGES, {"the_owner": owner, "the_conversation": conversation_id}).mappings().all()
        return [
            StoredMessage(r["id"], r["role"], r["content"], json.loads(r["citations"]), r["mode"],
                          json.loads(r["notices"]))
            for r in rows
        ]

    def add_question(self, owner: str, conversation_id: str, question: str) -> int:
        return self._add(owner, conversation_id, "user", question, [], None, [])

    def add_answer(self, owner: str, conversation_id: str, answer: Answer) -> int:
        message_id = self._add(owner, conversation_id, "assistant", answer.text,
                               [c.as_dict() for c in answer.citations], answer.mode, answer.notices)
        outcome = "refused" if not answer.grounded else None if answer.confident else "low_confidence"
        if outcome:
            with self.db.connect() as c:
                c.execute(insert(question_outcomes).values(owner=owner, question=answer.question,
                                                           language=answer.language, outcome=outcome, created=_now()))
        return message_id

    def _add(self, owner, conversation_id, role, content, citations, mode, notices) -> int:
        now = _now()
        with self.db.connect() as c:
            owned = c.execute(_TOUCH, {"the_owner": owner, "the_conversation": conversation_id, "now": now})
            if owned.rowcount == 0:
                raise KeyError(conversation_id)
            return c.execute(_ADD_MESSAGE, {
                "conversation_id": conversation_id, "role": role, "content": content, "mode": mode, "created": now,
                "citations": json.dumps(citations, ensure_ascii=False),
                "notices": json.dumps(notices, ensure_ascii=False),
            }).scalar_one()

    def delete(self, owner: str, conversation_id: str) -> bool:
        with self.db.connect() as c:
            # Messages go with their conversation (ON DELETE CASCADE).
            return c.execute(delete(conversations).where(conversations.c.owner == owner,
                                                         conversations.c.id == conversation_id)).rowcount > 0

    def export_markdown(self, owner: str, conversation_id: str, sources_heading: str = "Kilder") -> str:
        conversation = self.get(owner, conversation_id)
        if conversation is None:
            raise KeyError(conversation_id)
        lines = [f"# {conversation.title}", "", f"_{conversation.created}_", ""]
        for message in self.messages(owner, conversation_id):
            speaker = "**Du:**" if message.role == "user" else "**Gnist-assistenten:**"
            lines += [speaker, "", message.content, ""]
            for notice in message.notices:
                lines += [f"> {notice}", ""]
            if message.citations:
                lines.append(f"{sources_heading}:")
                for citation in message.citations:
                    snippet = " ".join(citation["text"].split())[:300]
                    lines.append(f"- [{citation['n']}] {citation['title']} "
                                 f"({citation['locator']}), {citation['source']}: «{snippet}»")
                lines.append("")
        return "\n".join(lines)

    # -- feedback --------------------------------------------------------------------------

    def add_feedback(self, owner: str, conversation_id: str | None, message_id: int | None, rating: int,
                     comment: str, question: str, answer: str, sources: builtins.list[dict]) -> int:
        with self.db.connect() as c:
            return c.execute(insert(feedback).returning(feedback.c.id).values(
                owner=owner, conversation_id=conversation_id, message_id=message_id, rating=1 if rating > 0 else -1,
                comment=comment.strip(), question=question, answer=answer,
                sources=json.dumps(sources, ensure_ascii=False), created=_now(),
            )).scalar_one()

    def feedback_on(self, owner: str, conversation_id: str | None, rating: int, comment: str = "",
                    index: int | None = None) -> bool:
        """Feedback on the answer at ``index`` in the conversation as shown (None: the latest answer),
        stored with its question and sources. False if there is no such answer of this owner's."""
        if not conversation_id or self.get(owner, conversation_id) is None:
            return False
        messages = self.messages(owner, conversation_id)
        if index is None:
            index = max((i for i, m in enumerate(messages) if m.role == "assistant"), default=-1)
        if not 0 <= index < len(messages) or messages[index].role != "assistant":
            return False
        question = next((m.content for m in reversed(messages[:index]) if m.role == "user"), "")
        answer = messages[index]
        self.add_feedback(owner, conversation_id, answer.id, rating, comment, question, answer.content,
                          answer.citations)
        return True

    def export_feedback(self) -> builtins.list[dict]:
        """For administrators (``gnist feedback-export``): every rating with its question, answer and sources."""
        with self.db.connect() as c:
            rows = c.execute(select(feedback).order_by(feedback.c.id)).mappings().all()
        return [self._feedback_row(row) for row in rows]

    # -- all of a user's data (privacy) -----------------------------------------------------

    def export_owner(self, owner: str) -> dict:
        return {
            "conversations": [
                {**conversation.__dict__, "messages": [m.__dict__ for m in self.messages(owner, conversation.id)]}
                for conversation in self.list(owner)
            ],
            "feedback": [{k: v for k, v in self._feedback_row(r).items() if k != "owner"}
                         for r in self._owner_feedback(owner)],
            "questions_that_went_badly": self._owner_outcomes(owner),
        }

    def _owner_outcomes(self, owner: str) -> builtins.list[dict]:
        with self.db.connect() as c:
            rows = c.execute(select(question_outcomes.c.question, question_outcomes.c.language,
                                    question_outcomes.c.outcome, question_outcomes.c.created)
                             .where(question_outcomes.c.owner == owner)
                             .order_by(question_outcomes.c.id)).mappings().all()
        return [dict(row) for row in rows]

    def _owner_feedback(self, owner: str):
        with self.db.connect() as c:
            return c.execute(select(feedback).where(feedback.c.owner == owner).order_by(feedback.c.id)).mappings().all()

    @staticmethod
    def _feedback_row(row) -> dict:
        return {**dict(row), "sources": json.loads(row["sources"])}

    def delete_owner(self, owner: str) -> None:
        with self.db.connect() as c:
            c.execute(delete(conversations).where(conversations.c.owner == owner))
            c.execute(delete(feedback).where(feedback.c.owner == owner))
            c.execute(delete(question_outcomes).where(question_outcomes.c.owner == owner))
        self.db.reclaim(("conversations", "messages", "feedback", "question_outcomes"))
