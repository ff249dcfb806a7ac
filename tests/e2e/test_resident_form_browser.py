"""The residents' form on a phone (390×844) in Chromium, in Bokmål, Nynorsk and English: axe-core
finds no serious or critical WCAG 2.1 A/AA violation on the form, its error state and the thank-you
page; everything is reachable with Tab in a sensible order, focus is visible, and the form is sent
with the keyboard alone (Enter on the button, Space on the button, Enter in a text field)."""

from __future__ import annotations

import re

import gnist_testapp as g
import pytest
from test_browser import WCAG_TAGS, run_axe

pytestmark = [pytest.mark.e2e, g.QUIET_GRADIO_WARNINGS]

PHONE = {"width": 390, "height": 844}
OWNER = "anon:" + "e" * 32
TAB_ORDER = ["lang-nb", "lang-nn", "lang-en", "kritikk", "positivitet", "drommen", "virkeliggjoring", "age_group",
             "place", "submit"]
TEXTS = {
    "nb": ("Hva savner du i dag?", "Skriv et svar på minst ett av de fire spørsmålene.", "Takk for innspillet!"),
    "nn": ("Kva saknar du i dag?", "Skriv eit svar på minst eitt av dei fire spørsmåla.", "Takk for innspelet!"),
    "en": ("What do you miss today?", "Write an answer to at least one of the four questions.",
           "Thank you for your input!"),
}


@pytest.fixture(scope="module")
def form(app):
    canvas = app.container.workshop.start(OWNER, "Bjørkedal", "Sentrum er dødt etter klokka fire")
    return app.container.residents.open_form(OWNER, canvas.id)


