"""Builds the object graph from one Settings object (adapters first, then services).

Everything is lazy so a CLI command only pays for what it uses; tests swap parts by passing
their own Settings (e.g. a temporary data dir) or by assigning an attribute before first use.
"""

from __future__ import annotations

import secrets
from functools import cached_property

from assistant.adapters.database import Database, SchemaIncompatible
from assistant.adapters.embedding_cache import CachedEmbeddings
from assistant.adapters.embeddings import NamedEmbeddings, build_embeddings
from assistant.adapters.llm import build_chat_model
from assistant.adapters.vectorstore import (
    KNOWLEDGE_COLLECTION,
    ChunkStore,
    EmbedderMismatch,
    build_chroma_client,
    reclaim_space,
)
from assistant.catalog import TextCatalog
from assistant.services.admin import AdminService
from assistant.services.answer import AnswerService
from assistant.services.cards import AnswerCards, CardLibrary, MatchRule
from assistant.services.conversations import ConversationService
from assistant.services.documents import DocumentService
from assistant.services.exports import ExportStore
from assistant.services.index_status import BackgroundIndex
from assistant.services.ingest import IngestReport, IngestService, source_name
from assistant.services.injection import InstructionDetector
from assistant.services.knowledge_admin import KnowledgeAdminService, PublishedKnowledge
from assistant.services.limits import TextLimits
from assistant.services.preferences import PreferenceService
from assistant.services.privacy import UserDataService
from assistant.services.programme_data import ProgrammeData
from assistant.services.published_index import PublishedIndex
from assistant.services.residents import ResidentInputService
from assistant.services.retrieval import Retriever
from assistant.services.sessions import SessionBindings
from assistant.services.structured_answers import StructuredAnswers
from assistant.services.upload_queue import UploadQueue
from assistant.settings import Settings
from assistant.workshop.service import WorkshopService


