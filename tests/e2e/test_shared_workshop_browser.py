"""Two colleagues on one canvas in Chromium, each in a browser context of their own (no login): the
owner shares an edit link and a read-only link; each sees the other's change without reloading; the
field's history names who changed what and undo gives the old text back; a comment shows for the
other; the read-only colleague cannot edit; a revoked link stops working at once."""

from __future__ import annotations

import gnist_testapp as g
import pytest
from test_resident_form_browser import panel_violations
from test_workshop_browser import open_workshop, wait_for_text

pytestmark = [pytest.mark.e2e, g.QUIET_GRADIO_WARNINGS]

WHY_NOW = "Hvorfor er det viktig å ta tak i dette nå?"
CHANGE = "Butikken på torget stengte i fjor."


def new_page(browser):
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 1100})
    context.set_default_timeout(30_000)
    return context, context.new_page()


def open_share_panel(page) -> None:
    page.get_by_role("button", name="Del og samarbeid").click()


def make_link(page, role: str) -> str:
    page.locator("#ws-share-role").get_by_label(role, exact=True).check()
    before = page.locator("#ws-share-link textarea, #ws-share-link input").first.input_value()
    page.get_by_role("button", name="Lag lenke", exact=True).click()
    page.wait_for_function(
        "(before) => { const el = document.querySelector('#ws-share-link textarea, #ws-share-link input');"
        " return el && el.value.includes('?lerret=') && el.value !== before; }", arg=before)
    return page.locator("#ws-share-link textarea, #ws-share-link input").first.input_value()


def choose(page, elem_id: str, option: str) -> None:
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option").filter(has_text=option).first.click()


def open_field(page, question: str) -> None:
    """Choose a field (none chosen yet) and wait until its text, history and comments are in place:
    the history comes after the text, so typing before it could be overwritten by the field's text."""
    assert "Endringer i feltet" not in page.locator("#ws-history").inner_text()
    choose(page, "ws-field", question)
    wait_for_text(page, "#ws-history", "Endringer i feltet")


def test_two_colleagues_edit_one_canvas_with_history_undo_comments_roles_and_revoking(app, browser, axe_source):
    contexts = []
    try:
        owner_context, owner = new_page(browser)
        contexts.append(owner_context)
        open_workshop(owner, app.url)
        owner.get_by_label("Kommune", exact=True).fill("Bjørkedal")
        owner.get_by_label("Hva er problemet, med dine egne ord?", exact=True).fill("Sentrum er tomt om kvelden")
        owner.get_by_role("button", name="Start et nytt verksted", exact=True).click()
        owner.locator("#ws-chat [data-testid='bot']").first.wait_for()
        open_share_panel(owner)
        wait_for_text(owner, "#ws-share-status", "Du eier dette verkstedet.")
        edit_link = make_link(owner, "Redigere")
        read_link = make_link(owner, "Bare lese")
        assert edit_link != read_link and edit_link.startswith(app.url.rstrip("/"))
        wait_for_text(owner, "#ws-share-links", "Bare lese · laget")
        assert panel_violations(owner, axe_source, "#ws-share") == []

        # A colleague opens the edit link: the workshop opens in the workshop tab.
        colleague_context, colleague = new_page(browser)
        contexts.append(colleague_context)
        colleague.goto(edit_link)
        wait_for_text(colleague, "#ws-canvas", "Bjørkedal")
        assert colleague.get_by_role("tab", name="Verksted", exact=True).get_attribute("aria-selected") == "true"
        open_share_panel(colleague)
        wait_for_text(colleague, "#ws-share-status", "Du kan redigere.")
        assert not colleague.locator("#ws-share-make").is_visible()  # only the owner shares

        # The colleague's change shows on the owner's canvas without reloading.
        open_field(colleague, WHY_NOW)
        colleague.get_by_label("Ny verdi", exact=True).fill(CHANGE)
        colleague.get_by_role("button", name="Lagre feltet", exact=True).click()
        wait_for_text(colleague, "#ws-history", "Du endret")
        wait_for_text(owner, "#ws-canvas", CHANGE)

        # The owner sees who changed the field and undoes it; the colleague sees the undo.
        open_field(owner, WHY_NOW)
        wait_for_text(owner, "#ws-history", "Gjest ")
        history = owner.locator("#ws-history").inner_text()
        assert "endret" in history and "Før: tomt" in history and CHANGE in history
        owner.get_by_role("button", name="Angre siste endring", exact=True).click()
        wait_for_text(owner, "#ws-history", "Du angret")
        assert CHANGE not in owner.locator("#ws-canvas").inner_text()
        colleague.wait_for_function(
            "(text) => !document.querySelector('#ws-canvas').innerText.includes(text)", arg=CHANGE)
        wait_for_text(colleague, "#ws-history", "angret")

        # A comment on the field shows for the other.
        colleague.get_by_label("Ny kommentar til feltet", exact=True).fill("Har vi tall på dette?")
        colleague.get_by_role("button", name="Legg til kommentar", exact=True).click()
        wait_for_text(owner, "#ws-comments", "Har vi tall på dette?")

        # A read-only colleague sees the canvas but cannot change it.
        reader_context, reader = new_page(browser)
        contexts.append(reader_context)
        reader.goto(read_link)
        wait_for_text(reader, "#ws-canvas", "Bjørkedal")
        open_share_panel(reader)
        wait_for_text(reader, "#ws-share-status", "Du kan bare lese.")
        for control in ("#ws-save-field", "#ws-send", "#ws-undo", "#ws-add-comment"):
            reader.wait_for_function("(sel) => document.querySelector(sel).disabled", arg=control)
        assert reader.locator("#ws-answer textarea").is_disabled()

        # Revoking the edit link: the colleague loses access, and the link no longer opens anything.
        choose(owner, "ws-share-choice", "Redigere")
        owner.get_by_role("button", name="Trekk tilbake lenken", exact=True).click()
        owner.wait_for_function("() => !document.querySelector('#ws-share-links').innerText.includes('Redigere ·')")
        assert "Bare lese ·" in owner.locator("#ws-share-links").inner_text()
        wait_for_text(colleague, "#ws-share-status", "ikke lenger tilgang")
        colleague.get_by_label("Ny verdi", exact=True).fill("Et forsøk til")
        colleague.get_by_role("button", name="Lagre feltet", exact=True).click()
        colleague.get_by_text("Fant ikke verkstedet").first.wait_for()

        late_context, late = new_page(browser)
        contexts.append(late_context)
        late.goto(edit_link)
        late.get_by_text("Lenken virker ikke lenger").first.wait_for()
        assert late.get_by_role("tab", name="Verksted", exact=True).get_attribute("aria-selected") == "false"
        wait_for_text(reader, "#ws-canvas", "Bjørkedal")  # the read-only link still works
    finally:
        for context in contexts:
            context.close()
