"""Every text Gradio itself puts on the page (its translation keys, screen-reader labels, tooltips,
toast titles, button texts) in the page's language, found systematically (issue 25): the page is
used in nb, nn and en as a first-time user would (a question answered, a workshop started with
every panel opened, a document added, a toast), and each tab's rendered DOM is read for

- an unresolved translation key («common.complete»),
- a text that is one of Gradio's own English texts (a string in its frontend bundle or in its
  English translation table) on a Norwegian page, unless our catalog uses the same word
  («Send» is Norwegian too),

and is checked with axe (every impact level, best-practice rules included) in that state."""

from __future__ import annotations

import re
from pathlib import Path

import gnist_testapp as g
import gradio
import pytest
from test_browser import open_app, wait_for_answer
from test_first_use import LOCALE, QUESTION, TABS, axe_findings, settled
from test_languages import foreign_texts
from test_workshop_browser import wait_for_text

from assistant.catalog import BUILT_IN

pytestmark = [pytest.mark.e2e, g.QUIET_GRADIO_WARNINGS]

ASSETS = Path(gradio.__file__).parent / "templates" / "frontend" / "assets"
# A string literal of the bundle that reads as words: what Gradio may show a user.
LITERAL = re.compile(r"""[`"']([A-Za-z][A-Za-z' ]{1,60}[a-z.!?:]?)[`"']""")
KEY = re.compile(r"\b(?:common|chatbot|upload_text|dataframe|file|blocks|errors|status|dropdown|checkbox|"
                 r"textbox|image|audio|video|gallery|login|number|radio|slider|label|code|plot|color_picker|"
                 r"chat_interface|image_editor|highlighted_text|annotated_image|_name)\.[a-z_0-9]+\b")
LANGUAGE_NAMES = ["Bokmål", "Nynorsk", "English"]
# A question of the user's own, in the page's language (not one of the examples).
QUESTION_TEXT = {"nb": "Hvor mye koster det å være med i Gnist?", "nn": "Kor mykje kostar det å vere med i Gnist?",
                 "en": "How much does it cost to take part in Gnist?"}
PROBLEM = {"nb": "Sentrum er tomt om kveldene og butikkene stenger",
           "nn": "Sentrum er tomt om kveldane og butikkane stengjer",
           "en": "The town centre is empty in the evenings and the shops close"}


def gradio_english() -> set[str]:
    """The texts Gradio's frontend can show: every word-like string literal of its bundle."""
    found = set()
    for path in ASSETS.glob("*.js"):
        for match in LITERAL.finditer(path.read_text("utf-8", "ignore")):
            text = match.group(1).strip()
            if re.search(r"[A-Za-z]{2}", text):
                found.add(text)
    return found


def own_texts(lang: str) -> set[str]:
    texts = {*BUILT_IN.ui_table(lang).values(), *BUILT_IN.gradio_table(lang).values()}
    # The language choices are each language's own name («English» on a Nynorsk page too).
    return ({part.strip() for text in texts for part in re.split(r"[\n:·]", text) if part.strip()} | texts
            | set(LANGUAGE_NAMES))


# Every text a user or a screen reader meets on the page as it is now: attributes of rendered
# elements and the text of rendered text nodes, each with a hint of where it is.
COLLECT_JS = r"""
() => {
  const seen = [];
  const shown = (el) => el.checkVisibility ? el.checkVisibility() : !!el.offsetParent;
  const where = (el) => {
    const block = el.closest("[id]");
    return `${el.tagName.toLowerCase()}${el.className && typeof el.className === "string" ? "." +
      el.className.split(" ")[0] : ""} in #${block ? block.id : "?"}`;
  };
  for (const el of document.querySelectorAll("*")) {
    if (!shown(el)) continue;
    for (const attr of ["aria-label", "title", "placeholder", "alt", "aria-roledescription", "aria-valuetext",
                        "aria-description"]) {
      const value = el.getAttribute(attr);
      if (value && value.trim()) seen.push([attr, value.trim(), where(el)]);
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    const text = node.nodeValue.trim();
    if (!text || !parent || ["SCRIPT", "STYLE"].includes(parent.tagName) || !shown(parent)) continue;
    seen.push(["text", text, where(parent)]);
  }
  return seen;
}
"""


def open_every_panel(page) -> None:
    """Opens every closed accordion, the ones inside others too, and waits for each to open."""
    for _ in range(5):
        closed = page.locator("button.label-wrap:not(.open):visible")
        if closed.count() == 0:
            return
        for _ in range(closed.count()):
            button = page.locator("button.label-wrap:not(.open):visible").first.element_handle()
            button.click()
            page.wait_for_function("(el) => el.classList.contains('open')", arg=button)


