"""Programme staff keep the knowledge current, in Chromium against two app processes on one
PostgreSQL database (issue 22): a question goes badly on replica A (thumbs down with a comment),
shows up in the administrator's view, a card is written from its group, a wrong number is refused
with the reason, the card is published, and the same question gets the card on replica B without
a restart. The time from the failed question to the published card is printed (a measurement,
not an assertion). And in nb, nn and en: an administrator publishes a knowledge file in the admin
tab, the chat answers from it and cites it, and after undo the fact is gone (on the other replica
too)."""

from __future__ import annotations

import os
import secrets
import shutil
import time

import pytest
from knowledge_cards import CARD_ID, QUESTION, card_text
from postgres import PostgresServer, postgres_bin
from test_replicas import Replica

from assistant.settings import REPO_ROOT

pytestmark = [pytest.mark.e2e]

KNOWLEDGE_FILES = ["programmet/delta-i-gnist.md", "programmet/runde-2023.md"]
STAFF = {"X-Forwarded-User": "kari@bjorkedal.kommune.no", "X-Forwarded-Groups": "ansatte"}
ADMIN = {"X-Forwarded-User": "anne@fylket.no", "X-Forwarded-Groups": "ansatte,gnist-admin"}
COMMENT = "Svaret sa ingenting om fristen i 2025"


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    if postgres_bin() is None:
        pytest.skip("PostgreSQL binaries (initdb) are not installed: `make system-deps` installs them")
    server = PostgresServer.create()
    tmp = tmp_path_factory.mktemp("knowledge-admin")
    for rel in KNOWLEDGE_FILES:
        (tmp / "knowledge" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO_ROOT / "knowledge" / rel, tmp / "knowledge" / rel)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GNIST_")} | {
        "GNIST_KNOWLEDGE_DIR": str(tmp / "knowledge"), "GNIST_DATABASE_URL": server.create_database("gnist"),
        "GNIST_SECRET_KEY": secrets.token_urlsafe(32), "GNIST_TRUSTED_USER_HEADER": "X-Forwarded-User",
        "GNIST_TRUSTED_GROUPS_HEADER": "X-Forwarded-Groups", "GNIST_ADMIN_GROUP": "gnist-admin",
        "GNIST_TRUSTED_PROXIES": '["127.0.0.1/32"]', "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    started = [Replica(environment, tmp / name) for name in ("replica-a", "replica-b")]
    try:
        for replica in started:
            replica.wait_ready(timeout=400)
        yield started
    finally:
        for replica in started:
            if replica.process.poll() is None:
                replica.process.terminate()
                replica.process.wait(timeout=30)
        server.remove()


def page_for(browser, url: str, headers: dict):
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 1100}, extra_http_headers=headers)
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(url)
    page.locator(".gnist-loaded").first.wait_for(state="attached")
    return context, page


def ask(page, question: str) -> str:
    """The newest answer's text once it is complete (by element ids: in any language)."""
    bots = page.locator("#chat [data-testid='bot']")
    before = bots.count()
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    page.wait_for_function("(n) => document.querySelectorAll('#chat [data-testid=\"bot\"]').length > n", arg=before)
    page.locator("#chat .status-tracker:not(.hide), #chat [data-testid='status-tracker']:not(.hide)").first.wait_for(
        state="hidden", timeout=60_000)
    return bots.last.inner_text()


def wait_for_text(page, selector: str, text: str) -> None:
    page.wait_for_function("([s, t]) => { const el = document.querySelector(s); return el && "
                           "el.innerText.includes(t); }",
                           arg=[selector, text], timeout=60_000)


