"""The app speaks the user's language everywhere and behaves like the chat apps people know
(issue 11), in a real Chromium: a language choice remembered per user, no text of another language
on the page (our texts and Gradio's built-in ones, toasts included), axe-clean in nb, nn and en,
Enter sends and Shift+Enter adds a line, a rejected upload says why."""

from __future__ import annotations

import re

import gnist_testapp as g
import pytest
from test_browser import bot_messages, open_app, run_axe, wait_for_answer

from assistant.catalog import BUILT_IN, LANGUAGES

pytestmark = [pytest.mark.e2e, g.QUIET_GRADIO_WARNINGS]

QUESTION_LABEL = {"nb": "Spørsmålet ditt", "nn": "Spørsmålet ditt", "en": "Your question"}
LANGUAGE_NAME = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}
TABS = {"nb": ["Spør", "Mine dokumenter", "Innstillinger og personvern"],
        "nn": ["Spør", "Mine dokument", "Innstillingar og personvern"],
        "en": ["Ask", "My documents", "Settings and privacy"]}
# Gradio's own texts in the languages it ships: none of them may show in another language.
GRADIO_BUILT_IN = {"en": ["Drop File Here", "Click to Upload", "Uploading..."],
                   "nb": ["Slipp fil her", "Klikk for å laste opp"]}


def catalog(lang: str) -> set[str]:
    texts = [*BUILT_IN.ui_table(lang).values(), *BUILT_IN.gradio_table(lang).values()]
    return {text for text in texts if "{" not in text and len(text) >= 8}


def foreign_texts(lang: str) -> set[str]:
    """Texts of the other languages that the chosen language never uses itself."""
    own = catalog(lang) | set(GRADIO_BUILT_IN.get(lang, []))
    # Gradio ships no Nynorsk: its Bokmål texts that are spelt the same in Nynorsk are not foreign.
    if lang == "nn":
        own |= set(BUILT_IN.ui_table("nn").values()) | set(BUILT_IN.gradio_table("nn").values())
    others = set()
    for other in LANGUAGES:
        if other != lang:
            others |= catalog(other) | set(GRADIO_BUILT_IN.get(other, []))
    return {text for text in others - own if not any(text in mine for mine in own)}


def visible_text(page) -> str:
    return page.evaluate("() => document.body.innerText")


def choose(page, lang: str) -> None:
    page.get_by_role("radio", name=LANGUAGE_NAME[lang], exact=True).check()
    page.get_by_role("tab", name=TABS[lang][0], exact=True).wait_for()
    page.get_by_label(QUESTION_LABEL[lang], exact=True).wait_for()


@pytest.mark.parametrize("lang", ["nn", "en", "nb"])
def test_chosen_language_is_everywhere_remembered_and_axe_clean(app, browsing, axe_source, artifacts, lang):
    page = browsing.page(locale="nb-NO" if lang != "nb" else "en-US")
    open_app(page, app.url, question_label=QUESTION_LABEL["nb" if lang != "nb" else "en"])
    choose(page, lang)
    foreign = foreign_texts(lang)
    texts = []
    for tab in TABS[lang]:
        page.get_by_role("tab", name=tab, exact=True).click()
        page.wait_for_timeout(300)
        texts.append(visible_text(page))
    page.get_by_role("tab", name=TABS[lang][0], exact=True).click()
    assert page.evaluate("() => document.documentElement.lang") == lang
    # (Before the toast: Gradio's toast nests its close button in a focusable element.)
    assert run_axe(page, axe_source, f"chosen-{lang}", artifacts) == []
    # A toast: feedback before any answer.
    page.locator("#feedback-good").click()
    toast = page.locator(".toast-body").first
    toast.wait_for()
    texts.append(toast.inner_text())
    shown = [text for text in foreign if any(text in page_text for page_text in texts)]
    assert shown == [], shown

    # Remembered for this user on the server: a reload (even in a browser of another language) keeps it.
    page.reload()
    open_app(page, app.url, question_label=QUESTION_LABEL[lang])
    assert page.get_by_role("radio", name=LANGUAGE_NAME[lang], exact=True).is_checked()
    page.get_by_role("tab", name=TABS[lang][1], exact=True).wait_for()


def test_enter_sends_and_shift_enter_adds_a_line(app, browsing):
    page = browsing.page()
    box = open_app(page, app.url)
    assert "Enter sender spørsmålet" in visible_text(page)  # the hint is on screen
    box.click()
    page.keyboard.type("Hei.")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("Hva koster det å delta i Gnist?")
    assert box.input_value() == "Hei.\nHva koster det å delta i Gnist?"
    assert bot_messages(page).count() == 0
    page.keyboard.press("Enter")
    wait_for_answer(page, 0)
    assert "200 000" in bot_messages(page).last.inner_text()
    assert box.input_value() == ""


def test_an_xlsx_upload_says_why_and_which_types_work(app, browsing, tmp_path):
    sheet = tmp_path / "budsjett.xlsx"
    sheet.write_bytes(b"PK\x03\x04" + bytes(200))
    page = browsing.page()
    open_app(page, app.url)
    page.get_by_role("tab", name="Mine dokumenter").click()
    page.locator("#upload input[type='file']").set_input_files(str(sheet))
    status = page.locator("#upload-status")
    status.get_by_text("budsjett.xlsx").wait_for(timeout=30_000)
    message = status.inner_text()
    assert re.search(r"«\.xlsx» støttes ikke", message), message
    assert "PDF, DOCX, TXT eller Markdown" in message


def test_phone_shows_the_question_box_on_the_first_screen_after_the_first_visit(app, browser):
    context = browser.new_context(locale="nb-NO", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    try:
        page = context.new_page()
        box = open_app(page, app.url)
        assert page.locator("#intro").get_by_text("Personvern:").is_visible()  # a first visit explains
        box.fill("Hva koster det å delta i Gnist?")
        box.press("Enter")
        wait_for_answer(page, 0)
        page.reload()
        box = open_app(page, app.url)
        page.wait_for_timeout(500)
        assert not page.locator("#intro").get_by_text("Personvern:").is_visible()  # folded away
        bounds = box.bounding_box()
        assert bounds and bounds["y"] + bounds["height"] <= 844, bounds
    finally:
        context.close()
