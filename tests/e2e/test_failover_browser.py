"""Failover under an open page: two replicas (`python app.py`) on a real PostgreSQL and Chroma
server behind a real HAProxy (sticky cookie, active /readyz checks, as in deploy/haproxy.cfg).
The replica serving the page is killed; without a reload the page goes on on the other one: the
next question continues the same conversation, and the answer typed into the workshop is taken
into the same workshop."""

from __future__ import annotations

import subprocess
import time
from shutil import which

import httpx
import pytest
from gnist_replicas import SECRET, Replica, build_index, replica_environment
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from postgres import PostgresServer, free_port, postgres_bin

from assistant.adapters.database import Database
from assistant.services.conversations import ConversationService
from assistant.ui.identity import COOKIE_NAME, CookieSigner

pytestmark = [pytest.mark.integration]

QUESTIONS = ["Hva koster det å delta i Gnist?", "Hvor lenge varer Gnist-programmet?"]
MUNICIPALITY = "Vang"
PROBLEM = "Sentrum er tomt etter klokka fire"
ANSWER = "Ungdom og eldre som bor i sentrum merker det mest"

HAPROXY = """
global
    maxconn 500
defaults
    mode http
    option redispatch
    retries 3
    timeout connect 2s
    timeout client 1h
    timeout server 1h
frontend public
    bind 127.0.0.1:{port}
    unique-id-format %[uuid()]
    unique-id-header X-Request-ID
    default_backend gnist
backend gnist
    balance roundrobin
    cookie GNISTSRV insert indirect nocache httponly
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 500ms fall 1 rise 2
    server app1 127.0.0.1:{first} check cookie app1
    server app2 127.0.0.1:{second} check cookie app2
"""


@pytest.fixture(scope="module")
def stack(chroma_server, tmp_path_factory):
    if postgres_bin() is None or which("haproxy") is None:
        pytest.skip("PostgreSQL and HAProxy are needed: `make system-deps` installs them")
    tmp = tmp_path_factory.mktemp("failover")
    postgres = PostgresServer.create()
    database_url = postgres.create_database("gnist")
    environment = replica_environment(tmp, database_url, chroma_server)
    build_index(tmp, environment)
    replicas = {name: Replica(environment, tmp / name) for name in ("app1", "app2")}
    port = free_port()
    config = tmp / "haproxy.cfg"
    config.write_text(HAPROXY.format(port=port, first=replicas["app1"].port, second=replicas["app2"].port))
    proxy = subprocess.Popen(["haproxy", "-db", "-f", str(config)], stdout=subprocess.DEVNULL,
                             stderr=(tmp / "haproxy.log").open("w"))
    try:
        for replica in replicas.values():
            replica.wait_ready()
        _wait_for_proxy(port)
        yield f"http://127.0.0.1:{port}/", replicas, database_url
    finally:
        proxy.terminate()
        proxy.wait(timeout=30)
        for replica in replicas.values():
            replica.stop()
        postgres.remove()


def _wait_for_proxy(port: int) -> None:
    """Until HAProxy forwards to a replica its checks found ready (before that it answers 503, and a
    page opened then never loads)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("HAProxy forwards to no ready replica")


def _ask(page, question: str) -> None:
    before = page.locator("#chat [data-testid='bot']").count()
    page.get_by_label("Spørsmålet ditt", exact=True).fill(question)
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_function(
        """(before) => {
            const bots = document.querySelectorAll('#chat [data-testid="bot"]');
            return bots.length > before && /\\[\\d+\\]/.test(bots[bots.length - 1].innerText);
        }""", arg=before, timeout=90_000)


def _taken_or_reloaded(page) -> str:
    """Whether the answer reached the canvas, or the page reloaded itself first."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            state = page.evaluate(
                "(answer) => !window.gnistBeforeFailover ? 'reloaded'"
                " : document.querySelector('#ws-canvas')?.innerText.includes(answer) ? 'taken' : ''", ANSWER)
        except PlaywrightError:  # the page is between two documents
            state = ""
        if state:
            return state
        time.sleep(0.5)
    raise AssertionError("the answer was neither taken nor the page reloaded")


def _wait_for_text(page, selector: str, text: str) -> None:
    page.wait_for_function(
        "([selector, text]) => { const el = document.querySelector(selector);"
        " return !!el && el.innerText.includes(text); }", arg=[selector, text], timeout=90_000)


def test_an_open_page_goes_on_on_the_other_replica(stack, browser, artifacts):
    url, replicas, database_url = stack
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        page.goto(url)
        # A replica's first page warms its caches; on a busy machine that took over a minute.
        page.locator(".gnist-loaded").first.wait_for(state="attached", timeout=180_000)
        _ask(page, QUESTIONS[0])
        page.get_by_role("tab", name="Verksted", exact=True).click()
        page.get_by_label("Kommune", exact=True).fill(MUNICIPALITY)
        page.get_by_label("Hva er problemet, med dine egne ord?", exact=True).fill(PROBLEM)
        page.get_by_role("button", name="Start et nytt verksted", exact=True).click()
        _wait_for_text(page, "#ws-canvas", PROBLEM)

        cookies = {cookie["name"]: cookie["value"] for cookie in context.cookies()}
        serving = replicas[cookies["GNISTSRV"]]
        page.evaluate("window.gnistBeforeFailover = true")
        serving.kill()
        time.sleep(2)  # HAProxy's check marks it down (or redispatches the first request)

        # The workshop: the typed answer goes into the same workshop on the other replica.
        box = page.get_by_label("Svaret ditt", exact=True)
        box.fill(ANSWER)
        page.get_by_role("button", name="Send svaret", exact=True).click()
        if _taken_or_reloaded(page) == "reloaded":
            # Gradio reloads the page once it reconnects after a lost connection (when a request was
            # in flight to the replica that died). The reload keeps the user's place: the workshop
            # tab, the workshop, and the answer that was typed; sending it again takes it.
            page.locator(".gnist-loaded").first.wait_for(state="attached", timeout=180_000)
            expect(page.get_by_role("tab", name="Verksted", exact=True)).to_have_attribute("aria-selected", "true")
            _wait_for_text(page, "#ws-canvas", PROBLEM)
            if ANSWER not in page.locator("#ws-canvas").inner_text():
                expect(box).to_have_value(ANSWER)
                page.get_by_role("button", name="Send svaret", exact=True).click()
        _wait_for_text(page, "#ws-canvas", ANSWER)
        expect(box).to_have_value("")  # taken, not refused

        # The chat: the next question continues the conversation the page shows.
        page.get_by_role("tab", name="Spør", exact=True).click()
        _ask(page, QUESTIONS[1])
        page.screenshot(path=str(artifacts / "failover-after.png"))
        assert page.locator(".toast-wrap .toast-body.error").all_inner_texts() == []
    finally:
        context.close()

    owner = CookieSigner(SECRET.encode()).owner_of(cookies[COOKIE_NAME])
    database = Database(database_url)
    conversations = ConversationService(database)
    listed = conversations.list(owner)
    assert len(listed) == 1, [c.title for c in listed]
    asked = [m.content for m in conversations.messages(owner, listed[0].id) if m.role == "user"]
    assert asked == QUESTIONS
    database.dispose()