class Container:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def embeddings(self) -> NamedEmbeddings:
        return build_embeddings(self.settings)

    @cached_property
    def chroma(self):
        return build_chroma_client(self.settings)

    @cached_property
    def knowledge_embeddings(self) -> CachedEmbeddings:
        """The embedder for the knowledge base's texts: cached by text, parallel in bulk."""
        return CachedEmbeddings(self.embeddings, self.settings.vector_cache_dir, self.settings.embedding_workers)

    @cached_property
    def knowledge_store(self) -> ChunkStore:
        return ChunkStore(self.chroma, self.knowledge_embeddings, KNOWLEDGE_COLLECTION)

    @cached_property
    def knowledge_ingest(self) -> IngestService:
        return IngestService(self.knowledge_store)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.embeddings, self.knowledge_store, mode=self.settings.retrieval_mode,
                         before_search=self.published_index.refresh)

    @cached_property
    def catalog(self) -> TextCatalog:
        """Every text a user sees (page, messages, errors, workshop, prompts), in nb, nn and en."""
        return TextCatalog.from_settings(self.settings)

    @cached_property
    def answer_service(self) -> AnswerService:
        return AnswerService(self.settings, self.retriever, self.catalog, lambda: build_chat_model(self.settings),
                             cards=self.cards, structured=self.structured_answers,
                             instructions=InstructionDetector(self.embeddings))

    @cached_property
    def cards(self) -> AnswerCards:
        """Curated answer cards (knowledge/cards/), matched by paraphrase before retrieval."""
        library = CardLibrary(self.settings.knowledge_dir, source_name, self.settings.data_dir / "published")
        rule = MatchRule(self.settings.card_threshold, self.settings.card_margin, self.settings.card_lexical_weight)
        return AnswerCards(library, self.knowledge_embeddings, rule, self.settings.data_dir / "cards",
                           published=self.published_knowledge)

    @cached_property
    def published_knowledge(self) -> PublishedKnowledge:
        """Cards and knowledge files administrators published in the app (shared by all replicas)."""
        return PublishedKnowledge(self.database)

    @cached_property
    def knowledge_admin(self) -> KnowledgeAdminService:
        """Questions that went badly, and cards and knowledge files published in the app (issue 22)."""
        return KnowledgeAdminService(self.database, self.cards, self.published_knowledge, self.embeddings, self.catalog,
                                     self.published_index)

    @cached_property
    def published_index(self) -> PublishedIndex:
        """The knowledge files published in the app, in this replica's search index. Embedded
        without the vector cache: deleting one must leave no trace."""
        return PublishedIndex(self.published_knowledge, IngestService(self.knowledge_store, embeddings=self.embeddings),
                              self.settings.knowledge_dir, lambda: reclaim_space(self.settings))

    @cached_property
    def programme_data(self) -> ProgrammeData:
        """The structured front matter of the case and round files, validated."""
        return ProgrammeData(self.settings.knowledge_dir, source_name)

    @cached_property
    def structured_answers(self) -> StructuredAnswers:
        """Questions about the programme's data (lists, outcomes, criteria), answered from it after the cards."""
        return StructuredAnswers(self.programme_data, self.knowledge_embeddings, self.catalog,
                                 self.settings.data_dir / "cards")

    @cached_property
    def documents(self) -> DocumentService:
        return DocumentService(self.settings, self.chroma, self.embeddings)

    @cached_property
    def database(self) -> Database:
        """The user database, migrated to the newest schema before first use (unless a separate job
        migrates: GNIST_MIGRATE_ON_START=false). A newer release's backward-compatible schema is used
        as it is; an incompatible one raises SchemaIncompatible."""
        database = Database(self.settings.effective_database_url, self.settings.database_pool_size)
        if self.settings.migrate_on_start:
            database.migrate()
        elif not (status := database.schema_status()).usable:
            raise SchemaIncompatible(status)
        return database

    @cached_property
    def admin(self) -> AdminService:
        return AdminService(self.conversations, self.documents, self.catalog)

    @cached_property
    def conversations(self) -> ConversationService:
        return ConversationService(self.database)

    @cached_property
    def preferences(self) -> PreferenceService:
        return PreferenceService(self.database)

    @cached_property
    def workshop(self) -> WorkshopService:
        # Inspiration and similar cases come from past cases only. Hybrid ranking: a problem's
        # own words ("sentrum", "boliger") matter here, and on case files it ranked better
        # than dense alone (see README).
        def search_cases(query: str, k: int):
            return self.retriever.search(query, k, mode="hybrid", where={"type": "case"})

        return WorkshopService.from_settings(self.database, self.catalog, search=search_cases,
                                             chat_model=self.answer_service.chat_model,
                                             limits=TextLimits.from_settings(self.settings))

    @cached_property
    def residents(self) -> ResidentInputService:
        return ResidentInputService(self.database, self.settings, self.catalog, self.workshop.store,
                                    self.workshop.access,
                                    embeddings=self.embeddings)

    @cached_property
    def secret(self) -> bytes:
        """The server's signing key: from settings, else a random key kept in the data dir (0600)."""
        if self.settings.secret_key is not None:
            return self.settings.secret_key.get_secret_value().encode()
        path = self.settings.data_dir / "server-secret.key"
        if not path.is_file():
            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(32), encoding="ascii")
        return path.read_text(encoding="ascii").strip().encode()

    @cached_property
    def exports(self) -> ExportStore:
        return ExportStore(self.settings.exports_dir, self.secret, self.settings.export_ttl_minutes, self.database)

    @cached_property
    def session_bindings(self) -> SessionBindings:
        return SessionBindings(self.database)

    @cached_property
    def user_data(self) -> UserDataService:
        return UserDataService(self.conversations, self.preferences, self.documents, self.upload_queue,
                               self.workshop.store,
                               self.exports, self.session_bindings, lambda: reclaim_space(self.settings),
                               residents=self.residents)

    @cached_property
    def upload_queue(self) -> UploadQueue:
        return UploadQueue(self.documents, self.settings)

    def sync_knowledge(self, extra_paths=(), show_progress: bool = True, progress=None) -> IngestReport:
        # Answer cards are never indexed as chunks: they are validated (errors reported with the
        # ingest's) and their paraphrases embedded for matching.
        report = self.knowledge_ingest.sync([self.settings.knowledge_dir, *extra_paths], show_progress=show_progress,
                                            progress=progress, exclude=[self.cards.library.directory])
        report.errors += self.published_index.sync().errors
        report.errors += self.cards.errors
        self.cards.prepare()
        report.errors += self.programme_data.errors
        report.notes += self.programme_data.notes
        self.structured_answers.prepare()
        return report

    @cached_property
    def knowledge_index(self) -> BackgroundIndex:
        """For the web app: the index brought up to date in the background (unchanged files cost
        only a hash check, so every start picks up edits to knowledge/)."""
        return BackgroundIndex(lambda progress: self.sync_knowledge(show_progress=False, progress=progress),
                               already_built=self.knowledge_store.count() > 0)

    def ensure_knowledge_index(self, show_progress: bool = True) -> IngestReport | None:
        """Build the index on first use, or rebuild it after a change of embedder."""
        try:
            self.knowledge_store.check_embedder()
            if self.knowledge_store.count() > 0:
                return None
        except EmbedderMismatch:
            pass
        return self.sync_knowledge(show_progress=show_progress)
