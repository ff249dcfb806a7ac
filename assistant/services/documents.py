"""A user's own documents: checked, kept under the data dir, indexed in the user's own collection."""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from assistant.adapters.embeddings import NamedEmbeddings
from assistant.adapters.vectorstore import ChunkStore, user_collection_name
from assistant.ingest.loaders import IngestError, detect_kind
from assistant.services.ingest import IngestReport, IngestService
from assistant.settings import Settings


@dataclass
class UploadResult:
    source: str
    ok: bool
    message: str
    chunks: int = 0


def _owner_dir_name(owner: str) -> str:
    return hashlib.sha256(owner.encode()).hexdigest()[:24]


def safe_filename(name: str) -> str:
    """Keep the user's file name readable but harmless on disk and in citations."""
    base = Path(name).name.strip() or "dokument"
    return re.sub(r"[^\w.\- ()æøåÆØÅ]", "_", base)[:120]


class DocumentService:
    def __init__(self, settings: Settings, chroma_client, embeddings: NamedEmbeddings) -> None:
        self.settings = settings
        self.client = chroma_client
        self.embeddings = embeddings
        self._stores: dict[str, ChunkStore] = {}

    def store_for(self, owner: str) -> ChunkStore:
        # One object per owner, so its write counter keeps the BM25 cache honest.
        if owner not in self._stores:
            self._stores[owner] = ChunkStore(self.client, self.embeddings, user_collection_name(owner))
        return self._stores[owner]

    def _owner_dir(self, owner: str) -> Path:
        return self.settings.uploads_dir / _owner_dir_name(owner)

    def upload(self, owner: str, path: Path, filename: str | None = None, show_progress: bool = False) -> UploadResult:
        """Check size and type by content, keep a copy, index it. Never raises for bad input.
        ``show_progress`` drives a tqdm bar (the web app mirrors it as a progress indicator)."""
        name = safe_filename(filename or path.name)
        try:
            size = path.stat().st_size
        except OSError:
            return UploadResult(name, False, f"{name}: filen kunne ikke leses. Prøv å laste den opp på nytt.")
        limit = self.settings.max_upload_mb * 1024 * 1024
        if size > limit:
            return UploadResult(
                name, False,
                f"{name}: filen er for stor ({size / 1_048_576:.1f} MB). Grensen er {self.settings.max_upload_mb} MB. "
                "Del den opp, eller last opp bare de delene du trenger.",
            )
        target_dir = self._owner_dir(owner)
        target_dir.mkdir(parents=True, exist_ok=True)
        # Checked under a temporary name: a bad re-upload must not replace a good earlier copy.
        incoming = target_dir / f".incoming-{name}"
        shutil.copyfile(path, incoming)
        try:
            detect_kind(incoming)
            report: IngestReport = IngestService(self.store_for(owner)).add_file(incoming, name, show_progress=show_progress)
            if report.errors:
                raise report.errors[0]
        except IngestError as error:
            incoming.unlink(missing_ok=True)
            return UploadResult(name, False, f"{name}: {error.reason}")
        incoming.replace(target_dir / name)
        return UploadResult(name, True, f"{name} er lagt til ({report.chunks_embedded} tekstbiter).", report.chunks_embedded)

    def list(self, owner: str) -> list[dict]:
        return self.store_for(owner).sources()

    def delete(self, owner: str, source: str) -> bool:
        store = self.store_for(owner)
        known = {entry["source"] for entry in store.sources()}
        if source not in known:
            return False
        store.delete_source(source)
        (self._owner_dir(owner) / safe_filename(source)).unlink(missing_ok=True)
        return True

    def delete_owner(self, owner: str) -> None:
        self.store_for(owner).reset()
        shutil.rmtree(self._owner_dir(owner), ignore_errors=True)