def leaks(page, lang: str, english: set[str], own: set[str]) -> list[tuple[str, str, str]]:
    settled(page)
    foreign = foreign_texts(lang)
    def left(kind: str, text: str) -> bool:
        unresolved = KEY.fullmatch(text) or (kind != "text" and KEY.search(text))
        gradios_english = lang != "en" and text in english and text not in own
        ours_in_another_language = any(other in text for other in foreign)
        return bool(unresolved or gradios_english or ours_in_another_language)

    return sorted({(kind, text, where) for kind, text, where in page.evaluate(COLLECT_JS) if left(kind, text)})


def use_every_tab(page, url: str, lang: str, axe_source, artifacts) -> tuple[dict, dict]:
    """Each tab used as a first-time user would, then read: (texts left untranslated, axe findings)."""
    english = gradio_english()
    own = own_texts(lang)
    found, axe = {}, {}
    box = open_app(page, url, question_label=QUESTION[lang])
    tabs = TABS[lang]

    def read(tab: str, name: str) -> None:
        found[tab] = leaks(page, lang, english, own)
        axe[tab] = axe_findings(page, axe_source, f"in-use-{lang}-{name}", artifacts)

    # Ask: an answer with its message buttons, a toast, an exported conversation.
    box.fill(QUESTION_TEXT[lang])
    page.locator("#send").click()
    wait_for_answer(page, 0)
    page.locator("#feedback-good").click()
    page.locator(".toast-body").first.wait_for()
    page.locator("#export").click()
    page.locator("a[download*='gnist-samtale']").first.wait_for()
    read(tabs[0], "ask")

    # Workshop: started, an error toast, every panel open, a draft shown.
    page.get_by_role("tab", name=tabs[1], exact=True).click()
    page.locator("#ws-municipality textarea").fill("Vang")
    page.locator("#ws-problem textarea").fill(PROBLEM[lang])
    page.locator("#ws-start").click()
    page.locator("#ws-chat [data-testid='bot']").first.wait_for()
    page.locator("#ws-send").click()  # nothing typed: an error toast
    page.locator(".toast-body").first.wait_for()
    open_every_panel(page)
    page.locator("#ws-draft-show").click()
    page.locator("#ws-draft-source textarea").first.wait_for()
    wait_for_text(page, "#ws-draft", "Vang")
    # The canvas exported and imported again (an upload area holding a file), the residents' form
    # opened (its link and QR files).
    page.get_by_role("button", name=BUILT_IN.ui("ws.export_json", lang), exact=True).click()
    exported = page.locator("a[download$='.json']").first
    exported.wait_for()
    canvas_json = page.request.get(exported.get_attribute("href")).body()
    page.locator("input[type='file'][accept*='.json']").set_input_files(files=[{
        "name": "lerret.json", "mimeType": "application/json", "buffer": canvas_json}])
    page.locator("td[aria-label='lerret.json']").first.wait_for()
    page.locator("#res-open").click()
    page.locator("#res-qr a[download]").first.wait_for()
    read(tabs[1], "workshop")

    # Documents: one added.
    page.get_by_role("tab", name=tabs[2], exact=True).click()
    page.locator("#upload input[type='file']").set_input_files(files=[{
        "name": "notat.txt", "mimeType": "text/plain", "buffer": b"Eit kort notat om Lom."}])
    wait_for_text(page, "#documents-table", "notat.txt", timeout=90_000)
    shown = page.locator("#upload-status").inner_text()
    page.get_by_role("button", name=BUILT_IN.ui("docs.delete", lang), exact=True).click()  # none chosen: a warning
    page.wait_for_function("(shown) => document.querySelector('#upload-status').innerText !== shown", arg=shown)
    read(tabs[2], "documents")

    # Settings: the connection tested, everything exported.
    page.get_by_role("tab", name=tabs[3], exact=True).click()
    page.get_by_role("button", name=BUILT_IN.ui("settings.test", lang), exact=True).click()
    page.wait_for_function("() => document.querySelector('#test-result').innerText.trim() !== ''")
    page.get_by_role("button", name=BUILT_IN.ui("settings.export_all", lang), exact=True).click()
    page.locator("a[download*='gnist-mine-data']").first.wait_for()
    open_every_panel(page)
    read(tabs[3], "settings")
    return found, axe


@pytest.mark.parametrize("lang", ["nn", "nb", "en"])
def test_gradio_texts_are_in_the_page_language_and_axe_is_clean_in_use(app, browser, axe_source, artifacts, lang):
    context = browser.new_context(locale=LOCALE[lang], accept_downloads=True, viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(60_000)
    try:
        found, axe = use_every_tab(context.new_page(), app.url, lang, axe_source, artifacts)
    finally:
        context.close()
    assert found == {tab: [] for tab in TABS[lang]}
    assert axe == {tab: [] for tab in TABS[lang]}
