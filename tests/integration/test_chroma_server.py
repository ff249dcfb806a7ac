"""GNIST_VECTORSTORE=http: the same ingest and search against a real Chroma server process
(`chroma run`, shipped inside the chromadb package) on 127.0.0.1 (the ``chroma_server`` fixture)."""

from __future__ import annotations

from assistant.container import Container
from assistant.settings import Settings


def test_ingest_and_search_through_a_chroma_server(chroma_server, knowledge_dir, tmp_path, embedder):
    settings = Settings(data_dir=tmp_path / "data", knowledge_dir=knowledge_dir, vectorstore="http",
                        chroma_port=chroma_server)
    container = Container(settings)
    container.embeddings = embedder
    report = container.sync_knowledge(show_progress=False)
    assert report.added and not report.errors
    assert not (settings.chroma_dir / "chroma.sqlite3").exists()  # nothing went to the local store

    again = Container(settings)
    again.embeddings = embedder
    assert again.sync_knowledge(show_progress=False).chunks_embedded == 0
    hits = again.retriever.search("deltakeravgift for kommunene", k=3)
    assert hits and all(h.source and h.locator for h in hits)
