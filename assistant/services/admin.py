"""What administrators do: export every user's feedback (for improving the answers) and manage the
shared knowledge, documents every user's answers may draw on. The shared documents live in the
vector store like a user's uploads, under an owner no login can have, so every replica sees them."""

from __future__ import annotations

from pathlib import Path

from assistant.catalog import TextCatalog
from assistant.services.authorization import Actor, require_admin
from assistant.services.conversations import ConversationService
from assistant.services.documents import SHARED_OWNER, DocumentService, UploadResult


class AdminService:
    """Every method checks that its actor is an administrator (NotAllowed otherwise)."""

    def __init__(self, conversations: ConversationService, documents: DocumentService, catalog: TextCatalog) -> None:
        self.conversations = conversations
        self.documents = documents
        self.catalog = catalog

    def feedback(self, actor: Actor) -> list[dict]:
        """Every rating with its question, answer and sources; who gave it is left out."""
        require_admin(actor, self.catalog)
        return [{k: v for k, v in row.items() if k != "owner"} for row in self.conversations.export_feedback()]

    def shared_documents(self, actor: Actor) -> list[dict]:
        require_admin(actor, self.catalog)
        return self.documents.list(SHARED_OWNER)

    def add_shared(self, actor: Actor, path: Path, filename: str) -> UploadResult:
        require_admin(actor, self.catalog)
        return self.documents.upload(SHARED_OWNER, path, filename)

    def delete_shared(self, actor: Actor, source: str) -> bool:
        require_admin(actor, self.catalog)
        return self.documents.delete(SHARED_OWNER, source)
