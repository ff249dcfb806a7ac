"""A shared deployment on one machine: a real PostgreSQL server, a real Chroma server and two app
replicas (``python app.py`` processes, each with its own empty data dir) that share nothing else.

What a load balancer relies on is checked: work begun on one replica continues on the other after
the first is killed; a replacement replica on a wiped disk serves a download the dead one made;
50 concurrent users spread over both get their answers; /readyz follows the database."""

from __future__ import annotations

import concurrent.futures
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from assistant.settings import REPO_ROOT
from gnist_testapp import text_of
from postgres import PostgresServer, free_port, postgres_bin

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword):Warning")]

SECRET = secrets.token_urlsafe(32)
KNOWLEDGE_FILES = ["programmet/delta-i-gnist.md", "caser/2021-vang.md"]
QUESTIONS = ["Hva koster det å delta i Gnist?", "Hvor lenge varer Gnist-programmet?",
             "Hvem kan søke om å delta i Gnist?"]


def _environment(tmp: Path, database_url: str, chroma_port: int) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GNIST_")}
    return environment | {
        "GNIST_KNOWLEDGE_DIR": str(tmp / "knowledge"), "GNIST_DATABASE_URL": database_url,
        "GNIST_VECTORSTORE": "http", "GNIST_CHROMA_PORT": str(chroma_port), "GNIST_SECRET_KEY": SECRET,
        "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False",
    }


class Replica:
    def __init__(self, environment: dict[str, str], data_dir: Path) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.with_suffix(".log")
        data_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "app.py")], cwd=REPO_ROOT, stdout=self.log.open("w"),
            stderr=subprocess.STDOUT, env=environment | {"GNIST_DATA_DIR": str(data_dir), "GNIST_PORT": str(self.port)})

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            if self.status("/readyz") == 200:
                return
            time.sleep(0.5)
        raise AssertionError(f"replica on {self.port} not ready:\n{self.log.read_text()}")

    def status(self, path: str) -> int:
        """The HTTP status of ``path``; 0 while nothing answers."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0

    def get(self, path: str, cookie: str) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, headers={"Cookie": cookie})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, b""

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server of this module's own: a test here stops and starts it."""
    if postgres_bin() is None:
        pytest.skip("PostgreSQL binaries (initdb) are not installed: `make system-deps` installs them")
    server = PostgresServer.create()
    yield server
    server.remove()


@pytest.fixture(scope="module")
def deployment(postgres, chroma_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deployment")
    for rel in KNOWLEDGE_FILES:
        (tmp / "knowledge" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO_ROOT / "knowledge" / rel, tmp / "knowledge" / rel)
    environment = _environment(tmp, postgres.create_database("gnist"), chroma_server)
    # The index is built once, into the Chroma server; the replicas find it there.
    built = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "--quiet"], cwd=REPO_ROOT,
                           env=environment | {"GNIST_DATA_DIR": str(tmp / "indexer")}, capture_output=True,
                           text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    replicas = [Replica(environment, tmp / name) for name in ("replica-a", "replica-b")]
    for replica in replicas:
        replica.wait_ready()
    yield environment, replicas
    for replica in replicas:
        if replica.process.poll() is None:
            replica.process.terminate()
            replica.process.wait(timeout=30)


def _client(replica: Replica, cookie: str):
    from gradio_client import Client

    # Plain HTTP on loopback: no TLS to verify, and loading the CA bundle per httpx client would
    # cost the clients (on the replicas' cores) ~20 ms a question.
    return Client(replica.url + "/", verbose=False, headers={"Cookie": cookie}, download_files=False,
                  ssl_verify=False, httpx_kwargs={"timeout": 120})


def _identity_cookie() -> str:
    from assistant.ui.identity import COOKIE_NAME, CookieSigner

    return f"{COOKIE_NAME}={CookieSigner(SECRET.encode()).sign(secrets.token_urlsafe(32))}"


def _text(chat: list[dict]) -> str:
    return "\n".join(text_of(message["content"]) for message in chat)


