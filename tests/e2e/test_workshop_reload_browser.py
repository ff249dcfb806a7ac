"""Issue 25's first-use frictions in the workshop, in Chromium, each in the language it was found in:
a reload reopens the workshop the tab had open with its conversation (for its owner and for a
colleague, only while they may), answers keep the items the user wrote with the count said right,
the similar cases say the jury's lead-in once, and a Nynorsk colleague opening a shared link gets
the page and the steps in Nynorsk and a welcome that fits a first visit.

Every wait is for the app's own output (a text in the chat, the canvas, a panel), never a sleep."""

from __future__ import annotations

import gnist_testapp as g
import pytest
from test_shared_workshop_browser import choose, make_link, open_share_panel
from test_workshop_browser import open_workshop, send_answer, wait_for_last_bot, wait_for_text

pytestmark = [pytest.mark.e2e, g.QUIET_GRADIO_WARNINGS]

VANG = "Sentrum er dødt etter klokka fire"
LOM = "Ungdommen har ingen steder å være om kvelden"
NOME = "Det mangler boliger for unge voksne"


@pytest.fixture
def contexts(browser):
    made = []

    def new_page(locale: str = "nb-NO"):
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 1100})
        context.set_default_timeout(30_000)
        made.append(context)
        return context.new_page()

    yield new_page
    for context in made:
        context.close()


def start(page, municipality: str, problem: str) -> None:
    """A new workshop, once its first question is in the chat and its name on the canvas."""
    page.get_by_label("Kommune", exact=True).fill(municipality)
    page.get_by_label("Hva er problemet, med dine egne ord?", exact=True).fill(problem)
    page.get_by_role("button", name="Start et nytt verksted", exact=True).click()
    wait_for_text(page, "#ws-canvas", municipality)
    wait_for_text(page, "#ws-chat", problem)


def reload_until_loaded(page) -> None:
    page.reload()
    page.locator(".gnist-loaded").first.wait_for(state="attached")


def test_a_reload_reopens_the_open_workshop_with_its_conversation_while_the_user_may(app, contexts):
    owner = contexts()
    open_workshop(owner, app.url)
    start(owner, "Vang", VANG)
    send_answer(owner, "Unge voksne\nPendlere")
    wait_for_last_bot(owner, "Jeg noterte to punkter")
    start(owner, "Lom", LOM)  # now the latest workshop
    choose(owner, "ws-list", "Vang:")
    wait_for_text(owner, "#ws-canvas", "Vang")

    # The owner reloads: the workshop the tab had open (not the latest), with the conversation so far.
    reload_until_loaded(owner)
    wait_for_text(owner, "#ws-chat", "Velkommen tilbake!")
    chat = owner.locator("#ws-chat").inner_text()
    assert VANG in chat and "Unge voksne" in chat and "Pendlere" in chat and LOM not in chat
    assert "Vang" in owner.locator("#ws-canvas").inner_text()
    assert owner.get_by_role("tab", name="Verksted", exact=True).get_attribute("aria-selected") == "true"

    # A colleague with a workshop of their own joins Vang through a link, then goes to the app's own
    # address and reloads there: Vang again (the tab had it open), not the colleague's latest.
    open_share_panel(owner)
    link = make_link(owner, "Redigere")
    colleague = contexts()
    open_workshop(colleague, app.url)
    start(colleague, "Nome", NOME)
    colleague.goto(link)
    wait_for_text(colleague, "#ws-canvas", "Vang")
    open_workshop(colleague, app.url)
    wait_for_text(colleague, "#ws-canvas", "Vang")
    reload_until_loaded(colleague)
    wait_for_text(colleague, "#ws-chat", "Pendlere")
    assert "Vang" in colleague.locator("#ws-canvas").inner_text()

    # The owner takes the link back: the colleague's next reload opens their own workshop instead.
    choose(owner, "ws-share-choice", "Redigere")
    owner.get_by_role("button", name="Trekk tilbake lenken", exact=True).click()
    owner.wait_for_function("() => !document.querySelector('#ws-share-links').innerText.includes('Redigere ·')")
    reload_until_loaded(colleague)
    wait_for_text(colleague, "#ws-canvas", "Nome")
    assert VANG not in colleague.locator("#ws-chat").inner_text()


def test_answer_items_are_kept_as_written_and_counted_right(app, contexts):
    page = contexts()
    open_workshop(page, app.url)
    start(page, "Vang", VANG)
    send_answer(page, "Unge voksne, særlig de som pendler\nBarnefamilier; de med små barn\n"
                      "- Butikkeierne i sentrum\nEldre som bor alene")
    wait_for_last_bot(page, "Jeg noterte fire punkter: «Unge voksne, særlig de som pendler»; "
                            "«Barnefamilier; de med små barn»; «Butikkeierne i sentrum»; «Eldre som bor alene»")
    canvas = page.locator("#ws-canvas").inner_text()
    assert "Unge voksne, særlig de som pendler" in canvas and "Barnefamilier; de med små barn" in canvas
    send_answer(page, "Et levende sentrum med kafé, bibliotek og kontorfellesskap forsvinner")
    wait_for_last_bot(page, "Jeg noterte ett punkt: «Et levende sentrum med kafé, bibliotek og kontorfellesskap")


def test_similar_cases_say_the_jury_lead_in_once(app, contexts):
    page = contexts()
    open_workshop(page, app.url)
    page.get_by_role("button", name="Lignende Gnist-caser").click()
    for municipality, problem, lead_in, label in (
            ("Vang", VANG, "Juryen la vekt på at", "Juryen la vekt på:"),
            # The English text of the same case opened with another lead-in than the English label.
            ("Vang", "The town centre is dead after four o'clock", "The jury valued", "The jury emphasised")):
        start(page, municipality, problem)
        wait_for_text(page, "#ws-similar", lead_in)
        shown = page.locator("#ws-similar").inner_text()
        assert shown.count(lead_in) == 1 and label not in shown, shown


def test_a_nynorsk_colleague_gets_nynorsk_and_a_first_visit_welcome(app, contexts):
    owner = contexts("nb-NO")
    open_workshop(owner, app.url)
    start(owner, "Vang", VANG)
    open_share_panel(owner)
    link = make_link(owner, "Redigere")

    colleague = contexts("nn-NO")
    colleague.goto(link)
    wait_for_text(colleague, "#ws-canvas", "Vang", timeout=60_000)  # a first page load on a busy machine
    wait_for_last_bot(colleague, "har delt denne verkstaden med deg")
    chat = colleague.locator("#ws-chat").inner_text()
    assert "Velkomen tilbake" not in chat and "Velkommen" not in chat
    colleague.wait_for_function("() => document.documentElement.lang === 'nn'")
    assert colleague.get_by_role("tab", name="Verkstad", exact=True).get_attribute("aria-selected") == "true"
    wait_for_text(colleague, "#ws-progress", "Behov og ressursar")
    assert "Behov og ressurser" not in colleague.locator("#ws-progress").inner_text()

    # Back again: now a welcome back, still in Nynorsk; the owner's workshop is still Bokmål.
    colleague.reload()
    wait_for_last_bot(colleague, "Velkomen tilbake til verkstaden")
    wait_for_text(owner, "#ws-progress", "Behov og ressurser")
