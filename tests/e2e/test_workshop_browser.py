"""The workshop tab in a real browser (Debian chromium + Playwright): start a workshop, answer the
guided questions, watch the progress and the live canvas follow, go to the end, and download the
Word drafts from the final step, which sits right under the conversation.

Controls are found by their accessible label or role ("Kommune", "Svaret ditt", the "Send svaret"
button, the "Verksted" tab, the "Utkast" accordion): if a label goes missing, these tests fail.
Every wait is for text on the page, never a fixed sleep."""

from __future__ import annotations

import io
import re
import sqlite3

import docx
import gnist_testapp as g
import pytest
from test_browser import run_axe

pytestmark = [pytest.mark.e2e, g.QUIET_GRADIO_WARNINGS]

MUNICIPALITY = "Vang"
PROBLEM = "Sentrum er dødt etter klokka fire"
SOLUTION = "Vi trenger et kjøpesenter"
ANSWERS = [
    # (answer, text that must then show in the canvas, the next question)
    ("Unge voksne, barnefamilier og butikkeierne i sentrum", "butikkeierne i sentrum",
     "Hva skjer hvis ingen gjør noe?"),
    ("Butikker legger ned\nUnge flytter ut", "Unge flytter ut", "Hvorfor er det viktig å ta tak i dette nå?"),
    # The step is done: it folds to one line with its first answer.
    ("Ny sentrumsplan skal vedtas neste år.", "✓ 1. Problemet (ferdig) · Sentrum er dødt etter klokka fire",
     "Skriv behovet i én setning"),
]