def test_work_begun_on_one_replica_continues_on_another(deployment):
    environment, replicas = deployment
    a, b = replicas
    cookie = _identity_cookie()
    on_a = _client(a, cookie)
    chat, _sources, history, _box = on_a.predict(QUESTIONS[0], api_name="/respond")
    conversation_id = _value(history)
    assert "200 000" in _text(chat)
    canvas_id = _value(on_a.predict("Vang", "Sentrum er tomt etter klokka fire", api_name="/workshop_start")[5])
    on_a.predict("Ungdom og eldre som bor i sentrum", [], api_name="/workshop_answer")
    download = _value(on_a.predict(api_name="/export_conversation"))
    status, exported = a.get(f"/gradio_api/file={download}", cookie)
    assert status == 200 and QUESTIONS[0] in exported.decode()
    a.kill()

    # The same browser (its identity cookie) on replica B: everything is there and goes on. (A new
    # session's lists fill on its first event, as a page load would fill them.)
    on_b = _client(b, cookie)
    on_b.predict(QUESTIONS[2], api_name="/respond")
    chat, _sources = on_b.predict(conversation_id, api_name="/select_conversation")
    assert QUESTIONS[0] in _text(chat) and "200 000" in _text(chat)
    chat, *_ = on_b.predict(QUESTIONS[1], api_name="/respond")
    assert [QUESTIONS[0], QUESTIONS[1]] == [text_of(m["content"]) for m in chat if m["role"] == "user"]
    on_b.predict("Lom", "Unge flytter fra bygda", api_name="/workshop_start")
    resumed = on_b.predict(canvas_id, api_name="/workshop_resume")
    assert _value(resumed[5]) == canvas_id and "Ungdom og eldre som bor i sentrum" in resumed[1]
    _box, _chat, canvas, *_ = on_b.predict("De går ikke i sentrum fordi butikkene stenger", [],
                                            api_name="/workshop_answer")
    assert "butikkene stenger" in canvas

    # A replacement for A on a wiped disk (same data dir path, as a new container would have)
    # serves the download A made, to its owner only.
    shutil.rmtree(a.data_dir)
    replacement = Replica(environment, a.data_dir)
    replicas.append(replacement)
    replacement.wait_ready()
    assert not Path(download).exists()
    assert replacement.get(f"/gradio_api/file={download}", _identity_cookie())[0] == 404
    assert replacement.get(f"/gradio_api/file={download}", cookie) == (200, exported)


def test_fifty_users_spread_over_two_replicas(deployment):
    _environment, replicas = deployment
    live = [replica for replica in replicas if replica.process.poll() is None]
    assert len(live) == 2
    timings: list[float] = []
    errors: list[str] = []
    # Each user's browser has loaded the page (its client is connected) before the questions start.
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        clients = list(pool.map(lambda n: _client(live[n % 2], _identity_cookie()), range(50)))
    start_together = threading.Barrier(50)

    def user(n: int) -> None:
        start_together.wait()
        try:
            for question in QUESTIONS:
                started = time.perf_counter()
                chat, *_ = clients[n].predict(question, api_name="/respond")
                timings.append(time.perf_counter() - started)
                if question not in _text(chat) or len(chat) < 2:
                    errors.append(f"user {n}: no answer to {question!r}")
        except Exception as error:  # noqa: BLE001 - every failure is counted and shown
            errors.append(f"user {n}: {error!r}")

    started = time.perf_counter()
    threads = [threading.Thread(target=user, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    elapsed = time.perf_counter() - started
    assert errors == []
    assert len(timings) == 150
    p50 = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1]
    print(f"\n50 users x 3 questions over 2 replicas: {len(timings)} answers in {elapsed:.1f} s "
          f"({len(timings) / elapsed:.1f}/s), p50 {p50:.2f} s, p95 {p95:.2f} s")


def test_readiness_follows_the_database(deployment, postgres):
    _environment, replicas = deployment
    replica = next(replica for replica in replicas if replica.process.poll() is None)
    assert replica.status("/readyz") == 200
    postgres.stop(check=True)
    try:
        assert replica.status("/readyz") == 503
        assert replica.status("/healthz") == 200  # the process is up; only readiness says no
    finally:
        postgres.start()
    deadline = time.monotonic() + 30
    while replica.status("/readyz") != 200:
        assert time.monotonic() < deadline, "not ready again after the database came back"
        time.sleep(0.5)


def _value(update):
    """A component's value from gradio_client output: as is, or inside an update dict, or a file's path."""
    value = update.get("value") if isinstance(update, dict) and "value" in update else update
    return value.get("path") if isinstance(value, dict) else value
