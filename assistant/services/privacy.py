"""A user's right to see and erase their data: one place that knows every store a user's data
lives in, so «download my data» and «delete my data» never miss one."""

from __future__ import annotations

from collections.abc import Callable

from assistant.services.conversations import ConversationService
from assistant.services.documents import DocumentService
from assistant.services.exports import ExportStore
from assistant.services.preferences import PreferenceService
from assistant.services.residents import ResidentInputService
from assistant.services.sessions import SessionBindings
from assistant.services.upload_queue import UploadQueue
from assistant.workshop.collaboration import CollaborationStore
from assistant.workshop.store import CanvasStore


class UserDataService:
    def __init__(self, conversations: ConversationService, preferences: PreferenceService, documents: DocumentService,
                 uploads: UploadQueue, canvases: CanvasStore, exports: ExportStore, sessions: SessionBindings,
                 reclaim_vector_space: Callable[[], None], residents: ResidentInputService | None = None) -> None:
        self.conversations = conversations
        self.preferences = preferences
        self.documents = documents
        self.uploads = uploads
        self.canvases = canvases
        self.exports = exports
        self.sessions = sessions
        self.reclaim_vector_space = reclaim_vector_space
        self.residents = residents

    def export(self, owner: str) -> dict:
        """Everything stored about the user, without the owner id itself (a file made for sharing)."""
        return {
            **self.conversations.export_owner(owner),
            "preferences": self.preferences.export(owner),
            "documents": self.documents.list(owner),
            "workshops": [canvas.model_dump(mode="json", exclude={"owner"})
                          for canvas in self.canvases.export_all(owner)],
            "resident_forms": self.residents.export_owner(owner) if self.residents else [],
            "workshop_comments": CollaborationStore(self.canvases.db).comments_by(owner),
        }

    def delete(self, owner: str) -> None:
        """Conversations, feedback, workshops and their residents' forms and input, documents (queued,
        files and index), downloads and the record of which browser sessions were the user's."""
        self.uploads.cancel(owner)
        if self.residents is not None:
            self.residents.delete_owner(owner)
        self.conversations.delete_owner(owner)
        self.preferences.delete_owner(owner)
        self.canvases.delete_all(owner)
        self.documents.delete_owner(owner)
        self.exports.delete_owner(owner)
        self.sessions.delete_owner(owner)
        self.reclaim_vector_space()