def test_a_failed_question_becomes_a_card_that_answers_on_the_other_replica(replicas, browser):
    a, b = replicas
    contexts = []
    try:
        staff_context, staff = page_for(browser, a.url, STAFF)
        contexts.append(staff_context)
        started = time.perf_counter()
        first = ask(staff, QUESTION)
        assert "fristen står ikke i kildene" not in first
        staff.get_by_label("Kommentar til svaret (valgfritt)", exact=True).fill(COMMENT)
        staff.get_by_role("button", name="Nei, ikke nyttig", exact=True).click()
        staff.wait_for_function("() => !document.querySelector('textarea[data-testid=\"textbox\"]')"
                                " || [...document.querySelectorAll('textarea')].every(t => !t.value.includes('fristen "
                                "i 2025'))")

        admin_context, admin = page_for(browser, a.url, ADMIN)
        contexts.append(admin_context)
        admin.get_by_role("tab", name="Administrasjon").click()
        admin.locator("#kadmin-failed-show").click()
        wait_for_text(admin, "#kadmin-failed", QUESTION)
        wait_for_text(admin, "#kadmin-failed", COMMENT)
        admin.locator("#kadmin-from-group").click()
        admin.wait_for_function("() => (document.querySelector('#kadmin-card-text textarea') || "
                                "{}).value?.includes('paraphrases')")
        assert QUESTION in admin.locator("#kadmin-card-text textarea").input_value()

        admin.locator("#kadmin-card-id input, #kadmin-card-id textarea").first.fill(CARD_ID)
        admin.locator("#kadmin-card-text textarea").fill(card_text("350 000"))
        admin.locator("#kadmin-card-check").click()
        wait_for_text(admin, "#kadmin-card-status", "Kortet kan ikke publiseres")
        assert "350000" in admin.locator("#kadmin-card-status").inner_text()
        admin.locator("#kadmin-card-publish").click()
        wait_for_text(admin, "#kadmin-card-status", "350000")
        assert "Publisert" not in admin.locator("#kadmin-card-status").inner_text()

        admin.locator("#kadmin-card-text textarea").fill(card_text())
        admin.locator("#kadmin-card-check").click()
        wait_for_text(admin, "#kadmin-card-status", "Kortet er i orden")
        wait_for_text(admin, "#kadmin-card-status", "fristen står ikke i kildene")  # the nb preview
        admin.locator("#kadmin-card-publish").click()
        wait_for_text(admin, "#kadmin-card-status", "Publisert")
        seconds = time.perf_counter() - started
        wait_for_text(admin, "#kadmin-history", "anne@fylket.no")
        print(f"\nfrom the failed question to the published card: {seconds:.1f} s")

        other_context, other = page_for(browser, b.url, STAFF)
        contexts.append(other_context)
        answer = ask(other, QUESTION)
        assert "fristen står ikke i kildene" in answer and "Sist kontrollert: 2026-12-07" in answer
    finally:
        for context in contexts:
            context.close()


# A knowledge file per language: an administrator whose browser speaks it publishes the file in the
# admin tab, asks about it in the chat (cited), and undoes the publication (the fact is gone).
FILES = {
    "nb": ("nb-NO", "programmet/fagsamling-roros.md", "Kvitfjellseminaret",
           "Hva het fagsamlingen som ble holdt på Røros?",
           "Den tredje fagsamlingen i Gnist 2025 het Kvitfjellseminaret og ble holdt på Røros 14. mai 2025.",
           "Filen er publisert", "Endringen er angret"),
    "nn": ("nn-NO", "programmet/fagsamling-vaga.md", "Jotunseminaret", "Kva heitte fagsamlinga som vart halden i Vågå?",
           "Den tredje fagsamlinga i Gnist 2025 heitte Jotunseminaret og vart halden i Vågå 14. mai 2025.",
           "Fila er publisert", "Endringa er angra"),
    "en": ("en-GB", "programmet/workshop-alta.md", "Finnmarksseminaret", "What was the workshop held in Alta called?",
           "The third workshop of Gnist 2025 was called Finnmarksseminaret and was held in Alta on 14 May 2025.",
           "The file is published", "The change has been undone"),
}


def fact_file(language: str, fact: str) -> str:
    return (f'---\ntitle: Gnist 2025\nrounds: ["2025"]\nlanguage: {language}\n---\n# Gnist 2025\n\n'
            f"## Fagsamling\n\n{fact}\n")


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_a_published_file_is_cited_in_the_chat_and_gone_after_undo(replicas, browser, language):
    a, b = replicas
    locale, path, marker, question, fact, published, undone = FILES[language]
    admin_headers = {**ADMIN, "X-Forwarded-User": f"admin-{language}@fylket.no"}
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 1100},
                                  extra_http_headers=admin_headers)
    context.set_default_timeout(60_000)
    try:
        admin = context.new_page()
        admin.goto(a.url)
        admin.locator(".gnist-loaded").first.wait_for(state="attached")
        chat = context.new_page()
        chat.goto(a.url)
        chat.locator(".gnist-loaded").first.wait_for(state="attached")
        assert marker not in ask(chat, question)

        admin.locator("button[role='tab']", has_text="Administra").click()
        admin.locator("#kadmin-file-path input, #kadmin-file-path textarea").first.fill(path)
        admin.locator("#kadmin-file-text textarea").fill(fact_file(language, fact))
        admin.locator("#kadmin-file-publish").click()
        wait_for_text(admin, "#kadmin-file-status", published)
        wait_for_text(admin, "#kadmin-file-history", f"admin-{language}@fylket.no")

        assert marker in ask(chat, question)  # on the replica where it was published, at once
        wait_for_text(chat, "#sources", path.rsplit("/", 1)[-1])  # cited

        admin.locator("#kadmin-file-edit input").click()
        admin.get_by_role("option").first.click()
        admin.locator("#kadmin-file-rollback").click()
        wait_for_text(admin, "#kadmin-file-status", undone)
        assert marker not in ask(chat, question)

        if language == "nb":  # the other replica syncs in the background after its next search
            other = context.new_page()
            other.goto(b.url)
            other.locator(".gnist-loaded").first.wait_for(state="attached")
            deadline = time.monotonic() + 300
            while marker in ask(other, question) and time.monotonic() < deadline:
                time.sleep(2)
            assert marker not in ask(other, question)
    finally:
        context.close()
