"""The UI's pure rendering: the sources panel and stored chats."""

from __future__ import annotations

from assistant.catalog import BUILT_IN
from assistant.services.conversations import StoredMessage
from assistant.ui.render import answer_content, chat_messages, sources_markdown

CITATION = {
    "n": 2, "text": "Deltakeravgiften var 200 000 kroner. <script>alert(1)</script>", "source": "knowledge/delta.md",
    "title": "Slik deltar en kommune", "locator": "Deltakeravgift", "score": 0.9,
    "links": ["https://doga.no/gnist/"],
}


def test_sources_panel_numbers_match_the_answer_and_escape_document_markup():
    panel = sources_markdown([CITATION], "ingen")
    assert panel.startswith("**[2] Slik deltar en kommune**")
    assert "Deltakeravgift · delta.md" in panel and "knowledge/" not in panel
    assert "<script>" not in panel and "&lt;script&gt;" in panel
    assert "<https://doga.no/gnist/>" in panel


def test_sources_panel_without_citations_shows_the_placeholder():
    assert sources_markdown([], "Kildene vises her.") == "Kildene vises her."


def test_long_passages_are_shortened():
    panel = sources_markdown([{**CITATION, "text": "ord " * 1000, "links": []}], "")
    assert panel.endswith("…") and len(panel) < 1000


def test_stored_answers_show_their_notices_first():
    messages = [StoredMessage(1, "user", "Hva koster det?"),
                StoredMessage(2, "assistant", "200 000 kroner [1].", notices=["Språkmodellen svarte ikke."])]
    shown = chat_messages(messages)
    assert shown[0] == {"role": "user", "content": "Hva koster det?"}
    assert shown[1]["content"] == answer_content("200 000 kroner [1].", ["Språkmodellen svarte ikke."])
    assert shown[1]["content"].startswith('<p><span class="gnist-icon gnist-icon-warning" aria-hidden="true">⚠︎</span>'
                                          " Språkmodellen svarte ikke.</p>")


def test_similar_cases_name_what_the_jury_valued_once():
    from assistant.ui.workshop import similar_markdown
    from assistant.workshop.similar import SimilarCase

    case = SimilarCase("caser/2021-lund.md", "Lund kommune: Gnist 2021", "Lund", "2021", "Sentrum", "", "Fabrikken",
                       "Juryen la vekt på grundig innsiktsarbeid.", 0.9)
    shown = similar_markdown([case], "nb", BUILT_IN)
    assert "Juryen la vekt på grundig innsiktsarbeid." in shown and "Juryen la vekt på: Juryen" not in shown
    plain = SimilarCase(**{**case.as_dict(), "jury": "grundig innsiktsarbeid."})
    assert "Juryen la vekt på: grundig innsiktsarbeid." in similar_markdown([plain], "nb", BUILT_IN)
