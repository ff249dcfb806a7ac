"""A user's own documents: checked, kept under the data dir, indexed in the user's own collection."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.adapters.embeddings import NamedEmbeddings
from assistant.adapters.vectorstore import ChunkStore, user_collection_name
from assistant.catalog import BUILT_IN, TextCatalog
from assistant.ingest.loaders import IngestLimits
from assistant.services.ingest import IngestService
from assistant.settings import Settings

log = logging.getLogger(__name__)

# An upload is checked and indexed under this prefix and renamed only when it succeeded.
INCOMING_PREFIX = ".incoming-"


@dataclass
class UploadResult:
    """How one upload went: a message key (prompts/messages.*.json) and its values; a failure's
    text is prefixed with the file name. ``message`` is in Bokmål; ``render`` speaks the user's language."""

    source: str
    ok: bool
    key: str
    values: dict = field(default_factory=dict)
    chunks: int = 0

    def render(self, prompts: TextCatalog, lang: str) -> str:
        text = prompts.message(self.key, lang, name=self.source, **self.values)
        return text if self.ok else prompts.message("upload.failed", lang, name=self.source, reason=text)

    @property
    def message(self) -> str:
        return self.render(BUILT_IN, "nb")


def unexpected_failure(name: str) -> UploadResult:
    """What the user sees when processing failed for a reason that is not the file's fault."""
    return UploadResult(name, False, "upload.unexpected")


def _owner_dir_name(owner: str) -> str:
    return hashlib.sha256(owner.encode()).hexdigest()[:24]


def safe_filename(name: str) -> str:
    """Keep the user's file name readable but harmless on disk and in citations. No leading dot:
    "..", hidden files and names like the temporary ``.incoming-*`` files are not possible."""
    cleaned = re.sub(r"[^\w.\- ()æøåÆØÅ]", "_", Path(name).name.strip()).lstrip(". ")
    return cleaned[:120] or "dokument"


# The owner of the shared knowledge administrators manage (services/admin.py). Not a valid owner
# for any login or cookie (see ui/identity.valid_owner), so no user can reach it as their own.
SHARED_OWNER = "shared knowledge"


class DocumentService:
    def __init__(self, settings: Settings, chroma_client, embeddings: NamedEmbeddings) -> None:
        self.settings = settings
        self.client = chroma_client
        self.embeddings = embeddings
        self.limits = IngestLimits.for_uploads(settings)
        self._stores: dict[str, ChunkStore] = {}
        self._owner_locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def store_for(self, owner: str) -> ChunkStore:
        # One object per owner, so its write counter keeps the BM25 cache honest.
        with self._guard:
            if owner not in self._stores:
                self._stores[owner] = ChunkStore(self.client, self.embeddings, user_collection_name(owner))
            return self._stores[owner]

    def stores_for(self, owner: str) -> list[ChunkStore]:
        """What a user's answers search besides the knowledge base: their own documents and the
        shared ones."""
        return [self.store_for(owner), self.store_for(SHARED_OWNER)]

    def _lock(self, owner: str) -> threading.Lock:
        """Held while an owner's documents change: the per-user chunk limit is checked and the
        upload written as one step, and a deletion never interleaves with an upload."""
        with self._guard:
            return self._owner_locks.setdefault(owner, threading.Lock())

    def _owner_dir(self, owner: str) -> Path:
        return self.settings.uploads_dir / _owner_dir_name(owner)

    def clean_leftovers(self) -> int:
        """Remove the temporary files of uploads that were interrupted (the process stopped).
        Call once at start, before uploads are accepted. Returns how many were removed."""
        leftovers = list(self.settings.uploads_dir.glob(f"*/{INCOMING_PREFIX}*"))
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        return len(leftovers)

    def upload(
        self,
        owner: str,
        path: Path,
        filename: str | None = None,
        show_progress: bool = False,
        progress: Callable[[float], None] | None = None,
    ) -> UploadResult:
        """Check size and type by content, keep a copy, index it. Never raises: bad input and
        unexpected failures both come back as a result with a message.
        ``show_progress`` drives a tqdm bar; ``progress`` gets the fraction embedded (0-1)."""
        name = safe_filename(filename or path.name)
        try:
            with self._lock(owner):
                return self._upload(owner, path, name, show_progress, progress)
        except Exception:
            log.exception("upload of %s failed", name)
            return unexpected_failure(name)

    def _upload(
        self, owner: str, path: Path, name: str, show_progress: bool, progress: Callable[[float], None] | None
    ) -> UploadResult:
        try:
            size = path.stat().st_size
        except OSError:
            return UploadResult(name, False, "upload.unreadable")
        if size > self.settings.max_upload_mb * 1_048_576:
            return UploadResult(name, False, "upload.too_big",
                                {"size": f"{size / 1_048_576:.1f}", "limit": self.settings.max_upload_mb})
        target_dir = self._owner_dir(owner)
        target_dir.mkdir(parents=True, exist_ok=True)
        # Checked under a temporary name: a bad re-upload must not replace a good earlier copy.
        handle, temporary = tempfile.mkstemp(prefix=INCOMING_PREFIX, suffix=f"-{name}", dir=target_dir)
        os.close(handle)
        incoming = Path(temporary)
        try:
            shutil.copyfile(path, incoming)
            report = IngestService(self.store_for(owner), self.limits).add_file(
                incoming, name, show_progress=show_progress, progress=progress
            )
            if report.errors:
                error = report.errors[0]
                return UploadResult(name, False, error.key, error.values)
        finally:
            # No copy of the file is kept: its text lives in the (shared) vector store only, so a
            # deletion on any replica removes all of it.
            incoming.unlink(missing_ok=True)
        return UploadResult(name, True, "upload.added", {"chunks": report.chunks_embedded}, report.chunks_embedded)

    def list(self, owner: str) -> list[dict]:
        return self.store_for(owner).sources()

    def delete(self, owner: str, source: str) -> bool:
        store = self.store_for(owner)
        with self._lock(owner):
            known = {entry["source"] for entry in store.sources()}
            if source not in known:
                return False
            store.delete_source(source)
            (self._owner_dir(owner) / safe_filename(source)).unlink(missing_ok=True)  # a copy from before 2026-12
        return True

    def delete_owner(self, owner: str) -> None:
        with self._lock(owner):
            self.store_for(owner).reset()
            shutil.rmtree(self._owner_dir(owner), ignore_errors=True)
