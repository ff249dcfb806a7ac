"""The theme view of «Innbyggerinnspill» in Chromium, in Nynorsk: twelve residents answer from a
phone-sized page (the public form, in the workshop's language whatever the phone's), «Finn tema»
groups them into themes of the municipal list, a mistake is said in the panel's status line (no
English toast, no overlay that blocks the controls), a theme is renamed in Nynorsk, the panel is
axe clean, and «Flytt til lerretet» puts the theme's evidence line into the canvas without a reload."""

from __future__ import annotations

import gnist_testapp as g
import pytest
from test_resident_form_browser import PHONE, panel_violations
from test_workshop_browser import wait_for_text

pytestmark = [pytest.mark.e2e, g.QUIET_GRADIO_WARNINGS]

# Typed on phones, Bokmål and Nynorsk mixed, five themes plain to any reader.
INPUTS = [
    "fins ikkje husvære å leige her", "umulig å få leid leilighet for oss unge", "leilegheiter til leige trengs!!",
    "mor mi venter 3 mnd på sjukeheimsplass", "for lang ventetid hos fastlegen",
    "kino og konsertar oftare takk", "savner et kulturhus med scene",
    "mobildekninga e elendig på heile øya", "Fiber til alle, nettet er alt for tregt",
    "skulevegen e farleg for ungane, ingen fortau", "barnehage plass tok 8 mnd å få", "ok",
]


def start_nynorsk_workshop(page, url: str) -> None:
    page.goto(url)
    page.locator(".gnist-loaded").first.wait_for(state="attached")
    page.get_by_role("radio", name="Nynorsk", exact=True).check()
    page.get_by_role("tab", name="Verkstad", exact=True).click()
    page.get_by_label("Kva er problemet, med dine eigne ord?", exact=True).fill(
        "Ungdomane flyttar ut fordi det ikkje finst noko å gjere her om kveldane")
    page.get_by_label("Kommune", exact=True).fill("Bjørkedal")
    page.get_by_role("button", name="Start ein ny verkstad", exact=True).click()
    page.locator("#ws-chat [data-testid='bot']").first.wait_for()
    page.get_by_role("button", name="Innbyggjarinnspel").click()


def send_from_phones(browser, link: str) -> None:
    """Each input from its own phone (a Bokmål one: the form follows the workshop's language)."""
    phone = browser.new_context(locale="nb-NO", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    phone.set_default_timeout(30_000)
    try:
        page = phone.new_page()
        for n, text in enumerate(INPUTS):
            phone.clear_cookies()  # another phone: its own device cookie
            page.set_extra_http_headers({"x-forwarded-for": f"198.51.100.{20 + n}"})
            page.goto(link)
            assert page.evaluate("document.documentElement.lang") == "nn"
            page.get_by_label("Kva saknar du i dag?").fill(text)
            page.locator("button[type=submit]").click()
            page.get_by_text("Takk for innspelet!").first.wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        phone.close()


def choose_theme(page, name: str) -> None:
    page.get_by_label("Vel tema", exact=True).click()
    page.get_by_role("option").filter(has_text=name).first.click()
    page.keyboard.press("Escape")


def test_twelve_phone_inputs_are_grouped_renamed_in_nynorsk_and_moved_into_the_canvas(app, browser, axe_source):
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        start_nynorsk_workshop(page, app.url)
        page.get_by_role("button", name="Opne skjemaet", exact=True).click()
        wait_for_text(page, "#res-status", "0 innspel")
        link = page.locator("#res-link textarea, #res-link input").first.input_value()
        send_from_phones(browser, link)

        page.get_by_role("button", name="Finn tema", exact=True).click()
        wait_for_text(page, "#res-themes-list", "12 innspel gruppert i", timeout=120_000)
        listing = page.locator("#res-themes-list").inner_text()
        assert "bustad (3 innspel)" in listing and "3 av 12 innspel handlar om bustad" in listing
        assert int(listing.split("gruppert i ")[1].split()[0]) >= 4  # themes, not «Anna (12 innspel)»

        # A mistake is said in the panel, in Nynorsk; nothing blocks the controls.
        page.get_by_role("button", name="Gje nytt namn", exact=True).click()
        wait_for_text(page, "#res-themes-status", "Vel eitt tema å gje nytt namn")
        assert page.locator(".toast-body").count() == 0
        assert "Error" not in page.locator("#res-panel").inner_text()

        choose_theme(page, "bustad")
        page.locator("#res-themes-label textarea, #res-themes-label input").first.fill("utleigebustader for unge")
        page.get_by_role("button", name="Gje nytt namn", exact=True).click()
        wait_for_text(page, "#res-themes-status", "Temaet har fått nytt namn")
        wait_for_text(page, "#res-themes-list", "3 av 12 innspel handlar om utleigebustader for unge")
        assert panel_violations(page, axe_source) == []

        choose_theme(page, "utleigebustader for unge")
        page.get_by_role("button", name="Flytt til lerretet", exact=True).click()
        wait_for_text(page, "#res-themes-moved", "3 av 12 innspel handlar om utleigebustader for unge")
        # The canvas refreshed without a reload (a folded step shows its first answer, shortened).
        wait_for_text(page, "#ws-canvas", "3 av 12 innspel handlar om")
        assert page.locator(".toast-body").count() == 0
    finally:
        context.close()
