"""Incremental ingestion: content hashes per file decide what is (re-)embedded or removed."""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.adapters.embedding_cache import embed_texts
from assistant.adapters.vectorstore import PUBLISHED, ChunkStore, EmbedderMismatch
from assistant.catalog import BUILT_IN
from assistant.ingest.chunking import Chunk, chunk_document
from assistant.ingest.loaders import (
    DEFAULT_LIMITS,
    SUPPORTED_SUFFIXES,
    IngestError,
    IngestLimits,
    LoadedDocument,
    file_sha256,
    load_file,
    number,
)
from assistant.services.extractive import PIECE_VECTORS, answer_pieces, encode_vectors
from assistant.services.language import detect_language
from assistant.services.translations import (
    Group,
    check_group,
    document_language,
    group_files,
    serving_flags,
    translation_parts,
)
from assistant.settings import REPO_ROOT

log = logging.getLogger(__name__)

# Part of every stored file hash: bump it when loading or chunking changes, and the next
# ingest re-processes every file instead of keeping chunks made the old way.
PIPELINE_VERSION = "4"  # 4: chunks carry their language and the answer languages they serve
# Front-matter keys a translation keeps as its own; the rest (a case's data) it takes from its original.
OWN_KEYS = ("title", "language", "translation_of", "sources")
LANGUAGE_SAMPLE_CHARS = 2000  # of an uploaded document, to tell its language


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the structured data says is not known
    chunks_embedded: int = 0
    texts_embedded: int = 0  # chunk and sentence texts whose vectors had to be computed (not cached)
    reindexed: bool = False
    # Seconds per phase (read_and_split, embed, store): where a first start spends its time.
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        """For the command line, in Bokmål."""
        lines = [BUILT_IN.message("ingest.summary", "nb", added=len(self.added), updated=len(self.updated),
                                  removed=len(self.removed), unchanged=len(self.unchanged), chunks=self.chunks_embedded,
                                  texts=self.texts_embedded)]
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
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in p.parts)
                and not any(p.is_relative_to(folder) for folder in exclude)
            )
        else:
            files.append(path)
    return files


def orphan_original(path: Path) -> str:
    """The name of the original a translation without one lacks."""
    parts = translation_parts(path)  # an orphan is a translation: never None
    return parts[0].name if parts else path.name


