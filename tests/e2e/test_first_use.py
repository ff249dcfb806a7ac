"""The small frictions first-time users hit (issue 25), each in the language it was found in, in a
real Chromium: drafts that download with one click and a wide preview with a copy button, a file
added as soon as it is chosen, a conversation list that follows another tab, a field history that
shows where two texts differ, Gradio's own texts and labels in the page's language, no emoji as
status symbols, and axe with no finding of any impact on every tab in nb, nn and en."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import docx
import gnist_testapp as g
import pytest
from playwright.sync_api import expect
from test_browser import WCAG_TAGS, ask, open_app
from test_workshop_browser import open_workshop, send_answer, wait_for_last_bot, wait_for_text

from assistant.ui.identity import COOKIE_NAME, CookieSigner

pytestmark = [pytest.mark.e2e, g.QUIET_GRADIO_WARNINGS]

EMOJI = re.compile("[\u231a\u231b\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2705\u274c\u274e\u2753-\u2757\u2b1b\u2b1c"
                   "\U0001F000-\U0001FAFF\ufe0f]")
TABS = {"nb": ["Spør", "Verksted", "Mine dokumenter", "Innstillinger og personvern"],
        "nn": ["Spør", "Verkstad", "Mine dokument", "Innstillingar og personvern"],
        "en": ["Ask", "Workshop", "My documents", "Settings and privacy"]}
LOCALE = {"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}
QUESTION = {"nb": "Spørsmålet ditt", "nn": "Spørsmålet ditt", "en": "Your question"}


def context_page(browser, lang: str, downloads: bool = False):
    context = browser.new_context(locale=LOCALE[lang], accept_downloads=downloads,
                                  viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(60_000)  # a busy machine (CI may be) answers slowly, never wrongly
    return context, context.new_page()


def settled(page) -> None:
    """Until no output is still being updated (Gradio flashes a pending output's text, which axe
    would measure half-transparent)."""
    page.wait_for_function("""() => !document.querySelector('.pending') && document.getAnimations()
        .every((animation) => animation.playState !== "running"
               || animation.effect?.getTiming().iterations === Infinity)""")


def axe_findings(page, axe_source, name, artifacts, part: str | None = None) -> list:
    """Every axe finding, of any impact, with the best-practice rules (heading order among them),
    once the page has settled; ``part``: only in the element this selector finds."""
    settled(page)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_source))
    options = {"runOnly": {"type": "tag", "values": [*WCAG_TAGS, "best-practice"]}}
    result = page.evaluate("([part, options]) => axe.run(part ? document.querySelector(part) : document, options)",
                           [part, options])
    (artifacts / f"axe-all-{name}.json").write_text(json.dumps(result["violations"], indent=2, ensure_ascii=False),
                                                      encoding="utf-8")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


def start_workshop(page, app, problem: str, municipality: str = "Vang") -> None:
    open_workshop(page, app.url)
    page.get_by_label("Kommune", exact=True).fill(municipality)
    page.get_by_label("Hva er problemet, med dine egne ord?", exact=True).fill(problem)
    page.get_by_role("button", name="Start et nytt verksted", exact=True).click()
    wait_for_last_bot(page, "Hvem merker problemet?")


# -- every tab, every language ---------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_every_tab_is_axe_clean_at_every_impact_and_shows_no_emoji(app, browser, axe_source, artifacts, lang):
    context, page = context_page(browser, lang)
    try:
        open_app(page, app.url, question_label=QUESTION[lang])
        found, emoji = {}, []
        for tab in TABS[lang]:
            page.get_by_role("tab", name=tab, exact=True).click()
            expect(page.get_by_role("tab", name=tab, exact=True)).to_have_attribute("aria-selected", "true")
            found[tab] = axe_findings(page, axe_source, f"{lang}-{tab}", artifacts)
            emoji += EMOJI.findall(page.evaluate("() => document.body.innerText"))
        assert found == {tab: [] for tab in TABS[lang]}
        assert emoji == []
    finally:
        context.close()


def test_nynorsk_page_names_gradio_controls_and_toasts_in_nynorsk(app, browser):
    """«common.complete», «Copy», «Remove this file», «chatbot conversation» and an «Error» toast
    were left in a Nynorsk page."""
    context, page = context_page(browser, "nn")
    try:
        open_app(page, app.url)
        page.get_by_role("tab", name="Verkstad", exact=True).click()
        page.get_by_role("button", name="Send svaret", exact=True).click()  # nothing to send: a toast
        toast = page.locator(".toast-body").first
        toast.wait_for()
        assert toast.locator(".toast-title").inner_text().strip() == "Feil"
        assert page.locator("[aria-label='chatbot conversation']").count() == 0
        assert page.get_by_label("Samtalen", exact=True).count() >= 1
        # No red badge over the outputs of the refused action blocks the controls.
        assert page.locator("[data-testid='status-tracker']:has(.clear-status):visible").count() == 0
        page.get_by_label("Svaret ditt", exact=True).fill("går an å skrive")
        page.get_by_role("tab", name="Mine dokument", exact=True).click()
        page.locator("#upload input[type='file']").set_input_files(files=[{
            "name": "notat.txt", "mimeType": "text/plain", "buffer": b"Eit kort notat om Lom."}])
        page.locator("#upload-status").get_by_text("notat.txt").wait_for(timeout=60_000)
        labels = page.evaluate("""() => [...document.querySelectorAll('[aria-label], [title]')]
            .flatMap((e) => [e.getAttribute('aria-label'), e.getAttribute('title')]).filter(Boolean)""")
        english = {"Copy", "Copied", "Copy conversation", "Remove this file", "chatbot conversation", "Copy table data",
                   "Fullscreen",
                   "Table actions", "Close"}
        assert english.isdisjoint(labels), english & set(labels)
        text = page.evaluate("() => document.body.innerText")
        assert not re.search(r"\b(common|chatbot|upload_text|dataframe)\.[a-z_]+", text)
    finally:
        context.close()


def test_status_icons_are_drawn_without_any_font_for_their_symbol(app, browser):
    """Emoji status icons showed as empty boxes on a system without an emoji font: each status
    icon is now drawn by CSS, its symbol transparent, so what shows needs no font at all."""
    import io as bytes_io

    from PIL import Image

    context, page = context_page(browser, "nb")
    try:
        start_workshop(page, app, "Sentrum er tomt om kveldene og butikkene stenger")
        wait_for_text(page, "#ws-progress", "1. Problemet (nå)")
        icons = page.locator("#ws-progress .gnist-icon, #ws-canvas .gnist-icon")
        assert icons.count() >= 12
        styles = icons.evaluate_all("""(all) => all.map((icon) => {
            const style = getComputedStyle(icon);
            return [style.webkitTextFillColor, style.maskImage.startsWith('url("data:image/svg+xml'),
                    icon.getAttribute('aria-hidden'), icon.getBoundingClientRect().width > 8];
        })""")
        assert all(style == ["rgba(0, 0, 0, 0)", True, "true", True] for style in styles), styles
        # Pixels drawn where the (transparent) symbol stands: the drawing, not a glyph.
        shot = Image.open(bytes_io.BytesIO(icons.first.screenshot())).convert("L")
        assert shot.getextrema()[0] < 128  # the darkest pixel
    finally:
        context.close()


# -- documents ------------------------------------------------------------------------------------

def test_a_chosen_file_is_added_without_another_click(app, browser, tmp_path, axe_source, artifacts):
    context, page = context_page(browser, "nb")
    try:
        open_app(page, app.url)
        page.get_by_role("tab", name="Mine dokumenter", exact=True).click()
        page.locator("#upload input[type='file']").set_input_files(str(g.labelled_pdf(tmp_path / "plan.pdf")))
        page.locator("#upload-status").get_by_text("plan.pdf er lagt til").wait_for(timeout=90_000)
        wait_for_text(page, "#documents-table", "plan.pdf")
        assert page.get_by_role("button", name=re.compile("^Legg til")).count() == 0
        assert axe_findings(page, axe_source, "nb-upload", artifacts, part="#upload") == []
    finally:
        context.close()


# -- conversations --------------------------------------------------------------------------------

def shown_again(page) -> None:
    """What the browser does when the user comes back to this tab (headless Chromium keeps every
    tab visible, so it never fires these by itself)."""
    page.evaluate("() => { document.dispatchEvent(new Event('visibilitychange'));"
                  " window.dispatchEvent(new Event('focus')); }")


def history_options(page) -> list[str]:
    page.get_by_label("Tidligere samtaler", exact=True).click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return options


def test_a_conversation_deleted_in_another_tab_leaves_this_tabs_list(app, browser, tmp_path):
    """The list followed another tab only after a reload: now when this tab is shown again, without
    the user opening the list (documents and workshops too); the conversation open here, deleted
    there, is closed with a word why."""
    context, first = context_page(browser, "nb")
    try:
        open_app(first, app.url)
        ask(first, "Hva koster det å delta i Gnist?")
        second = context.new_page()
        open_app(second, app.url)
        wait_for_text(second, "#chat", "Hva koster det")  # the same user: the latest conversation opens
        second.get_by_role("button", name="Slett samtalen", exact=True).click()
        second.locator(".toast-body", has_text="Samtalen er slettet.").wait_for()
        ask(second, "Kan vi søke sammen med nabokommunen?")
        second.get_by_role("tab", name="Mine dokumenter", exact=True).click()
        second.locator("#upload input[type='file']").set_input_files(str(g.labelled_pdf(tmp_path / "plan.pdf")))
        wait_for_text(second, "#documents-table", "plan.pdf", timeout=90_000)
        second.get_by_role("tab", name="Verksted", exact=True).click()
        second.get_by_label("Kommune", exact=True).fill("Lom")
        second.get_by_label("Hva er problemet, med dine egne ord?", exact=True).fill("Ungdommen flytter fra bygda")
        second.get_by_role("button", name="Start et nytt verksted", exact=True).click()
        wait_for_last_bot(second, "Hvem merker problemet?")

        shown_again(first)
        first.locator(".toast-body", has_text="Samtalen ble slettet i en annen fane.").wait_for()
        first.wait_for_function("() => !document.querySelector('#chat').innerText.includes('Hva koster')")
        expect(first.get_by_label("Tidligere samtaler", exact=True)).to_have_value("")
        options = history_options(first)
        assert not any("Hva koster" in option for option in options), options
        assert any("nabokommunen" in option for option in options), options
        first.get_by_role("tab", name="Mine dokumenter", exact=True).click()
        wait_for_text(first, "#documents-table", "plan.pdf")
        first.get_by_role("tab", name="Verksted", exact=True).click()
        first.get_by_label("Mine verksteder", exact=True).click()
        first.get_by_role("option", name=re.compile("^Lom: Ungdommen flytter fra bygda")).wait_for()
    finally:
        context.close()


# -- the workshop ---------------------------------------------------------------------------------

def test_drafts_download_with_one_click_and_preview_wide_with_a_copy_button(app, browser, artifacts, axe_source):
    context, page = context_page(browser, "nb", downloads=True)
    try:
        start_workshop(page, app, "Sentrum er tomt om kveldene")
        send_answer(page, "Unge voksne og butikkeierne i sentrum")
        wait_for_last_bot(page, "Hva skjer hvis ingen gjør noe?")
        page.get_by_role("button", name=re.compile(r"^Utkast\b")).click()
        page.get_by_role("button", name="Vis utkastet", exact=True).click()
        wait_for_text(page, "#ws-draft", "butikkeierne i sentrum")
        assert page.locator("#ws-draft").bounding_box()["width"] >= 600
        source = page.locator("#ws-draft-source")
        assert source.get_by_role("button", name=re.compile("^Kopier")).count() == 1
        assert source.locator("textarea").input_value().startswith("# Utfordring")
        with page.expect_download() as markdown:
            page.get_by_role("button", name="Last ned (Markdown)", exact=True).click()
        saved = markdown.value
        assert saved.suggested_filename == "gnist-utfordring-vang.md"
        assert "butikkeierne i sentrum" in Path(saved.path()).read_text(encoding="utf-8")
        with page.expect_download() as word:
            page.get_by_role("button", name="Last ned (Word)", exact=True).click()
        assert word.value.suggested_filename == "gnist-utfordring-vang.docx"
        document = docx.Document(io.BytesIO(Path(word.value.path()).read_bytes()))
        assert any("butikkeierne i sentrum" in p.text for p in document.paragraphs)
        page.screenshot(path=str(artifacts / "drafts-one-click.png"), full_page=True)
        assert axe_findings(page, axe_source, "nb-drafts", artifacts, part="#ws-drafts") == []
    finally:
        context.close()


def test_field_history_shows_where_a_long_text_changed(app, browser, axe_source, artifacts):
    """«Før» and «Etter» were cut at about 150 characters, so a change at the end of a long text
    looked the same before and after: the removed and added words are marked where they are."""
    context, page = context_page(browser, "nb")
    try:
        start_workshop(page, app, "Sentrum er tomt om kveldene i hele kommunen og har vært det lenge")
        field = page.get_by_label("Felt som skal endres", exact=True)
        field.click()
        page.get_by_role("option", name=re.compile("Hva er problemet")).click()
        value = page.get_by_label("Ny verdi", exact=True)
        # The field's text arrives in the box: typed before it, the new text would be replaced by it.
        expect(value).to_have_value("Sentrum er tomt om kveldene i hele kommunen og har vært det lenge")
        long_text = ("Sentrum er tomt om kveldene i hele kommunen, butikkene stenger tidlig, kafeen har "
                     "kort åpningstid, ungdommen drar til byen og bussen går bare annenhver time. Det siste "
                     "året har to butikker lagt ned, og de som er igjen stenger klokka fire.")
        value.fill(long_text)
        page.get_by_role("button", name="Lagre feltet", exact=True).click()
        page.locator("#ws-history li", has_text="lagt ned").first.wait_for()
        value.fill(long_text.replace("klokka fire", "klokka seks på lørdager"))
        page.get_by_role("button", name="Lagre feltet", exact=True).click()
        newest = page.locator("#ws-history li").first
        newest.locator("ins", has_text="seks på lørdager").wait_for()
        assert newest.locator("del").text_content() == "fjernet: fire."  # as a screen reader reads it
        shown = newest.inner_text()
        assert "de som er igjen stenger klokka" in shown and "kafeen" not in shown
        # The words for screen readers are in the page but out of sight.
        spoken = newest.locator("ins .gnist-sr")
        assert spoken.text_content() == "lagt til: " and spoken.bounding_box()["width"] <= 1
        assert axe_findings(page, axe_source, "nb-field-history", artifacts, part="#ws-history") == []
    finally:
        context.close()


def test_a_colleague_on_a_shared_link_gets_one_language_and_no_welcome_back(app, browser):
    """A colleague saw the page in Bokmål, the steps in Nynorsk and «Velkomen tilbake!» though they had
    never opened the workshop: the page, the steps and the questions are in the colleague's own
    language (here the browser's English; the workshop stays Nynorsk for its owner), and they are
    welcomed to the workshop by its owner's name."""
    from test_shared_workshop_browser import make_link, open_share_panel

    owner_context, owner = context_page(browser, "nb")
    colleague_context, colleague = context_page(browser, "en")
    try:
        open_workshop(owner, app.url)
        owner.get_by_label("Hva er problemet, med dine egne ord?", exact=True).fill(
            "Sentrum er daudt om kvelden, og ungdomen flyttar ut fordi dei ikkje har nokon stad å vere")
        owner.get_by_role("button", name="Start et nytt verksted", exact=True).click()
        wait_for_last_bot(owner, "Kven merkar problemet?")
        open_share_panel(owner)
        link = make_link(owner, "Redigere")

        colleague.goto(link)
        wait_for_last_bot(colleague, "has shared this workshop with you")
        message = colleague.locator("#ws-chat [data-testid='bot']").last.inner_text()
        assert "Welcome back" not in message and "Kven merkar" not in message
        colleague.get_by_role("tab", name="Workshop", exact=True).wait_for()
        assert colleague.evaluate("() => document.documentElement.lang") == "en"
        assert colleague.get_by_role("radio", name="English", exact=True).is_checked()
        wait_for_text(colleague, "#ws-progress", "Need and resources")
    finally:
        owner_context.close()
        colleague_context.close()


def test_the_from_to_step_is_one_field_with_a_labelled_box_per_half(app, browser, axe_source, artifacts):
    """Step 9 («Fra … til …») was listed twice, and an edit went silently into «Fra»: it is one choice,
    edited in a «Fra» and a «Til» box, and each text lands in the half its box names."""
    context, page = context_page(browser, "nb")
    try:
        start_workshop(page, app, "Ungdommen flytter fra bygda etter videregående")
        page.locator("#ws-field input").click()
        step_nine = [option for option in page.get_by_role("option").all_inner_texts() if option.startswith("9.")]
        assert len(step_nine) == 1 and "«Fra … til …»" in step_nine[0], step_nine
        page.get_by_role("option", name=re.compile(r"^9\.")).click()
        half_from = page.get_by_label("Fra (slik det er i dag)", exact=True)
        half_to = page.get_by_label("Til (slik vi vil ha det)", exact=True)
        expect(half_to).to_be_visible()
        expect(page.get_by_label("Ny verdi", exact=True)).to_be_hidden()
        half_from.fill("unge flytter ut etter videregående")
        half_to.fill("en bygd unge vil flytte tilbake til")
        page.get_by_role("button", name="Lagre feltet", exact=True).click()
        page.locator("#ws-history li", has_text="Til (slik vi vil ha det)").first.wait_for()
        assert axe_findings(page, axe_source, "nb-field-editor", artifacts, part="#ws-value-pair") == []
        cookie = next(c["value"] for c in context.cookies() if c["name"] == COOKIE_NAME)
        owner = CookieSigner(app.container.secret).owner_of(cookie)
        canvas = app.container.workshop.list(owner)[0]
        stored = app.container.workshop.get(owner, canvas.id)
        assert (stored.reframing_from, stored.reframing_to) == ("unge flytter ut etter videregående",
                                                                "en bygd unge vil flytte tilbake til")
        wait_for_text(page, "#ws-canvas", "Fra unge flytter ut etter videregående til en bygd")  # one line
        # Another field brings the one text box back.
        page.locator("#ws-field input").click()
        page.get_by_role("option", name=re.compile("Hvem merker problemet")).click()
        expect(page.get_by_label("Ny verdi", exact=True)).to_be_visible()
        expect(half_to).to_be_hidden()
    finally:
        context.close()


def test_a_reload_brings_the_workshop_back_where_it_was(app, browser):
    context, page = context_page(browser, "nb")
    try:
        start_workshop(page, app, "Sentrum er tomt om kveldene og butikkene stenger")
        send_answer(page, "Unge voksne og butikkeierne i sentrum")
        wait_for_last_bot(page, "Hva skjer hvis ingen gjør noe?")
        # Half an answer typed, not sent: the reload keeps it, and the open tab.
        page.get_by_label("Svaret ditt", exact=True).fill("Butikkene flytter ut til kjøpesenteret")
        page.reload()
        page.locator(".gnist-loaded").first.wait_for(state="attached")
        expect(page.get_by_role("tab", name="Verksted", exact=True)).to_have_attribute("aria-selected", "true")
        expect(page.get_by_label("Svaret ditt", exact=True)).to_have_value("Butikkene flytter ut til kjøpesenteret")
        wait_for_last_bot(page, "Hva skjer hvis ingen gjør noe?")
        assert "Velkommen tilbake" in page.locator("#ws-chat [data-testid='bot']").last.inner_text()
        wait_for_text(page, "#ws-canvas", "butikkeierne i sentrum")
    finally:
        context.close()
