"""Operations for a shared deployment (issues 12 and 23): /healthz and /readyz for load balancers,
Prometheus metrics on a port of their own or behind a token (never on the public port otherwise,
whatever form the path takes), the proxy's request id on every response and access line, errors
shown to users as catalog messages, and single sign-on through a trusted reverse-proxy header
(accepted only from the proxy's addresses)."""

from __future__ import annotations

import http.client
import json
import logging

import gnist_testapp as g
import gradio as gr
import httpx
import pytest
from gradio_client import Client

from assistant.adapters.database import Database
from assistant.ui.errors import guard_events
from assistant.ui.ops import configure_logging, request_id

pytestmark = [pytest.mark.integration, g.QUIET_GRADIO_WARNINGS]

QUESTION = "Hva koster det å delta i Gnist?"
METRICS_TOKEN = "scrape-me-0123456789"
# Every way a path can name /metrics to a router that decodes or normalises it.
METRICS_PATHS = ["/metrics", "/metrics/", "/metrics%2F", "/metrics%2f", "/metrics%252F", "//metrics", "/metrics/.",
                 "/./metrics", "/gradio_api/../metrics", "/%6Detrics", "/metrics?format=text", "/metrics;x"]


@pytest.fixture(scope="module")
def app(seed_dirs, tmp_path_factory):
    running = g.launch_app(seed_dirs, tmp_path_factory.mktemp("ops") / "data", metrics_token=METRICS_TOKEN,
                           metrics_port=g.free_port(), metrics_host="127.0.0.1")
    yield running
    running.close()


