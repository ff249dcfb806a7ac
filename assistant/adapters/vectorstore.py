"""Chroma behind a small interface. Always queried by vector: Chroma's own default embedding
function downloads a model at first use, which fails offline."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass

import chromadb
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import NotFoundError

from assistant.adapters.embeddings import NamedEmbeddings
from assistant.catalog import BUILT_IN
from assistant.ingest.chunking import Chunk
from assistant.settings import Settings

log = logging.getLogger(__name__)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

KNOWLEDGE_COLLECTION = "gnist-knowledge"
NO_CHUNK = "gnist-no-chunk"  # an id no chunk has (see ``ChunkStore.purge_log``)
PUBLISHED = "published"  # chunk metadata: from a knowledge file an administrator published in the app
EMBED_BATCH = 16
WRITE_BATCH = 1000
# Chroma keeps every write, text included, in its log until the collection's HNSW index is saved,
# by default after 1000 writes: a deleted file's text stayed in the log. Saved after every couple of
# writes, the log is purged at once (a 30-file ingest took as long: 3.6–4.7 s either way).
HNSW = {"space": "cosine", "sync_threshold": 2, "batch_size": 2}
# A missing collection (a user without documents) is looked up again after this long; writes
# through the same object see it at once. Each lookup holds the GIL in Chroma's bindings.
ABSENT_RECHECK_S = 10.0


class EmbedderMismatch(Exception):
    """The collection was built with another embedder; vectors must not be mixed."""


@dataclass
class Hit:
    id: str
    text: str
    source: str
    title: str
    locator: str
    score: float
    metadata: dict

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "source": self.source,
            "title": self.title,
            "locator": self.locator,
            "score": round(self.score, 4),
        }


def build_chroma_client(settings: Settings):
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.vectorstore == "http":
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def reclaim_space(settings: Settings) -> None:
    """After a user's collection is deleted: rewrite Chroma's SQLite file so the deleted text is
    not left in free pages, and remove segment folders no collection uses any more. Only for the
    embedded store; a Chroma server manages its own disk."""
    if settings.vectorstore != "persistent":
        return
    database = settings.chroma_dir / "chroma.sqlite3"
    if not database.is_file():
        return
    # Folders first, then the table: a folder that exists now already has its segment row.
    folders = [p for p in settings.chroma_dir.iterdir() if p.is_dir() and _UUID.fullmatch(p.name)]
    try:
        with closing(sqlite3.connect(database, timeout=30)) as connection:
            in_use = {row[0] for row in connection.execute("SELECT id FROM segments")}
            connection.execute("VACUUM")
    except sqlite3.OperationalError as exc:  # busy: the next deletion reclaims it
        log.warning("could not reclaim space in the vector store: %s", exc)
        return
    for folder in folders:
        if folder.name not in in_use:
            shutil.rmtree(folder, ignore_errors=True)


def user_collection_name(user_id: str) -> str:
    """A valid, stable Chroma name per user; the id itself may contain any characters."""
    digest = hashlib.sha256(user_id.encode()).hexdigest()[:24]
    return f"gnist-user-{digest}"


class ChunkStore:
    """One Chroma collection of chunks embedded by one named embedder."""

    def __init__(self, client, embeddings: NamedEmbeddings, name: str) -> None:
        if not re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]", name):
            raise ValueError(f"invalid collection name {name!r}")
        self.client = client
        self.embeddings = embeddings
        self.name = name
        self._collection = None
        # Bumped on every write through this object, so caches built on the contents (BM25)
        # can tell cheaply whether they are stale.
        self.version = 0
        self._absent_until = 0.0

    @property
    def _expected_metadata(self) -> dict:
        return {"embedder": self.embeddings.name, "dimension": self.embeddings.dimension}

    @property
    def collection(self):
        if self._collection is None:
            collection = self.client.get_or_create_collection(
                self.name,
                configuration={"hnsw": HNSW},
                metadata=self._expected_metadata,
                embedding_function=None,
            )
            hnsw = (collection.configuration_json or {}).get("hnsw") or {}
            if hnsw.get("sync_threshold") != HNSW["sync_threshold"]:
                # A collection made before: Chroma applies the change when it next opens it.
                collection.modify(configuration={"hnsw": {key: HNSW[key] for key in ("sync_threshold", "batch_size")}})
            self._collection = collection
        return self._collection

    def _existing(self):
        """The collection if it exists: reads never create one (a visitor who only looks leaves
        nothing behind)."""
        if self._collection is None:
            if time.monotonic() < self._absent_until:
                return None
            try:
                self._collection = self.client.get_collection(self.name, embedding_function=None)
            except NotFoundError:
                self._absent_until = time.monotonic() + ABSENT_RECHECK_S
                return None
        return self._collection

    def check_embedder(self) -> None:
        meta = self.collection.metadata or {}
        if meta.get("embedder") != self.embeddings.name or meta.get("dimension") != self.embeddings.dimension:
            raise EmbedderMismatch(BUILT_IN.message(
                "index.embedder_mismatch", "nb", name=self.name, built=meta.get("embedder"),
                built_dim=meta.get("dimension"),
                chosen=self.embeddings.name, chosen_dim=self.embeddings.dimension))

    def reset(self) -> None:
        with contextlib.suppress(Exception):  # absent collection: nothing to delete
            self.client.delete_collection(self.name)
        self._collection = None
        self.version += 1

    def count(self) -> int:
        collection = self._existing()
        return collection.count() if collection is not None else 0

    def file_hashes(self) -> dict[str, str]:
        collection = self._existing()
        if collection is None:
            return {}
        result = collection.get(include=["metadatas"])
        return {m["source"]: m["file_hash"] for m in result["metadatas"] or []}

    def published_sources(self) -> dict[str, str]:
        """Source → file hash of the files published in the app (chunks marked ``PUBLISHED``)."""
        collection = self._existing()
        if collection is None:
            return {}
        result = collection.get(where={PUBLISHED: True}, include=["metadatas"])
        return {m["source"]: m["file_hash"] for m in result["metadatas"] or []}

    def sources(self) -> list[dict]:
        """One entry per indexed file: source, title, chunk count."""
        collection = self._existing()
        if collection is None:
            return []
        result = collection.get(include=["metadatas"])
        files: dict[str, dict] = {}
        for meta in result["metadatas"] or []:
            entry = files.setdefault(meta["source"], {"source": meta["source"], "title": meta.get("title", ""),
                                                      "chunks": 0})
            entry["chunks"] += 1
        return sorted(files.values(), key=lambda f: f["source"])

    def delete_source(self, source: str) -> None:
        collection = self._existing()
        if collection is not None:
            collection.delete(where={"source": source})
        self.version += 1

    def purge_log(self) -> None:
        """Let deleted text leave Chroma's log now: Chroma drops the writes its index has saved
        from the log at the next write, and this one changes nothing (no chunk has the id)."""
        collection = self._existing()
        if collection is not None:
            collection.delete(ids=[NO_CHUNK])

    def replace_source(self, source: str, chunks: list[Chunk], progress: Callable[[int], None] | None = None,
                       vectors: Sequence | None = None) -> None:
        """Embed first (unless the chunks' ``vectors`` are given), then swap: if embedding fails,
        the file's old chunks are still there."""
        vectors = list(vectors) if vectors is not None else []
        for start in range(0, len(chunks) if not vectors else 0, EMBED_BATCH):
            batch = chunks[start : start + EMBED_BATCH]
            vectors += self.embeddings.embed_documents([c.embedding_text for c in batch])
            if progress:
                progress(len(batch))
        self.replace_sources([(source, chunks, vectors)])

    def replace_sources(self, files: Sequence[tuple[str, list[Chunk], Sequence]]) -> None:
        """Swap in the chunks of several files, their vectors given: (source, chunks, vectors).
        Written together, up to WRITE_BATCH chunks a call: a Chroma write per file cost ~0.1 s on
        a busy machine (12 s of a first start; 2.5 s in one call)."""
        for source, _, _ in files:
            self.delete_source(source)
        rows = [(chunk, vector) for _, chunks, vectors in files for chunk, vector in zip(chunks, vectors, strict=True)]
        for start in range(0, len(rows), WRITE_BATCH):
            batch = rows[start : start + WRITE_BATCH]
            self.collection.upsert(
                ids=[c.id for c, _ in batch],
                embeddings=[vector for _, vector in batch],
                documents=[c.text for c, _ in batch],
                metadatas=[
                    {**c.metadata, "source": c.source, "title": c.title, "locator": c.locator, "file_hash": c.file_hash}
                    for c, _ in batch
                ],
            )
        self.version += 1

    def query(self, vector: list[float], k: int, where: dict | None = None) -> list[Hit]:
        """Nearest chunks by cosine; ``where`` filters on metadata (e.g. {"type": "case"})."""
        # No count first: Chroma returns fewer than k when it holds fewer, and its count() keeps
        # Python's lock while it waits for the store, which stalled every other request under load.
        collection = self._existing()
        if collection is None:
            return []
        result = collection.query(
            query_embeddings=[vector], n_results=k, where=where or None,
            include=["documents", "metadatas", "distances"],
        )
        return [
            _hit(chunk_id, text, meta, 1.0 - distance)
            for chunk_id, text, meta, distance in zip(
                result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0]
            )
        ]

    def all_chunks(self) -> Iterable[Hit]:
        collection = self._existing()
        if collection is None:
            return
        result = collection.get(include=["documents", "metadatas"])
        for chunk_id, text, meta in zip(result["ids"], result["documents"], result["metadatas"]):
            yield _hit(chunk_id, text, meta, 0.0)


def _hit(chunk_id: str, text: str, meta: dict, score: float) -> Hit:
    return Hit(
        id=chunk_id,
        text=text,
        source=meta.get("source", ""),
        title=meta.get("title", ""),
        locator=meta.get("locator", ""),
        score=float(score),
        metadata=meta,
    )
