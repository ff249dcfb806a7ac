"""Reciprocal rank fusion and the BM25 layer on hand-built hits.

The BM25 tests use a minimal in-memory stand-in for ChunkStore (only ``name`` and
``all_chunks``) for speed; the same search runs against real Chroma in tests/integration.
"""

from __future__ import annotations

import pytest

from assistant.adapters.vectorstore import Hit
from assistant.services.retrieval import RRF_K, LexicalSearch, reciprocal_rank_fusion


def hit(chunk_id: str, score: float = 0.0, text: str = "", title: str = "", locator: str = "") -> Hit:
    return Hit(id=chunk_id, text=text or chunk_id, source=f"{chunk_id}.md", title=title, locator=locator, score=score,
               metadata={})


def ids(hits: list[Hit]) -> list[str]:
    return [h.id for h in hits]


def rrf_scores(rankings: list[list[str]]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1 / (RRF_K + rank)
    return scores


def test_rrf_rewards_agreement():
    dense = [hit("a", 0.9), hit("b", 0.8), hit("c", 0.7)]
    lexical = [hit("c", 12.0), hit("b", 9.0), hit("d", 3.0)]
    fused = reciprocal_rank_fusion([dense, lexical], k=4)
    # c: 1/61 + 1/63 (0.032266) just beats b: 2/62 (0.032258); then a: 1/61, d: 1/63
    expected = rrf_scores([["a", "b", "c"], ["c", "b", "d"]])
    assert ids(fused) == sorted(expected, key=expected.get, reverse=True)
    assert ids(fused) == ["c", "b", "a", "d"]


def test_rrf_truncates_to_k_and_keeps_first_seen_hit():
    dense = [hit("a", 0.9), hit("b", 0.8)]
    lexical = [hit("b", 42.0), hit("a", 41.0)]
    fused = reciprocal_rank_fusion([dense, lexical], k=1)
    assert len(fused) == 1
    # a and b tie (1/61 + 1/62); the first ranking decides, and its Hit (with the dense score) is kept.
    assert fused[0].id == "a" and fused[0].score == 0.9


def test_rrf_single_ranking_keeps_order_and_empty_inputs():
    ranking = [hit("x"), hit("y"), hit("z")]
    assert ids(reciprocal_rank_fusion([ranking], k=10)) == ["x", "y", "z"]
    assert reciprocal_rank_fusion([[], []], k=5) == []
    assert reciprocal_rank_fusion([], k=5) == []


class MemoryStore:
    """Just enough of ChunkStore for LexicalSearch."""

    def __init__(self, name: str, hits: list[Hit]) -> None:
        self.name = name
        self.hits = hits
        self.reads = 0
        self.version = 0

    def count(self) -> int:
        return len(self.hits)

    def all_chunks(self):
        self.reads += 1
        return iter(self.hits)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore(
        "mem",
        [
            hit("utsira", text="Havsalat, tare og kamskjell gir nye arbeidsplasser på øya.", title="Utsira"),
            hit("vang", text="Ein tindeklatrarkafe ved Filefjell for unge vaksne.", title="Vang"),
            hit("avgift", text="Deltakeravgiften for kommunene var 200 000 kr.", title="Delta i Gnist",
                locator="Deltakeravgift"),
        ],
    )


def test_bm25_finds_exact_rare_word(store):
    results = LexicalSearch().search(store, "tindeklatrarkafe", k=3)
    assert ids(results) == ["vang"]
    assert results[0].score > 0


def test_bm25_uses_norwegian_stemming(store):
    # "kommunen" and "kommunene" share the stem "kommun".
    assert ids(LexicalSearch().search(store, "kommunen", k=3)) == ["avgift"]


def test_bm25_indexes_title_and_locator(store):
    assert ids(LexicalSearch().search(store, "Utsira", k=3)) == ["utsira"]
    assert ids(LexicalSearch().search(store, "deltakeravgift", k=3))[0] == "avgift"


def test_bm25_stopword_only_or_unknown_query_returns_nothing(store):
    search = LexicalSearch()
    assert search.search(store, "og det er", k=3) == []
    assert search.search(store, "kvantedatamaskin", k=3) == []


def test_bm25_empty_store_returns_nothing():
    assert LexicalSearch().search(MemoryStore("tom", []), "havsalat", k=3) == []


def test_bm25_index_is_rebuilt_only_when_contents_change(store):
    search = LexicalSearch()
    search.search(store, "havsalat", k=3)
    first_index = search._indexes["mem"]
    search.search(store, "tare", k=3)
    assert search._indexes["mem"] is first_index
    assert store.reads == 1  # the contents are read once, not on every query
    store.hits = [*store.hits, hit("ny", text="Et nytt stølsbakeri på fjellet.")]
    assert ids(search.search(store, "stølsbakeri", k=3)) == ["ny"]
    assert search._indexes["mem"] is not first_index