@pytest.fixture
def page(browser, app):
    """A fresh context (no local storage) in Norwegian that keeps downloads."""
    context = browser.new_context(locale="nb-NO", accept_downloads=True, viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


def open_workshop(page, url: str) -> None:
    page.goto(url)
    page.get_by_role("tab", name="Verksted", exact=True).wait_for()
    # The load event has resolved the owner when the browser holds its id (gr.BrowserState).
    # Starting before that would save the workshop under the session instead of the browser.
    page.locator(".gnist-loaded").first.wait_for(state="attached")
    page.get_by_role("tab", name="Verksted", exact=True).click()
    page.get_by_label("Hva er problemet, med dine egne ord?", exact=True).wait_for()


def wait_for_text(page, selector: str, text: str, timeout: int = 30_000) -> None:
    page.wait_for_function(
        "([selector, text]) => { const el = document.querySelector(selector);"
        " return !!el && el.innerText.includes(text); }",
        arg=[selector, text], timeout=timeout)


def wait_for_last_bot(page, text: str, count: int | None = None) -> None:
    """Until the newest workshop bot message contains ``text`` (and there are ``count`` of them)."""
    page.wait_for_function(
        """([text, count]) => {
            const bots = document.querySelectorAll('#ws-chat [data-testid="bot"]');
            if (!bots.length || (count !== null && bots.length !== count)) return false;
            return bots[bots.length - 1].innerText.includes(text);
        }""",
        arg=[text, count], timeout=30_000)


def stored_owners(app, problem: str) -> list[str]:
    """Who the app saved workshops with this problem for (read straight from its database)."""
    with sqlite3.connect(app.container.settings.database_path) as db:
        rows = db.execute("SELECT owner FROM workshop_canvases WHERE raw_problem = ?", (problem,)).fetchall()
    return [row[0] for row in rows]


def send_answer(page, text: str) -> None:
    box = page.get_by_label("Svaret ditt", exact=True)
    box.fill(text)
    page.get_by_role("button", name="Send svaret", exact=True).click()


def test_a_workshop_from_first_question_to_a_word_draft(app, page, artifacts, tmp_path, axe_source):
    open_workshop(page, app.url)
    page.get_by_label("Kommune", exact=True).fill(MUNICIPALITY)
    page.get_by_label("Hva er problemet, med dine egne ord?", exact=True).fill(PROBLEM)
    page.get_by_role("button", name="Start et nytt verksted", exact=True).click()

    # The first guided question, the progress and the canvas.
    wait_for_last_bot(page, "Hvem merker problemet?", count=1)
    assert "Steg 1 av 12: Problemet" in page.locator("#ws-chat [data-testid='bot']").last.inner_text()
    wait_for_text(page, "#ws-progress", "→ 1. Problemet")
    wait_for_text(page, "#ws-canvas", f"{MUNICIPALITY} · 0 %")
    assert PROBLEM in page.locator("#ws-canvas").inner_text()

    # A solution where the need belongs: a kind push-back, the same question again.
    send_answer(page, SOLUTION)
    wait_for_last_bot(page, "høres ut som en løsning", count=2)
    assert "Hvem merker problemet?" in page.locator("#ws-chat [data-testid='bot']").last.inner_text()
    wait_for_text(page, "#ws-canvas", "Løsningsideer (parkert til senere)")

    # Answers move the workshop on; the canvas shows each one as it is captured.
    for n, (text, shown, next_question) in enumerate(ANSWERS, start=3):
        send_answer(page, text)
        wait_for_last_bot(page, next_question, count=n)
        wait_for_text(page, "#ws-canvas", shown)
        assert page.get_by_label("Svaret ditt", exact=True).input_value() == ""
    wait_for_text(page, "#ws-progress", "✓ 1. Problemet")
    wait_for_text(page, "#ws-progress", "→ 2. Behov og ressurser")
    wait_for_text(page, "#ws-canvas", f"{MUNICIPALITY} · 8 %")
    # The user's own messages are in the chat too.
    users = page.locator("#ws-chat [data-testid='user']")
    assert users.first.inner_text().strip() == PROBLEM
    assert SOLUTION in users.nth(1).inner_text()
    # With a conversation that scrolls, the tab still meets WCAG 2.1 AA (the chat takes focus).
    assert run_axe(page, axe_source, "workshop-in-progress", artifacts) == []

    # The workshop is chosen under "Mine verksteder" and stored for this browser's owner (on a
    # first visit the page's first session id, which gr.BrowserState then keeps across reloads),
    # with everything answered so far.
    assert page.get_by_label("Mine verksteder", exact=True).input_value().startswith(f"{MUNICIPALITY}: {PROBLEM}")
    owners = stored_owners(app, PROBLEM)
    assert len(owners) == 1 and owners[0].startswith("anon:"), owners
    listed = app.container.workshop.list(owners[0])
    assert len(listed) == 1 and listed[0].completed == 1
    stored = app.container.workshop.get(owners[0], listed[0].id)
    assert stored.need.consequences == ["Butikker legger ned", "Unge flytter ut"]
    assert stored.solution_ideas == ["et kjøpesenter"]

    # To the end: skip the remaining steps. Finished steps fold, so the page stays short.
    for _ in range(12):
        if "Ferdig: kvalitetssjekk og utkast" in page.locator("#ws-chat [data-testid='bot']").last.inner_text():
            break
        count = page.locator("#ws-chat [data-testid='bot']").count()
        page.get_by_role("button", name="Hopp over steget", exact=True).click()
        page.wait_for_function("n => document.querySelectorAll('#ws-chat [data-testid=\"bot\"]').length > n",
                               arg=count)
    wait_for_last_bot(page, "Rett under samtalen finner du «Ferdig: kvalitetssjekk og utkast»")

    # The final step: in view right under the conversation, with the jury's findings and the drafts.
    final = page.locator("#ws-final")
    final.wait_for(state="visible")
    wait_for_text(page, "#ws-final-text", "Ferdig: kvalitetssjekk og utkast")
    wait_for_text(page, "#ws-final-findings", "Politisk forankring")
    findings = page.locator("#ws-final-findings").inner_text()
    assert "Mangler · Forankring · Politisk forankring" in findings
    assert "need.evidence" not in findings and "political_backing" not in findings
    chat_box, final_box = page.locator("#ws-chat").bounding_box(), final.bounding_box()
    assert 0 <= final_box["y"] - (chat_box["y"] + chat_box["height"]) < 60, (chat_box, final_box)
    files_box = page.locator("#ws-final-files").bounding_box()  # the downloads come before the findings
    assert files_box["y"] < page.locator("#ws-final-findings").bounding_box()["y"]
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"page height at the end: {height} px")
    assert height < 3500, height  # it reached 9,400 px before steps folded
    wait_for_text(page, "#ws-canvas", "↷ 12. Forankring")

    links = page.locator("#ws-final-files a[download]")
    links.first.wait_for()
    names = sorted(links.nth(i).get_attribute("download") for i in range(links.count()))
    assert names == ["gnist-designbrief-vang.docx", "gnist-sjekkliste-vang.docx", "gnist-soknad-vang.docx",
                     "gnist-utfordring-vang.docx", "gnist-verkstedplan-vang.docx"], names
    application = page.locator("#ws-final-files a[download='gnist-soknad-vang.docx']")
    with page.expect_download() as info:
        application.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    document = docx.Document(io.BytesIO(saved.read_bytes()))
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297  # A4
    first = document.paragraphs[0]
    assert (first.style.name, first.text) == ("Title", f"Søknad til Gnist: {MUNICIPALITY}")
    assert document.core_properties.author == f"{MUNICIPALITY} kommune"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Problemet merkes særlig av unge voksne, barnefamilier og butikkeierne i sentrum." in text
    assert "Hvis ingen gjør noe, får det følger. Butikker legger ned. Unge flytter ut." in text
    assert "[Mangler: politisk forankring – beskriv vedtak eller støtte]" in text  # gaps marked in place
    assert "kjøpesenter" not in text  # a parked solution idea is not the challenge

    page.screenshot(path=str(artifacts / "workshop.png"), full_page=True)


