"""The theme view of «Innbyggerinnspill» in Chromium: «Finn tema» groups the residents' input, the
panel with the themes and the curation controls is axe clean, and «Flytt til lerretet» confirms
with the evidence line and refreshes the workshop's canvas without reloading."""

from __future__ import annotations

import httpx
import pytest

import gnist_testapp as g
from test_resident_form_browser import panel_violations, start_workshop_and_open_panel
from test_resident_themes import BUS, TRAILS
from test_workshop_browser import wait_for_text

pytestmark = [pytest.mark.e2e, g.QUIET_GRADIO_WARNINGS]


def test_themes_are_found_and_moved_into_the_canvas(app, browser, axe_source):
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        start_workshop_and_open_panel(page, app.url, "Unge flytter, det er lite å gjøre")
        page.get_by_role("button", name="Åpne skjemaet", exact=True).click()
        wait_for_text(page, "#res-status", "Skjemaet er åpent. 0 innspill")
        link = page.locator("#res-link textarea, #res-link input").first.input_value()
        for n, (bus, trail) in enumerate(zip(BUS, TRAILS)):
            for i, answers in enumerate(({"kritikk": bus}, {"drommen": trail})):
                sent = httpx.post(link, data=answers, headers={"x-forwarded-for": f"198.51.100.{10 + 2 * n + i}"})
                assert sent.status_code == 303

        page.get_by_role("button", name="Finn tema", exact=True).click()
        wait_for_text(page, "#res-themes-list", "12 innspill gruppert i")
        assert "Annet" in page.locator("#res-themes-list").inner_text()
        assert panel_violations(page, axe_source) == []

        page.get_by_label("Velg tema", exact=True).click()
        page.get_by_role("option").filter(has_text="buss").first.click()
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Flytt til lerretet", exact=True).click()
        wait_for_text(page, "#res-themes-moved", "av 12 innspill nevner")
        assert "nye sitater under innbyggerinnspill" in page.locator("#res-themes-moved").inner_text()
        wait_for_text(page, "#ws-canvas", "av 12 innspill nevner")  # refreshed, no reload
    finally:
        context.close()