class IngestService:
    """``embeddings``: what new texts are embedded with, when not the store's own (files published
    in the app bypass the knowledge base's vector cache, so deleting one leaves nothing behind)."""

    def __init__(self, store: ChunkStore, limits: IngestLimits = DEFAULT_LIMITS, embeddings=None) -> None:
        self.store = store
        self.limits = limits
        self.embeddings = embeddings or store.embeddings

    def _chunks(self, document: LoadedDocument, digest: str, flags: dict[str, bool]) -> list[Chunk]:
        document.metadata.update(flags)
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
        no longer exist on disk. ``progress`` gets the embedded share (0–1) as it grows. A file and
        its translations (``name.nn.md``, ``name.en.md``) are checked and indexed together."""
        report = IngestReport()
        self._prepare_store(report)
        indexed = self.store.file_hashes()
        # A file an administrator published in the app replaces the one on disk; its chunks are
        # kept in step with the database by ``sync_published``, never by this.
        published = self.store.published_sources()
        started = time.perf_counter()
        pending: list[tuple[str, list[Chunk], bool]] = []
        groups, orphans = group_files(expand_paths(paths, exclude))
        for path in orphans:
            report.errors.append(IngestError(source_name(path), "ingest.translation_orphan",
                                             original=orphan_original(path)))
        for group in groups.values():
            if source_name(group.original) not in published:
                pending += self._group(group, indexed, report)
        report.seconds["read_and_split"] = time.perf_counter() - started
        self._write(pending, report, show_progress, progress)
        for source in indexed:
            if source in published:
                continue
            if not (REPO_ROOT / source).exists() and not Path(source).exists():
                self.store.delete_source(source)
                report.removed.append(source)
        return report

    def _group(self, group: Group, indexed: dict[str, str], report: IngestReport,
               name: Callable[[Path], str] = source_name,
               published: bool = False) -> list[tuple[str, list[Chunk], bool]]:
        """The chunks of a file and its translations, when any of them changed. Every member's
        hash covers the whole group: a translation added, fixed or removed changes which
        languages the original serves. ``name`` gives a file's source name; ``published`` marks
        the chunks as an administrator's (see ``sync_published``)."""
        digests: dict[Path, str] = {}
        for path in group.members:
            try:
                digests[path] = file_sha256(path)
            except OSError as exc:
                report.errors.append(IngestError(name(path), "ingest.unreadable", error=exc.strerror or exc))
        if group.original not in digests:
            return []
        together = (hashlib.sha256("".join(sorted(digests.values())).encode()).hexdigest()[:12]
                    if len(digests) > 1 else "")
        hashes = {path: f"{PIPELINE_VERSION}-{digest}" + (f"-{together}" if together else "")
                  for path, digest in digests.items()}
        if all(indexed.get(name(path)) == hashes[path] for path in hashes):
            report.unchanged += [name(path) for path in hashes]
            return []
        documents: dict[Path, LoadedDocument] = {}
        for path in hashes:
            try:
                documents[path] = load_file(path, name(path), self.limits)
            except IngestError as error:
                # The file's previous chunks (if any) stay: a broken update must not empty the index.
                report.errors.append(error)
        original = documents.get(group.original)
        if original is None:
            return []
        original_lang = document_language(original)
        by_lang = {original_lang: original}
        for lang, path in group.translations.items():
            if path in documents and lang != original_lang:
                documents[path].metadata = {**{k: v for k, v in original.metadata.items() if k not in OWN_KEYS},
                                            **documents[path].metadata, "language": lang}
                by_lang[lang] = documents[path]
        usable, refused = check_group(by_lang, original_lang)
        report.errors += refused
        pending = []
        for path, document in documents.items():
            source = name(path)
            lang = document_language(document)
            if path != group.original and (lang not in usable or by_lang.get(lang) is not document):
                if source in indexed:  # a translation that no longer passes the check is not served
                    self.store.delete_source(source)
                continue
            try:
                flags = serving_flags(lang, path == group.original, usable)
                chunks = self._chunks(document, hashes[path], {**flags, PUBLISHED: True} if published else flags)
            except IngestError as error:
                report.errors.append(error)
                continue
            pending.append((source, chunks, source in indexed))
        return pending

    def sync_published(self, files: Mapping[str, str]) -> IngestReport:
        """Index the knowledge files administrators published in the app (name under knowledge/ →
        text) as ``knowledge/<name>``, marked as published and replacing a file of that name on
        disk; files no longer published lose their chunks (``report.removed``: the caller puts
        back a file on disk they replaced). Unchanged files cost a hash comparison."""
        report = IngestReport()
        self._prepare_store(report)
        indexed = self.store.published_sources()
        with tempfile.TemporaryDirectory(prefix="gnist-published-") as folder:
            root = Path(folder)
            for name, text in files.items():
                path = root / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            groups, orphans = group_files(expand_paths([root]))

            def published_name(path: Path) -> str:
                return f"knowledge/{path.relative_to(root).as_posix()}"

            report.errors += [IngestError(published_name(path), "ingest.translation_orphan",
                                          original=orphan_original(path)) for path in orphans]
            pending = [entry for group in groups.values()
                       for entry in self._group(group, indexed, report, published_name, published=True)]
            self._write(pending, report, show_progress=False)
        wanted = {f"knowledge/{name}" for name in files}
        for source in sorted(set(indexed) - wanted):
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
            document = load_file(path, source, self.limits)
            # A user's document is quoted in its own language: it serves every asker.
            lang = detect_language(" ".join(s.text for s in document.sections)[:LANGUAGE_SAMPLE_CHARS])
            document.metadata["language"] = lang
            chunks = self._chunks(document, f"{PIPELINE_VERSION}-{file_sha256(path)}",
                                  serving_flags(lang, True, {lang}))
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

    def fill_vector_cache(self, paths: list[Path], show_progress: bool = True,
                          exclude: Collection[Path] = ()) -> IngestReport:
        """Embed every text the files would be indexed with, for the embedder's vector cache
        (``make install``), without touching the index."""
        report = IngestReport()
        self._vectors(self.pending(paths, report, exclude), report, show_progress)
        return report

    def pending(self, paths: list[Path], report: IngestReport,
                exclude: Collection[Path] = ()) -> list[tuple[str, list[Chunk], bool]]:
        """(source, chunks, already indexed) of every file as if nothing were indexed yet."""
        groups, _ = group_files(expand_paths(paths, exclude))
        return [entry for group in groups.values() for entry in self._group(group, {}, report)]

    @staticmethod
    def embedding_texts(pending: list[tuple[str, list[Chunk], bool]]) -> dict[str, tuple[str, str]]:
        """Every text the pending files are embedded with, once each, with (kind, language): the
        chunks («chunk»), then their sentences, list items and table rows (the piece's kind)."""
        texts: dict[str, tuple[str, str]] = {}
        for _, chunks, _ in pending:
            for chunk in chunks:
                texts.setdefault(chunk.embedding_text, ("chunk", str(chunk.metadata.get("language", ""))))
        for _, chunks, _ in pending:
            for chunk in chunks:
                for piece in answer_pieces(chunk.text):
                    texts.setdefault(piece.embedding_text, (piece.kind, str(chunk.metadata.get("language", ""))))
        return texts

    def _vectors(self, pending: list[tuple[str, list[Chunk], bool]], report: IngestReport, show_progress: bool,
                 progress: Callable[[float], None] | None = None) -> dict[str, np.ndarray]:
        """Every new text of every pending file embedded in one go: the chunks, and their
        sentences, items and rows (each text once). The answer pieces are set on the chunks."""
        pieces = {id(chunk): answer_pieces(chunk.text) for _, chunks, _ in pending for chunk in chunks}
        texts = list(self.embedding_texts(pending))
        total = len(texts)
        done = 0
        with tqdm(total=total, desc="Indekserer", unit="tekst", disable=not show_progress or total == 0) as bar:

            def embedded(count: int) -> None:
                nonlocal done
                done += count
                bar.update(count)
                if progress:
                    progress(done / total)

            started = time.perf_counter()
            rows, report.texts_embedded = embed_texts(self.embeddings, texts, embedded)
            report.seconds["embed"] = time.perf_counter() - started
        vectors = dict(zip(texts, rows))
        # The sentence, item and row vectors of each chunk are stored in its metadata, so an
        # extractive answer scores sentences semantically without embedding at question time.
        for _, chunks, _ in pending:
            for chunk in chunks:
                if pieces[id(chunk)]:
                    chunk.metadata[PIECE_VECTORS] = encode_vectors(
                        pieces[id(chunk)], [vectors[p.embedding_text] for p in pieces[id(chunk)]])
        return vectors

    def _write(
        self,
        pending: list[tuple[str, list[Chunk], bool]],
        report: IngestReport,
        show_progress: bool,
        progress: Callable[[float], None] | None = None,
    ) -> None:
        vectors = self._vectors(pending, report, show_progress, progress)
        started = time.perf_counter()
        self.store.replace_sources([(source, chunks, [vectors[c.embedding_text] for c in chunks])
                                    for source, chunks, _ in pending])
        for source, chunks, existed in pending:
            report.chunks_embedded += len(chunks)
            (report.updated if existed else report.added).append(source)
        report.seconds["store"] = time.perf_counter() - started