def skip_to_the_end(page, done: str) -> None:
    for _ in range(14):
        if done in page.locator("#ws-chat [data-testid='bot']").last.inner_text():
            return
        count = page.locator("#ws-chat [data-testid='bot']").count()
        page.get_by_role("button", name="Hopp over steget", exact=True).click()
        page.wait_for_function("n => document.querySelectorAll('#ws-chat [data-testid=\"bot\"]').length > n",
                               arg=count)


def downloaded_text(page, name: str, tmp_path) -> str:
    """The text of a Word file downloaded from the final step."""
    with page.expect_download() as info:
        page.locator(f"#ws-final-files a[download='{name}']").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    return "\n".join(p.text for p in docx.Document(io.BytesIO(saved.read_bytes())).paragraphs)


def test_a_nynorsk_workshop_drafts_in_nynorsk(app, page, tmp_path):
    """A workshop begun in Nynorsk asks in Nynorsk, and its drafts (from the final step and from
    «Utkast» with the default language) are in Nynorsk, the «before sending» checklist a document
    of its own."""
    open_workshop(page, app.url)
    page.get_by_label("Kommune", exact=True).fill("Nordal")
    page.get_by_label("Hva er problemet, med dine egne ord?", exact=True).fill(
        "Dei unge flyttar frå bygda og kjem ikkje att")
    page.get_by_role("button", name="Start et nytt verksted", exact=True).click()
    wait_for_last_bot(page, "Kven merkar problemet?", count=1)
    send_answer(page, "unge vaksne, ungdom og bedrifter som treng folk")
    wait_for_last_bot(page, "Kva skjer", count=2)

    skip_to_the_end(page, "Rett under samtalen finn du")
    wait_for_text(page, "#ws-final-findings", "Politisk forankring")
    links = page.locator("#ws-final-files a[download]")
    links.first.wait_for()
    names = sorted(links.nth(i).get_attribute("download") for i in range(links.count()))
    assert "gnist-sjekkliste-nordal.docx" in names and "gnist-soknad-nordal.docx" in names, names
    text = downloaded_text(page, "gnist-soknad-nordal.docx", tmp_path)
    assert "Problemet blir særleg merka av unge vaksne, ungdom og bedrifter som treng folk." in text
    assert "[Manglar: politisk forankring" in text and "Før innsending" not in text
    checklist = downloaded_text(page, "gnist-sjekkliste-nordal.docx", tmp_path)
    assert "Kvalitetssjekken les søknaden slik ein jury gjer." in checklist

    # «Utkast» with its default language («Same as the workshop») writes Nynorsk too.
    page.get_by_role("button", name=re.compile(r"^\s*Utkast\b")).click()  # the accordion (its name ends in ▼)
    page.get_by_role("button", name="Vis utkastet", exact=True).click()
    wait_for_text(page, "#ws-draft", "Utfordringa")
    assert "Problemet blir særleg merka av" in page.locator("#ws-draft").inner_text()
