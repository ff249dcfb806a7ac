"""Capacity with a model: N concurrent chat users over two replicas (`python app.py`) on a real
PostgreSQL and Chroma server, with an OpenAI-compatible stub that streams at a model's pace (1-2 s
to the first token, then 20-40 tokens a second; tests/openai_stub.py, mode "paced").

Prints: errors, time to first token (p50/p95: question sent until the first words of the answer
reach the client), time to the full answer, peak memory (RSS) per replica, peak database
connections. Heavy: run it at a quiet moment, niced:

    nice -n 10 .venv/bin/python scripts/load_replicas.py --users 300
"""

from __future__ import annotations

import argparse
import json
import queue
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "tests" / "app")]

POLL_S = 0.05
QUESTIONS = ["Hva koster det å delta i Gnist?", "Hvor lenge varer Gnist-programmet?",
             "Hvem kan søke om å delta i Gnist?", "Hva skjedde i Vang?"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2) if ordered else float("nan")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Sampler(threading.Thread):
    """Peak RSS of each replica and peak connections to the database, twice a second."""

    def __init__(self, pids: list[int], admin_url: str) -> None:
        super().__init__(daemon=True)
        self.pids, self.admin_url = pids, admin_url
        self.peak_rss = {pid: 0.0 for pid in pids}
        self.peak_connections = 0
        self.done = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            while not self.done.is_set():
                for pid in self.pids:
                    self.peak_rss[pid] = max(self.peak_rss[pid], rss_mb(pid))
                count = connection.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = 'gnist'").fetchone()
                self.peak_connections = max(self.peak_connections, count[0])
                time.sleep(0.5)


def answer_text(output) -> str:
    chat = output[0] if isinstance(output, (list, tuple)) and output else []
    if not chat or chat[-1].get("role") != "assistant":
        return ""
    content = chat[-1].get("content")
    text = "".join(b.get("text", "") for b in content) if isinstance(content, list) else str(content or "")
    return "" if text.strip() in ("", "…") else text


def run_users(indices: list[int], urls: list[str], ready, go) -> tuple[list[float], list[float], list[str]]:
    """The users' sessions open (a page load), then all ask at once on ``go``; one thread each."""
    from gradio_client import Client

    def open_session(n: int) -> Client:
        client = Client(urls[n % len(urls)], verbose=False, ssl_verify=False, httpx_kwargs={"timeout": 600})
        client.predict(api_name="/test_connection")
        return client

    with ThreadPoolExecutor(8) as pool:
        clients = dict(zip(indices, pool.map(open_session, indices)))
    ready.put(len(clients))
    go.wait()
    first_token, full, errors = [], [], []

    def user(n: int) -> None:
        started = time.perf_counter()
        try:
            job = clients[n].submit(QUESTIONS[n % len(QUESTIONS)], api_name="/respond")
            seen = None
            # Polled every 50 ms: iterating a job polls every millisecond, and 300 of those would
            # starve the machine the replicas run on.
            while not job.done():
                outputs = job.outputs()
                if seen is None and outputs and answer_text(outputs[-1]):
                    seen = time.perf_counter() - started
                time.sleep(POLL_S)
            result = job.result()
            if seen is None and answer_text(result):
                seen = time.perf_counter() - started
            if seen is None:
                errors.append(f"user {n}: no answer")
                return
            first_token.append(seen)
            full.append(time.perf_counter() - started)
        except Exception as error:  # noqa: BLE001 - every failure is counted and shown
            errors.append(f"user {n}: {error!r}")

    threads = [threading.Thread(target=user, args=(n,)) for n in indices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=1200)
    return first_token, full, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--concurrency-per-replica", type=int, default=200,
                        help="GNIST_CHAT_CONCURRENCY: model answers are waiting on the network, not the CPU")
    args = parser.parse_args(argv)

    from gnist_replicas import Replica, build_index, replica_environment, start_chroma
    from postgres import PostgresServer, free_port

    tmp = Path(tempfile.mkdtemp(prefix="gnist-load-"))
    postgres = PostgresServer.create()
    chroma_port = free_port()
    chroma = start_chroma(tmp / "chroma", chroma_port)
    llm = subprocess.Popen([sys.executable, str(REPO / "tests" / "openai_stub.py"), "paced", "Gnist", "er", "et",
                            "program", "der", "kommuner", "finner", "behovet"], stdout=subprocess.PIPE, text=True)
    llm_url = llm.stdout.readline().strip()
    replicas = []
    try:
        environment = replica_environment(tmp, postgres.create_database("gnist"), chroma_port) | {
            "GNIST_LLM_BASE_URL": llm_url, "GNIST_LLM_MODEL": "paced", "GNIST_LLM_API_KEY": "none",
            "GNIST_CHAT_CONCURRENCY": str(args.concurrency_per_replica), "GNIST_LLM_TIMEOUT": "120",
            "GNIST_LOG_FORMAT": "text"}
        build_index(tmp, environment)
        replicas = [Replica(environment, tmp / name) for name in ("replica-a", "replica-b")]
        for replica in replicas:
            replica.wait_ready(timeout=600)
        sampler = Sampler([r.process.pid for r in replicas], postgres.admin_url)
        sampler.start()

        urls = [replica.url + "/" for replica in replicas]
        go, ready = threading.Event(), queue.Queue()
        outcome = []
        opened = time.perf_counter()
        runner = threading.Thread(target=lambda: outcome.append(run_users(list(range(args.users)), urls, ready, go)))
        runner.start()
        ready.get(timeout=1800)
        print(f"{args.users} sessions open in {time.perf_counter() - opened:.0f} s", flush=True)
        started = time.perf_counter()
        go.set()
        runner.join(timeout=1800)
        first_token, full, errors = outcome[0]
        wall = time.perf_counter() - started
        sampler.done.set()
        sampler.join(timeout=5)
        figures = {
            "users": args.users, "errors": len(errors), "wall_s": round(wall, 1),
            "first_token_p50_s": percentile(first_token, 0.5), "first_token_p95_s": percentile(first_token, 0.95),
            "answer_p50_s": percentile(full, 0.5), "answer_p95_s": percentile(full, 0.95),
            "peak_rss_mb_per_replica": [round(v) for v in sampler.peak_rss.values()],
            "peak_database_connections": sampler.peak_connections,
        }
        print(json.dumps(figures, indent=2))
        for line in errors[:10]:
            print(line)
        return 0 if not errors else 1
    finally:
        for replica in replicas:
            replica.stop()
        llm.terminate()
        chroma.terminate()
        postgres.remove()


if __name__ == "__main__":
    raise SystemExit(main())
