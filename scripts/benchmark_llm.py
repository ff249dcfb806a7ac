"""Figures for the local language model (run `make local-model` first, or `make bench-llm`).

    .venv/bin/python scripts/benchmark_llm.py [--questions 3] [--skip-ask] [--threads 1]

Prints:
- server start: seconds until llama.cpp's server (child process) answers /v1/models;
- per question, through ``AnswerService.stream`` against that server: time to first token (this
  includes retrieval and the prompt evaluation of the numbered passages), generated tokens,
  tokens/s after the first token, and the prompt size in tokens;
- ``gnist ask`` with GNIST_LLM_PROVIDER=local: wall time and peak RSS of the gnist process and,
  separately, of the llama.cpp server it starts (from /proc VmHWM), plus GNU time's figure.

The knowledge index is the one under GNIST_DATA_DIR (built first if it is missing).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

QUESTIONS = [
    "Hva koster det å delta i Gnist?",
    "Hvem kunne søke om å delta i Gnist 2022?",
    "Hva er prinsippene i veikartet for smarte og bærekraftige byer og lokalsamfunn?",
    "Hva er et innovasjonsvennlig «Hvordan kan vi»-spørsmål?",
    "Hva var utfordringen til Utsira i pilotkonkurransen?",
]


def _opener():
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def prompt_tokens(base_url: str, text: str) -> int | None:
    """Token count of ``text`` by the server's own tokenizer (llama-cpp-python's /extras/tokenize)."""
    root = base_url.rsplit("/v1", 1)[0]
    request = urllib.request.Request(f"{root}/extras/tokenize", data=json.dumps({"input": text}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with _opener().open(request, timeout=30) as response:
            return len(json.loads(response.read())["tokens"])
    except Exception:  # noqa: BLE001 - a figure we can live without
        return None


def measure_stream(service, question: str) -> dict:
    """Time to first token and generation speed of one answer through AnswerService.stream."""
    started = time.perf_counter()
    first = last = None
    tokens = 0
    answer = None
    for event in service.stream(question):
        now = time.perf_counter()
        if event.kind == "token":
            tokens += 1
            first = first or now
            last = now
        elif event.kind == "done":
            answer = event.answer
    done = time.perf_counter()
    llm_mode = answer is not None and answer.mode == "llm"
    # Extractive fallbacks stream instantly: their timings say nothing about the model.
    rate = (tokens - 1) / (last - first) if llm_mode and tokens > 1 and last > first else float("nan")
    return {
        "question": question,
        "mode": answer.mode if answer else None,
        "ttft_s": round((first or done) - started, 2),
        "tokens": tokens,
        "tokens_per_s": round(rate, 1),
        "total_s": round(done - started, 2),
        "citations": [c.n for c in answer.citations] if answer else [],
        "notices": answer.notices if answer else [],
    }


def benchmark_stream(settings, n_questions: int, threads: int) -> dict:
    from assistant.adapters import llm
    from assistant.container import Container
    from assistant.services.answer import AnswerService

    container = Container(settings)
    t0 = time.perf_counter()
    container.ensure_knowledge_index(show_progress=False)
    index_s = time.perf_counter() - t0
    container.retriever.search("Gnist", k=1)  # load the embedder before timing

    port = llm.free_port()
    t0 = time.perf_counter()
    process = llm.start_llama_server(llm.local_model_path(settings), port, threads=threads,
                                     log_path=Path(tempfile.gettempdir()) / "gnist-bench-llama.log")
    start_s = time.perf_counter() - t0
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        served = settings.model_copy(update={"llm_provider": "openai", "llm_base_url": base_url,
                                             "llm_model": llm.LOCAL_MODEL_NAME})
        service = AnswerService(served, container.retriever, container.catalog, lambda: llm.build_chat_model(served))
        rows = []
        for question in QUESTIONS[:n_questions]:
            row = measure_stream(service, question)
            hits = [h for h in container.retriever.search(question, k=served.top_k) if h.score >= served.min_relevance]
            row["prompt_tokens"] = prompt_tokens(base_url, "\n\n".join(h.text for h in hits) + question)
            rows.append(row)
        server_rss = _vm_hwm_mb(process.pid)
    finally:
        llm.stop_server(process)
    return {"index_s": round(index_s, 1), "server_start_s": round(start_s, 1), "rows": rows,
            "server_peak_rss_mb": server_rss, "threads": threads}


def _vm_hwm_mb(pid: int) -> float | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"VmHWM:\s+(\d+) kB", text)
    return round(int(match.group(1)) / 1024, 1) if match else None


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def benchmark_gnist_ask(question: str, max_tokens: int) -> dict:
    """`gnist ask` with the local provider: peak RSS of gnist and of its llama.cpp child, apart."""
    from assistant.adapters.llm import free_port

    gnist = Path(sys.executable).parent / "gnist"
    env = dict(os.environ, GNIST_LLM_PROVIDER="local", GNIST_LOCAL_SERVER_PORT=str(free_port()),
               GNIST_LLM_MAX_TOKENS=str(max_tokens), ANONYMIZED_TELEMETRY="False")
    with tempfile.NamedTemporaryFile("r", suffix=".time") as timing:
        command = ["/usr/bin/time", "-v", "-o", timing.name, str(gnist), "ask", "--json", question]
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        peaks: dict[int, tuple[str, float]] = {}
        while process.poll() is None:
            for child in _children(process.pid):  # /usr/bin/time -> gnist -> llama server
                for pid in [child, *_children(child)]:
                    rss = _vm_hwm_mb(pid)
                    if rss is not None:
                        name = "llama_server" if pid != child else "gnist"
                        peaks[pid] = (name, max(rss, peaks.get(pid, (name, 0.0))[1]))
            time.sleep(0.05)
        out, err = process.communicate()
        wall = time.perf_counter() - started
        time_report = timing.read()
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_report)
    answer = json.loads(out) if process.returncode == 0 else {"error": err[-2000:]}
    by_name: dict[str, float] = {}
    for name, rss in peaks.values():
        by_name[name] = max(by_name.get(name, 0.0), rss)
    return {
        "returncode": process.returncode,
        "wall_s": round(wall, 1),
        "gnist_peak_rss_mb": by_name.get("gnist"),
        "llama_server_peak_rss_mb": by_name.get("llama_server"),
        "gnu_time_max_rss_mb": round(int(match.group(1)) / 1024, 1) if match else None,
        "mode": answer.get("mode"),
        "notices": answer.get("notices"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Figures for the local language model.")
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-tokens", type=int, default=200)
    parser.add_argument("--skip-ask", action="store_true", help="Skip the `gnist ask` RSS measurement.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from assistant.adapters.llm import local_model_path
    from assistant.settings import Settings

    settings = Settings(llm_max_tokens=args.max_tokens, llm_temperature=0.0)
    if not local_model_path(settings).is_file():
        print(f"Fant ikke {local_model_path(settings)}: kjør `make local-model` først.", file=sys.stderr)
        return 2
    report = {"stream": benchmark_stream(settings, args.questions, args.threads)}
    if not args.skip_ask:
        report["gnist_ask"] = benchmark_gnist_ask(QUESTIONS[0], args.max_tokens)
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0

    stream = report["stream"]
    print(f"Index ready in {stream['index_s']} s; llama.cpp server ({stream['threads']} thread(s)) "
          f"answered after {stream['server_start_s']} s; server peak RSS {stream['server_peak_rss_mb']} MB")
    print(f"{'TTFT s':>7} {'tokens':>6} {'tok/s':>6} {'total s':>7} {'prompt':>6}  mode       question")
    for row in stream["rows"]:
        print(f"{row['ttft_s']:>7} {row['tokens']:>6} {row['tokens_per_s']:>6} {row['total_s']:>7} "
              f"{row['prompt_tokens'] or '?':>6}  {row['mode']:<10} {row['question']}")
        for notice in row["notices"]:
            print(f"        notice: {notice}")
    rates = [r["tokens_per_s"] for r in stream["rows"] if r["tokens_per_s"] == r["tokens_per_s"]]
    if rates:
        print(f"Median: TTFT {statistics.median(r['ttft_s'] for r in stream['rows'])} s, "
              f"{statistics.median(rates)} tokens/s")
    if "gnist_ask" in report:
        ask = report["gnist_ask"]
        print(f"`gnist ask` (GNIST_LLM_PROVIDER=local): exit {ask['returncode']}, {ask['wall_s']} s wall, "
              f"mode {ask['mode']}; peak RSS gnist {ask['gnist_peak_rss_mb']} MB, "
              f"llama.cpp server {ask['llama_server_peak_rss_mb']} MB (GNU time: {ask['gnu_time_max_rss_mb']} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
