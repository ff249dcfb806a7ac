"""The UI's pure rendering: the sources panel and stored chats."""

from __future__ import annotations

import pytest

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


def _case_front_matter() -> list[dict]:
    import frontmatter

    from assistant.settings import REPO_ROOT

    metas = [frontmatter.load(path).metadata for path in sorted((REPO_ROOT / "knowledge" / "caser").glob("*.md"))]
    return [meta for meta in metas if meta.get("type") == "case" and "jury" in meta]


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_no_case_file_gets_its_jury_lead_in_twice(lang):
    """Issue 25: «Juryen la vekt på: Juryen la vekt på at …». Every jury text in the case files, in
    each language, as the index holds it (a dict's literal): its lead-in is said once (the label adds
    no second «jury»), and a value the source does not know («unknown») is not shown."""
    from assistant.ui.workshop import similar_markdown
    from assistant.workshop.similar import cases_from_hits

    metas = _case_front_matter()
    with_jury = [meta for meta in metas if isinstance(meta.get("jury"), dict)]
    assert with_jury and any(meta.get("jury") == "unknown" for meta in metas)
    for meta in metas:
        hit = {"source": meta["title"], "title": meta["title"],
               "metadata": {"type": "case", **{key: str(value) for key, value in meta.items()}}}
        (case,) = cases_from_hits([hit], lang=lang)
        shown = similar_markdown([case], lang, BUILT_IN)
        jury = meta["jury"][lang] if isinstance(meta["jury"], dict) else ""
        assert shown.casefold().count("jury") == jury.casefold().count("jury"), shown
        assert "unknown" not in shown
