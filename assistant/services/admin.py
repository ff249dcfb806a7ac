"""What administrators do: export every user's feedback (for improving the answers) and manage the
shared knowledge, documents every user's answers may draw on. The shared documents live in the
vector store like a user's uploads, under an owner no login can have, so every replica sees them."""

from __future__ import annotations

from pathlib import Path

from assistant.services.conversations import ConversationService
from assistant.services.documents import SHARED_OWNER, DocumentService, UploadResult


class AdminService:
    def __init__(self, conversations: ConversationService, documents: DocumentService) -> None:
        self.conversations = conversations
        self.documents = documents

    def feedback(self) -> list[dict]:
        """Every rating with its question, answer and sources; who gave it is left out."""
        return [{k: v for k, v in row.items() if k != "owner"} for row in self.conversations.export_feedback()]

    def shared_documents(self) -> list[dict]:
        return self.documents.list(SHARED_OWNER)

    def add_shared(self, path: Path, filename: str) -> UploadResult:
        return self.documents.upload(SHARED_OWNER, path, filename)

    def delete_shared(self, source: str) -> bool:
        return self.documents.delete(SHARED_OWNER, source)