def phone_page(browsing, lang: str):
    context = browsing.browser.new_context(locale={"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}[lang],
                                           viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(30_000)
    browsing.contexts.append(context)
    return browsing.page(context=context)


def panel_violations(page, axe_source, panel: str = "#res-panel") -> list[tuple[str, str]]:
    """Serious and critical WCAG 2.1 A/AA violations inside one panel (the «Innbyggerinnspill» accordion
    unless told)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_source))
    result = page.evaluate("([panel, tags]) => axe.run(panel, {runOnly: {type: 'tag', values: tags}})",
                           [panel, WCAG_TAGS])
    return [(v["id"], str([n["target"] for n in v["nodes"]])) for v in result["violations"]
            if v["impact"] in ("serious", "critical")]


def focused(page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        const box = el.getBoundingClientRect();
        const key = el.id || (el.getAttribute('hreflang') ? 'lang-' + el.getAttribute('hreflang') : '')
                    || (el.type === 'submit' ? 'submit' : el.tagName);
        return {key, outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth), height: box.height};
    }""")


@pytest.mark.parametrize(("lang", "send_key"), [("nb", "Enter"), ("nn", "Space"), ("en", "field-Enter")])
def test_the_form_on_a_phone_is_accessible_and_keyboard_usable(app, form, browsing, axe_source, artifacts, lang,
                                                               send_key):
    page = phone_page(browsing, lang)
    # The workshop's language (Bokmål) whatever the phone's, or the one the resident picked.
    page.goto(f"{app.url}innspill/{form.id}" + ("" if lang == "nb" else f"?lang={lang}"))
    question, empty_error, thanks = TEXTS[lang]
    assert page.get_by_label(question).is_visible()
    assert page.evaluate("document.documentElement.lang") == lang
    assert run_axe(page, axe_source, f"resident-form-{lang}", artifacts) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling

    # An empty form: the error is announced, tied to the fields, and passes axe too.
    page.locator("button[type=submit]").click()
    page.get_by_text(empty_error).first.wait_for()
    assert page.locator("#kritikk").get_attribute("aria-invalid") == "true"
    assert "error-form" in page.locator("#kritikk").get_attribute("aria-describedby")
    assert run_axe(page, axe_source, f"resident-form-{lang}-error", artifacts) == []
    page.locator(".summary a").first.click()
    assert focused(page)["key"] == "kritikk"

    # From the top, with Tab only: every control in reading order, each with a visible focus ring.
    page.goto(f"{app.url}innspill/{form.id}?lang={lang}")
    seen = []
    for _ in TAB_ORDER:
        page.keyboard.press("Tab")
        state = focused(page)
        seen.append(state["key"])
        assert state["outline"] != "none" and state["outlineWidth"] >= 2, state
        assert state["height"] >= 44, state  # large enough to hit with a finger
        if state["key"] == "drommen":
            page.keyboard.type(f"En badstue på kaia ({lang})")
        if state["key"] == "place":
            page.keyboard.type("Torget")
            if send_key == "field-Enter":
                page.keyboard.press("Enter")
                break
    if send_key != "field-Enter":
        assert seen == TAB_ORDER
        page.keyboard.press(send_key)
    else:
        assert seen == TAB_ORDER[:-1]
    page.get_by_role("heading", name=thanks).wait_for()
    assert run_axe(page, axe_source, f"resident-thanks-{lang}", artifacts) == []
    assert browsing.foreign_requests() == []
    stored = app.container.residents.list_inputs(OWNER, form.id)
    assert any(item.answers["drommen"] == f"En badstue på kaia ({lang})" and item.place == "Torget"
               and item.language == lang for item in stored)


def start_workshop_and_open_panel(page, url: str, problem: str) -> None:
    """A new workshop in Bjørkedal with ``problem``, and its «Innbyggerinnspill» accordion opened."""
    from test_workshop_browser import open_workshop

    open_workshop(page, url)
    page.get_by_label("Kommune", exact=True).fill("Bjørkedal")
    page.get_by_label("Hva er problemet, med dine egne ord?", exact=True).fill(problem)
    page.get_by_role("button", name="Start et nytt verksted", exact=True).click()
    page.locator("#ws-chat [data-testid='bot']").first.wait_for()
    page.get_by_role("button", name="Innbyggerinnspill").click()


def test_the_facilitator_opens_the_form_and_sees_input_arrive_live(app, browser, axe_source, artifacts):
    """The «Innbyggerinnspill» accordion in the workshop tab: open the form, its link and QR code; an
    input sent from a phone shows up in the count and the list without reloading (the timer)."""
    import httpx
    from test_workshop_browser import wait_for_text

    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        start_workshop_and_open_panel(page, app.url, "Torget er tomt om kvelden")
        wait_for_text(page, "#res-status", "ikke åpnet ennå")
        page.get_by_role("button", name="Åpne skjemaet", exact=True).click()
        wait_for_text(page, "#res-status", "Skjemaet er åpent. 0 innspill")
        assert "Lenke til skjemaet" in page.locator("#res-link").inner_text()
        link = page.locator("#res-link textarea, #res-link input").first.input_value()
        assert link.startswith(f"{app.url}innspill/")
        wait_for_text(page, "#res-qr", ".png")  # the file name is shown as name and suffix apart
        wait_for_text(page, "#res-qr", ".svg")
        # The panel itself (the workshop chat above it is test_browser's and test_workshop_browser's).
        assert panel_violations(page, axe_source) == []

        with httpx.Client(headers={"x-forwarded-for": "198.51.100.9"}) as phone:  # a phone: the page, then its form
            token = re.search(r'name="form_token" value="([^"]*)"', phone.get(link).text).group(1)
            sent = phone.post(link, data={"kritikk": "Vi savner benker på torget", "form_token": token})
        assert sent.status_code == 303
        wait_for_text(page, "#res-status", "1 innspill", timeout=20_000)  # no click: the timer fetched it
        wait_for_text(page, "#res-latest", "Vi savner benker på torget")
        page.get_by_role("button", name="Steng skjemaet", exact=True).click()
        wait_for_text(page, "#res-status", "Skjemaet er stengt. 1 innspill.")
        assert "Skjemaet er stengt" in httpx.get(link).text
    finally:
        context.close()