def _raw_get(url: str, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    """The request line exactly as written (httpx and browsers normalise some of these paths)."""
    host, port = url.split("//")[1].rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def test_health_and_readiness_need_no_session(app):
    health = httpx.get(app.url + "healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert "set-cookie" not in health.headers  # a probe is not a visitor
    ready = httpx.get(app.url + "readyz")
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "checks": {"database": True, "vector_store": True, "index": True}}


def test_metrics_count_answers_by_mode_and_sessions(app, client_for):
    client = client_for()
    client.predict(QUESTION, api_name="/respond")
    text = httpx.get(f"http://127.0.0.1:{app.settings.metrics_port}/metrics").text
    counted = {line.split("{")[1].split("}")[0]: float(line.rsplit(" ", 1)[1])
               for line in text.splitlines() if line.startswith("gnist_answers_total{")}
    assert sum(counted.values()) >= 1 and all(key.startswith('mode="') for key in counted), counted
    assert "gnist_answer_seconds_count" in text and "gnist_ingest_queue_length 0.0" in text
    assert "gnist_llm_failures_total 0.0" in text
    active = next(line for line in text.splitlines() if line.startswith("gnist_active_sessions "))
    assert float(active.split()[1]) >= 1


def test_metrics_are_refused_on_the_public_port_in_every_path_form(app):
    for path in METRICS_PATHS:
        response = _raw_get(app.url, path)
        assert response.status not in (200, 301, 302, 307, 308), path
        assert b"gnist_" not in response.body, path
        wrong = _raw_get(app.url, path, {"Authorization": "Bearer not-the-token"})
        assert b"gnist_" not in wrong.body, path
    # With the token, on the public port (for a scraper that cannot reach the metrics port).
    allowed = httpx.get(app.url + "metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert allowed.status_code == 200 and "gnist_answers" in allowed.text


def test_the_metrics_port_serves_build_info_in_any_path_form(app):
    base = f"http://127.0.0.1:{app.settings.metrics_port}"
    for path in ("/metrics", "/metrics/", "/metrics%2F"):
        response = _raw_get(base, path, {"X-Request-ID": "prom-1"})
        assert response.status == 200 and response.getheader("x-request-id") == "prom-1", path
    text = httpx.get(base + "/metrics").text
    info = next(line for line in text.splitlines() if line.startswith("gnist_build_info{"))
    assert f'schema="{Database.head()}"' in info and 'version="' in info and 'revision="' in info
    assert 'revision="unknown"' not in info  # the git revision of this checkout
    assert httpx.get(base + "/config").status_code == 404  # nothing of the app there


def test_every_response_carries_a_request_id(app):
    given = httpx.get(app.url + "config", headers={"X-Request-ID": "lb-1234"})
    assert given.headers["x-request-id"] == "lb-1234"
    made = httpx.get(app.url + "config", headers={"X-Request-ID": "<script>"})
    assert made.headers["x-request-id"] != "<script>" and len(made.headers["x-request-id"]) == 16
    for path in ("healthz", "readyz", "metrics", "metrics/", "no-such-page"):
        response = httpx.get(app.url + path, headers={"X-Request-ID": f"lb-{path.strip('/')}"})
        assert response.headers["x-request-id"] == f"lb-{path.strip('/')}", path


def test_one_access_line_per_request_with_the_proxys_id(app, caplog):
    caplog.set_level(logging.INFO, logger="gnist.access")
    for path in ("config", "healthz", "readyz", "metrics%2F"):
        httpx.get(app.url + path, headers={"X-Request-ID": "proxy-77"})
    lines = [r for r in caplog.records if r.name == "gnist.access" and r.request_id == "proxy-77"]
    assert [(r.method, r.path, r.status) for r in lines] == [
        ("GET", "/config", 200), ("GET", "/healthz", 200), ("GET", "/readyz", 200), ("GET", "/metrics/", 404)]
    assert all(isinstance(r.duration_ms, int) for r in lines)


def test_a_failing_handler_shows_the_catalog_message_in_the_users_language(app, caplog):
    """What reaches the user is the catalog's text in their language, never the exception's own
    (a driver's message naming host and port); the log line keeps it, with the request's id."""
    from sqlalchemy.exc import OperationalError

    def handler(text: str):
        logging.getLogger("gnist.test").info("handling")
        raise OperationalError("SELECT 1", {}, Exception('connection to server at "127.0.0.1", port 34011 failed'))

    def crashing(text: str, request: gr.Request = None):
        raise KeyError("/var/lib/gnist/web-cache/x")

    with gr.Blocks() as demo:
        box, out = gr.Textbox(), gr.Textbox()
        box.submit(handler, box, out)
        box.change(crashing, box, out)
    catalog = app.container.catalog
    guard_events(demo, catalog, language_of=lambda request: "nn")
    request = gr.Request(headers={"x-request-id": "proxy-88", "accept-language": "en"})
    caplog.set_level(logging.INFO)
    with pytest.raises(gr.Error) as shown:
        demo.fns[0].fn("hei", request)
    assert (shown.value.message, shown.value.title) == (catalog.ui("msg.service_unavailable", "nn"),
                                                        catalog.ui("toast.error", "nn"))
    assert "127.0.0.1" not in shown.value.message and "port" not in shown.value.message
    assert {r.request_id for r in caplog.records if r.name in ("gnist.test", "assistant.ui.errors")} == {"proxy-88"}

    # The language from the browser while the user's choice cannot be read (the database is down).
    def unreadable(request):
        raise OperationalError("SELECT language", {}, Exception("down"))

    with gr.Blocks() as other:
        box, out = gr.Textbox(), gr.Textbox()
        box.change(crashing, box, out)
    guard_events(other, catalog, language_of=unreadable)
    with pytest.raises(gr.Error) as shown:
        other.fns[0].fn("hei", request)
    assert shown.value.message == catalog.ui("msg.unexpected_error", "en")


def test_json_logs_carry_the_request_id(capsys):
    configure_logging("json")
    token = request_id.set("abc123")
    try:
        logging.getLogger("gnist.test").warning("hei")
    finally:
        request_id.reset(token)
        configure_logging("text")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert (line["message"], line["request_id"], line["level"]) == ("hei", "abc123", "WARNING")


@pytest.fixture(scope="module")
def app_behind_proxy(seed_dirs, tmp_path_factory):
    running = g.launch_app(seed_dirs, tmp_path_factory.mktemp("sso") / "data", trusted_user_header="X-Forwarded-User",
                           trusted_email_header="X-Forwarded-Email", trusted_proxies=["127.0.0.1/32"])
    yield running
    running.close()


def test_single_sign_on_header_from_the_proxy_is_the_identity(app_behind_proxy):
    kari = Client(app_behind_proxy.url, verbose=False, headers={"X-Forwarded-User": "kari@bjorkedal.kommune.no"})
    kari.predict(QUESTION, api_name="/respond")
    listed = app_behind_proxy.container.conversations.list("user:kari@bjorkedal.kommune.no")
    assert [c.title for c in listed] == [QUESTION]
    assert "set-cookie" not in httpx.get(app_behind_proxy.url, headers={"X-Forwarded-User": "kari"}).headers
    # Without the header nobody gets in.
    assert httpx.get(app_behind_proxy.url + "config").status_code == 401


def test_a_proxy_on_this_host_that_adds_x_forwarded_for_is_still_the_proxy(app_behind_proxy):
    """Uvicorn must not swap the proxy's address for the browser's (the login header would then be
    stripped as coming from an untrusted address)."""
    headers = {"X-Forwarded-User": "per@lom.kommune.no", "X-Forwarded-For": "203.0.113.7"}
    assert httpx.get(app_behind_proxy.url + "config", headers=headers).status_code == 200
    per = Client(app_behind_proxy.url, verbose=False, headers=headers)
    per.predict(QUESTION, api_name="/respond")
    assert app_behind_proxy.container.conversations.list("user:per@lom.kommune.no")


def test_the_header_is_not_believed_from_other_addresses(seed_dirs, tmp_path):
    running = g.launch_app(seed_dirs, tmp_path / "data", trusted_user_header="X-Forwarded-User",
                           trusted_proxies=["10.0.0.0/8"])
    try:
        response = httpx.get(running.url + "config", headers={"X-Forwarded-User": "kari"})
        assert response.status_code == 401
    finally:
        running.close()
