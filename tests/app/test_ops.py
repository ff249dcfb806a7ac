"""Operations for a shared deployment (issue 12): /healthz and /readyz for load balancers,
Prometheus metrics, a request id on every response, and single sign-on through a trusted
reverse-proxy header (accepted only from the proxy's addresses)."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from gradio_client import Client

import gnist_testapp as g
from assistant.ui.ops import configure_logging, request_id

pytestmark = [pytest.mark.integration, g.QUIET_GRADIO_WARNINGS]

QUESTION = "Hva koster det å delta i Gnist?"


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
    text = httpx.get(app.url + "metrics").text
    counted = {line.split("{")[1].split("}")[0]: float(line.rsplit(" ", 1)[1])
               for line in text.splitlines() if line.startswith("gnist_answers_total{")}
    assert sum(counted.values()) >= 1 and all(key.startswith('mode="') for key in counted), counted
    assert "gnist_answer_seconds_count" in text and "gnist_ingest_queue_length 0.0" in text
    assert "gnist_llm_failures_total 0.0" in text
    active = next(line for line in text.splitlines() if line.startswith("gnist_active_sessions "))
    assert float(active.split()[1]) >= 1


def test_every_response_carries_a_request_id(app):
    given = httpx.get(app.url + "config", headers={"X-Request-ID": "lb-1234"})
    assert given.headers["x-request-id"] == "lb-1234"
    made = httpx.get(app.url + "config", headers={"X-Request-ID": "<script>"})
    assert made.headers["x-request-id"] != "<script>" and len(made.headers["x-request-id"]) == 16


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
