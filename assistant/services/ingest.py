"""Incremental ingestion: content hashes per file decide what is (re-)embedded or removed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from assistant.adapters.vectorstore import EMBED_BATCH, ChunkStore, EmbedderMismatch
from assistant.ingest.chunking import Chunk, chunk_document
from assistant.ingest.loaders import DEFAULT_LIMITS, SUPPORTED_SUFFIXES, IngestError, IngestLimits, file_sha256, load_file, number
from assistant.catalog import BUILT_IN
from assistant.services.extractive import PIECE_VECTORS, answer_pieces, encode_vectors
from assistant.settings import REPO_ROOT

log = logging.getLogger(__name__)

# Part of every stored file hash: bump it when loading or chunking changes, and the next
# ingest re-processes every file instead of keeping chunks made the old way.
PIPELINE_VERSION = "3"  # 3: answer pieces embedded and stored with each chunk


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the structured data says is not known
    chunks_embedded: int = 0
    reindexed: bool = False

    def summary(self) -> str:
        """For the command line, in Bokmål."""
        lines = [BUILT_IN.message("ingest.summary", "nb", added=len(self.added), updated=len(self.updated),
                                  removed=len(self.removed), unchanged=len(self.unchanged), chunks=self.chunks_embedded)]
        if self.reindexed:
            lines.insert(0, BUILT_IN.message("ingest.reindexed", "nb"))
        lines += [BUILT_IN.message("ingest.error", "nb", error=error) for error in self.errors]
        lines += self.notes
        return "\n".join(lines)


def source_name(path: Path) -> str:
    """Repo-relative for files in the project (stable across clones), absolute otherwise."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return resolved.as_posix()


def expand_paths(paths: list[Path], exclude: Collection[Path] = ()) -> list[Path]:
    """The supported files in ``paths``; folders are searched, hidden files and ``exclude``d folders skipped."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not any(part.startswith(".") for part in p.parts)
                and not any(p.is_relative_to(folder) for folder in exclude)
            )
        else:
            files.append(path)
    return files


class IngestService:
    def __init__(self, store: ChunkStore, limits: IngestLimits = DEFAULT_LIMITS) -> None:
        self.store = store
        self.limits = limits

    def _chunks(self, path: Path, source: str, digest: str) -> list[Chunk]:
        document = load_file(path, source, self.limits)
        return chunk_document(document, digest, self.limits.max_chunks_per_document)

    def _prepare_store(self, report: IngestReport) -> None:
        try:
            self.store.check_embedder()
        except EmbedderMismatch as mismatch:
            log.warning("%s", mismatch)
            self.store.reset()
            report.reindexed = True

    def sync(self, paths: list[Path], show_progress: bool = True,
             progress: Callable[[float], None] | None = None, exclude: Collection[Path] = ()) -> IngestReport:
        """Index the given files and folders (not those under ``exclude``); drop indexed files that
        no longer exist on disk. ``progress`` gets the embedded share (0–1) as it grows."""
        report = IngestReport()
        self._prepare_store(report)
        indexed = self.store.file_hashes()
        pending: list[tuple[str, list[Chunk], bool]] = []
        for path in expand_paths(paths, exclude):
            source = source_name(path)
            try:
                digest = f"{PIPELINE_VERSION}-{file_sha256(path)}"
            except OSError as exc:
                report.errors.append(IngestError(source, "ingest.unreadable", error=exc.strerror or exc))
                continue
            if indexed.get(source) == digest:
                report.unchanged.append(source)
                continue
            try:
                chunks = self._chunks(path, source, digest)
            except IngestError as error:
                # The file's previous chunks (if any) stay: a broken update must not empty the index.
                report.errors.append(error)
                continue
            pending.append((source, chunks, source in indexed))
        self._write(pending, report, show_progress, progress)
        for source in indexed:
            if not (REPO_ROOT / source).exists() and not Path(source).exists():
                self.store.delete_source(source)
                report.removed.append(source)
        return report

    def add_file(
        self, path: Path, source: str, show_progress: bool = False, progress: Callable[[float], None] | None = None
    ) -> IngestReport:
        """Index one file under a chosen display name (used for a user's uploads). ``progress`` gets
        the fraction of the file's chunks embedded so far."""
        report = IngestReport()
        try:
            chunks = self._chunks(path, source, f"{PIPELINE_VERSION}-{file_sha256(path)}")
            self._prepare_store(report)
            per_source = {entry["source"]: entry["chunks"] for entry in self.store.sources()}
            self._check_room(source, len(chunks), sum(per_source.values()) - per_source.get(source, 0))
        except IngestError as error:
            report.errors.append(error)
            return report
        self._write([(source, chunks, source in per_source)], report, show_progress, progress)
        return report

    def _check_room(self, source: str, new: int, others: int) -> None:
        """``others``: chunks already in the store that this file does not replace."""
        limit = self.limits.max_chunks_per_store
        if limit is None or others + new <= limit:
            return
        room = max(limit - others, 0)
        raise IngestError(source, "ingest.no_room", chunks=number(new), room=number(room), limit=number(limit))

    def _write(
        self,
        pending: list[tuple[str, list[Chunk], bool]],
        report: IngestReport,
        show_progress: bool,
        progress: Callable[[float], None] | None = None,
    ) -> None:
        # Each chunk is embedded twice over: its answer pieces, then the chunk itself.
        total = 2 * sum(len(chunks) for _, chunks, _ in pending)
        done = 0
        with tqdm(total=total, desc="Indekserer", unit="bit", disable=not show_progress or total == 0) as bar:

            def embedded(count: int) -> None:
                nonlocal done
                done += count
                bar.update(count)
                if progress:
                    progress(done / total)

            for source, chunks, existed in pending:
                self._embed_pieces(chunks, embedded)
                self.store.replace_source(source, chunks, progress=embedded)
                report.chunks_embedded += len(chunks)
                (report.updated if existed else report.added).append(source)

    def _embed_pieces(self, chunks: list[Chunk], progress: Callable[[int], None]) -> None:
        """The sentence, item and row vectors of each chunk, stored in its metadata, so an
        extractive answer scores sentences semantically without embedding at question time.
        A piece repeated in overlapping chunks is embedded once."""
        known: dict[str, list[float]] = {}
        for start in range(0, len(chunks), EMBED_BATCH):
            batch = chunks[start : start + EMBED_BATCH]
            pieces = [answer_pieces(chunk.text) for chunk in batch]
            new = list(dict.fromkeys(p.embedding_text for chunk_pieces in pieces for p in chunk_pieces
                                     if p.embedding_text not in known))
            known.update(zip(new, self.store.embeddings.embed_documents(new)))
            for chunk, chunk_pieces in zip(batch, pieces):
                if chunk_pieces:
                    chunk.metadata[PIECE_VECTORS] = encode_vectors(
                        chunk_pieces, [known[p.embedding_text] for p in chunk_pieces])
            progress(len(batch))
