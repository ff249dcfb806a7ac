"""A shared deployment on one machine: a real PostgreSQL server, a real Chroma server and two app
replicas (``python app.py`` processes, each with its own empty data dir) that share nothing else.

What a load balancer relies on is checked: work begun on one replica continues on the other after
the first is killed; a replacement replica on a wiped disk serves a download the dead one made;
50 concurrent users spread over both get their answers; /readyz follows the database, and users see
a catalog message, not the driver's, while it is down; every log line is JSON, with one access line
per request carrying the proxy's request id. Rolling upgrades: this release starts against a newer
release's additive schema and refuses an incompatible one; a replica started while the Chroma server
is down waits unready and starts by itself when it comes."""

from __future__ import annotations

import concurrent.futures
import json
import secrets
import shutil
import statistics
import threading
import time
from pathlib import Path

import pytest
from gnist_replicas import SECRET, Replica, build_index, replica_environment, start_chroma
from gnist_testapp import text_of
from postgres import PostgresServer, free_port, postgres_bin
from schema_release import newer_release

from assistant.adapters.database import Database

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword):Warning")]

QUESTIONS = ["Hva koster det å delta i Gnist?", "Hvor lenge varer Gnist-programmet?",
             "Hvem kan søke om å delta i Gnist?"]


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
    environment = replica_environment(tmp, postgres.create_database("gnist"), chroma_server)
    build_index(tmp, environment)
    replicas = [Replica(environment, tmp / name) for name in ("replica-a", "replica-b")]
    for replica in replicas:
        replica.wait_ready()
    yield environment, replicas
    for replica in replicas:
        replica.stop()


def _client(replica: Replica, cookie: str, headers: dict[str, str] | None = None):
    from gradio_client import Client

    # Plain HTTP on loopback: no TLS to verify, and loading the CA bundle per httpx client would
    # cost the clients (on the replicas' cores) ~20 ms a question.
    return Client(replica.url + "/", verbose=False, headers={"Cookie": cookie, **(headers or {})},
                  download_files=False, ssl_verify=False, httpx_kwargs={"timeout": 120})


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
    cookie = _identity_cookie()
    nynorsk = _client(replica, cookie, {"Accept-Language": "nn-NO,nn;q=0.9"})
    nynorsk.predict(QUESTIONS[0], api_name="/respond")
    postgres.stop(check=True)
    try:
        assert replica.status("/readyz") == 503
        assert replica.status("/healthz") == 200  # the process is up; only readiness says no
        for _ in range(3):  # a load balancer's probes: the outage is logged once, without a traceback
            assert replica.status("/readyz") == 503
        from gradio_client.exceptions import AppError

        with pytest.raises(AppError) as shown:
            nynorsk.predict(QUESTIONS[1], api_name="/respond")
        message = str(shown.value)
        assert "Gnist-assistenten får ikkje kontakt med lagringa si" in message, message
        for internal in ("127.0.0.1", str(postgres.port), "psycopg", "OperationalError", "port"):
            assert internal not in message
    finally:
        postgres.start()
    deadline = time.monotonic() + 30
    while replica.status("/readyz") != 200:
        assert time.monotonic() < deadline, "not ready again after the database came back"
        time.sleep(0.5)
    lines = _log_lines(replica)
    outage = [line for line in lines if line["message"].startswith("not ready: database")]
    assert len(outage) == 1 and "exc_info" not in outage[0]
    assert [line for line in lines if line["message"].startswith("ready again: database")]


def _log_lines(replica: Replica) -> list[dict]:
    """The replica's log, every line of which must be one JSON object (GNIST_LOG_FORMAT=json)."""
    text = replica.log.read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        if line.strip():
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                raise AssertionError(f"not JSON: {line!r}") from None
    return lines


def test_every_log_line_is_json_with_one_access_line_per_request(deployment):
    _environment, replicas = deployment
    replica = next(replica for replica in replicas if replica.process.poll() is None)
    client = _client(replica, _identity_cookie(), {"X-Request-ID": "proxy-4711"})
    client.predict(QUESTIONS[2], api_name="/respond")
    for path in ("/healthz", "/readyz", "/metrics", "/metrics%2F", "/config"):
        assert replica.status(path, {"X-Request-ID": f"proxy-{path.strip('/').replace('%', '')}"}) in (200, 404)
    time.sleep(1)  # the access line is written as the response ends
    lines = _log_lines(replica)
    assert {"time", "level", "name", "request_id", "message"} <= set(lines[0])
    for path in ("/healthz", "/readyz", "/metrics", "/config"):
        rid = f"proxy-{path.strip('/')}"
        access = [line for line in lines if line["name"] == "gnist.access" and line["request_id"] == rid]
        assert [(line["method"], line["path"]) for line in access] == [("GET", path)], path
    joined = [line for line in lines if line["name"] == "gnist.access" and line["request_id"] == "proxy-4711"
              and line["path"].endswith("/queue/join")]
    assert joined and all(line["status"] == 200 for line in joined)
    assert not [line for line in lines if line["name"] == "uvicorn.access"]


def test_this_release_runs_against_a_newer_additive_schema_and_refuses_an_incompatible_one(
        deployment, postgres, tmp_path):
    environment, _replicas = deployment
    for compatible in (True, False):
        url = postgres.create_database(f"newer_{str(compatible).lower()}")
        Database(url, migrations_dir=newer_release(tmp_path / str(compatible),
                                                   backward_compatible=compatible)).migrate()
        replica = Replica(environment | {"GNIST_DATABASE_URL": url}, tmp_path / f"old-{compatible}")
        try:
            if compatible:
                replica.wait_ready()
                chat, *_ = _client(replica, _identity_cookie()).predict(QUESTIONS[0], api_name="/respond")
                assert "200 000" in _text(chat)
                assert Database(url).revision() == "9001"  # not migrated, not touched
            else:
                assert replica.process.wait(timeout=180) != 0
                refused = replica.log.read_text(encoding="utf-8")
                assert "9001" in refused and "gnist db downgrade" in refused and "Traceback" not in refused
        finally:
            replica.stop()


def test_a_replica_started_while_chroma_is_down_waits_unready_and_recovers(deployment, tmp_path):
    environment, _replicas = deployment
    port = free_port()
    replica = Replica(environment | {"GNIST_CHROMA_PORT": str(port)}, tmp_path / "early")
    chroma = None
    try:
        deadline = time.monotonic() + 120
        while replica.status("/healthz") != 200:
            assert replica.process.poll() is None, replica.log.read_text()
            assert time.monotonic() < deadline, replica.log.read_text()
            time.sleep(0.5)
        assert replica.status("/readyz") == 503
        time.sleep(2)
        assert replica.process.poll() is None and replica.status("/readyz") == 503
        chroma = start_chroma(tmp_path / "late-chroma", port)
        replica.wait_ready()
        waited = [line for line in _log_lines(replica) if "vector_store" in line["message"]]
        assert len([line for line in waited if line["message"].startswith("not ready")]) == 1
    finally:
        replica.stop()
        if chroma:
            chroma.terminate()
            chroma.wait(timeout=30)


def _value(update):
    """A component's value from gradio_client output: as is, or inside an update dict, or a file's path."""
    value = update.get("value") if isinstance(update, dict) and "value" in update else update
    return value.get("path") if isinstance(value, dict) else value
