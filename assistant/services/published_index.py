"""Knowledge files published in the app, in the search index of every replica (issue 22).

The database holds what administrators published (``PublishedKnowledge``); this keeps the vector
index in step with it. The replica where the administrator acts syncs at once, within the request;
any other replica notices the knowledge revision move at its next search (one small query) and
syncs in the background, so no question waits for another file's embedding. With a shared Chroma
server the index is one: the first replica to sync does the work and the others find every hash
unchanged. With a local Chroma per replica each one embeds the file itself. Embedding goes through
the bulk path (``embed_bulk``), which lets chat questions go first between batches.

A published file replaces a repository file of the same name (``knowledge/<name>``); when it is
withdrawn or deleted, the repository's file is indexed again. Deleting also reclaims the index's
free space, so no copy of the deleted text stays in Chroma's files.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from assistant.ingest.chunking import chunk_document
from assistant.ingest.loaders import IngestError, load_file
from assistant.services.ingest import IngestReport, IngestService, source_name
from assistant.services.knowledge_admin import FILE, PublishedKnowledge

log = logging.getLogger(__name__)


class PublishedIndex:
    def __init__(self, published: PublishedKnowledge, ingest: IngestService, knowledge_dir: Path,
                 reclaim_space: Callable[[], None]) -> None:
        self.published = published
        self.ingest = ingest
        self.knowledge_dir = knowledge_dir
        self.reclaim_space = reclaim_space
        self._revision: int | None = None
        self._lock = threading.Lock()
        self._background: threading.Thread | None = None

    def check(self, name: str, text: str) -> list[IngestError]:
        """What would keep the file out of the index (unreadable, too large, too many chunks)."""
        with tempfile.TemporaryDirectory(prefix="gnist-check-") as folder:
            path = Path(folder) / Path(name).name
            path.write_text(text, encoding="utf-8")
            try:
                chunk_document(load_file(path, f"knowledge/{name}", self.ingest.limits), "",
                               self.ingest.limits.max_chunks_per_document)
            except IngestError as error:
                return [error]
        return []

    def sync(self) -> IngestReport:
        """Bring the index up to the published files now (the acting replica, and every start)."""
        with self._lock:
            revision = self.published.revision()
            files = {name: text for (kind, name), text in self.published.current().items() if kind == FILE}
            report = self.ingest.sync_published(files)
            restore = [path for source in report.removed for path in self._repository_files(source)]
            if restore:
                self.ingest.sync(restore, show_progress=False)
            if report.removed:
                self.ingest.store.purge_log()
                self.reclaim_space()
            self._revision = revision
            return report

    def refresh(self) -> None:
        """Before a search: if the knowledge revision moved since the last sync, sync in the
        background (one at a time); the search goes on with the index as it is."""
        if self.published.revision() == self._revision:
            return
        with self._lock:
            if self._background is not None and self._background.is_alive():
                return
            self._background = threading.Thread(target=self._sync_logged, name="published-index", daemon=True)
            self._background.start()

    def settle(self, timeout: float) -> bool:
        """Wait for a background sync to end (True when none is running)."""
        background = self._background
        if background is not None:
            background.join(timeout)
        return background is None or not background.is_alive()

    def _sync_logged(self) -> None:
        try:
            report = self.sync()
        except Exception:
            log.exception("could not index the published knowledge files")
            return
        for error in report.errors:
            log.warning("%s", error)

    def _repository_files(self, source: str) -> list[Path]:
        """The repository's file (with its translations) that a withdrawn published file replaced."""
        path = self.knowledge_dir / source.removeprefix("knowledge/")
        if not path.is_file() or source_name(path) != source:
            return []
        return [path, *sorted(path.parent.glob(f"{path.stem}.*.md"))]
