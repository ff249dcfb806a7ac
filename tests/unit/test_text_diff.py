"""Where two versions of a field's text differ (issue 25): the history used to cut «Før» and «Etter»
at about 150 characters, so a change at the end of a long text looked identical before and after."""

from __future__ import annotations

import random
import re

from assistant.catalog import BUILT_IN
from assistant.ui.text_diff import CHANGED_WORDS, CONTEXT_WORDS, DiffWords, word_diff

NB = DiffWords(removed="fjernet", added="lagt til", empty="tomt")
REMOVED = '<del><span class="gnist-sr">fjernet: </span>'
ADDED = '<ins><span class="gnist-sr">lagt til: </span>'


def seen(shown: str) -> str:
    """What a sighted reader sees: the marks and the screen-reader words gone, references read."""
    text = re.sub(r'<span class="gnist-sr">[^<]*</span>', "", shown)
    text = re.sub(r"</?(ins|del)>", "", text)
    return re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), text)


def heard(shown: str) -> str:
    """What a screen reader reads (it does not announce <ins> and <del> themselves)."""
    return re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), re.sub(r"</?(ins|del|span)[^>]*>", "", shown))


def test_a_change_at_the_end_of_a_long_text_shows_there():
    opening = ("Sentrum er tomt om kveldene i hele kommunen, butikkene stenger tidlig, kafeen har kort "
               "åpningstid, ungdommen drar til byen og bussen går bare annenhver time. Det siste året har "
               "to butikker lagt ned, og de som er igjen stenger")
    before, after = word_diff(opening + " klokka fire.", opening + " klokka seks på lørdager.", NB)
    assert before == f"«… ned, og de som er igjen stenger klokka {REMOVED}fire.</del>»"
    assert after == f"«… ned, og de som er igjen stenger klokka {ADDED}seks på lørdager.</ins>»"
    assert seen(before) != seen(after) and "Sentrum" not in before
    assert heard(after).endswith("klokka lagt til: seks på lørdager.»")


def test_each_change_gets_its_own_context_and_the_stretch_between_is_cut():
    words = [f"w{n}" for n in range(60)]
    changed = list(words)
    changed[2], changed[50] = "FØRST", "SIST"
    before, after = word_diff(" ".join(words), " ".join(changed), NB)
    assert seen(after) == "«w0 w1 FØRST w3 w4 w5 w6 w7 w8 w9 w10 … w42 w43 w44 w45 w46 w47 w48 w49 SIST w51 w52 w53 " \
                          "w54 w55 w56 w57 w58 …»"
    assert before.count(REMOVED) == 2 and after.count(ADDED) == 2
    # Two changes close together share their context: nothing between them is cut.
    close = list(words)
    close[20], close[25] = "A", "B"
    assert "…" not in seen(word_diff(" ".join(words), " ".join(close), NB)[1]).split("A")[1].split("B")[0]


def test_added_only_and_removed_only_mark_one_side():
    before, after = word_diff("Et sentrum for alle", "Et levende sentrum for alle", NB)
    assert before == "«Et sentrum for alle»" and after == f"«Et {ADDED}levende</ins> sentrum for alle»"
    before, after = word_diff("Et levende sentrum for alle", "Et sentrum for alle", NB)
    assert before == f"«Et {REMOVED}levende</del> sentrum for alle»" and after == "«Et sentrum for alle»"


def test_an_empty_side_says_so_in_the_readers_language():
    assert word_diff("", "Ny tekst", NB) == ("_tomt_", f"«{ADDED}Ny tekst</ins>»")
    assert word_diff("Gammel tekst", "  ", NB) == (f"«{REMOVED}Gammel tekst</del>»", "_tomt_")
    english = DiffWords(removed=BUILT_IN.ui("collab.removed", "en"), added=BUILT_IN.ui("collab.added", "en"),
                        empty=BUILT_IN.ui("collab.empty", "en"))
    assert word_diff("", "New text", english) == ("_empty_",
                                                  '«<ins><span class="gnist-sr">added: </span>New text</ins>»')
    assert BUILT_IN.ui("collab.removed", "nn") == "fjerna"


def test_unchanged_words_and_line_breaks_show_the_opening():
    text = " ".join(f"ord{n}" for n in range(40))
    before, after = word_diff(text, text.replace(" ", "\n"), NB)
    assert before == after == "«" + " ".join(f"ord{n}" for n in range(2 * CONTEXT_WORDS)) + " …»"


def test_a_long_rewrite_shows_its_first_and_last_words():
    old = " ".join(f"gammel{n}" for n in range(100))
    new = " ".join(f"ny{n}" for n in range(100))
    before, after = word_diff(old, new, NB)
    assert seen(after) == "«" + " ".join(f"ny{n}" for n in range(CHANGED_WORDS // 2)) + " … " + \
        " ".join(f"ny{n}" for n in range(100 - CHANGED_WORDS // 2, 100)) + "»"
    assert seen(before).startswith("«gammel0 gammel1") and "gammel50" not in before


def test_the_users_markup_is_shown_as_typed_and_means_nothing():
    before, after = word_diff("Et *viktig* mål <b>nå</b> [lenke](https://x.example) ~~ja~~",
                              "Et *viktig* mål_2 <b>nå</b> [lenke](https://x.example) ~~ja~~", NB)
    assert after == ("«Et &#42;viktig&#42; " + ADDED + "mål&#95;2</ins> &#60;b&#62;nå&#60;/b&#62; "
                     "&#91;lenke&#93;&#40;https://x.example&#41; &#126;&#126;ja&#126;&#126;»")
    for shown in (before, after):
        assert "<b>" not in shown and "*" not in shown and "](" not in shown and "~" not in shown


def test_random_edits_always_show_what_was_removed_and_added():
    """Many random edits of texts of every length: the words removed and added are marked (or cut
    to «…» inside a long change), the rest is not, and a visible difference is never hidden."""
    rng = random.Random(25)  # noqa: S311 - reproducible test texts, not secrets
    vocabulary = ["sentrum", "kveld", "unge", "butikk", "buss", "kafé", "bibliotek", "møteplass", "frivillige",
                  "kommunen", "dei", "ungdomen", "stad", "the", "centre", "evening", "å", "og", "til", "frå"]
    for _ in range(400):
        old = [rng.choice(vocabulary) + str(rng.randrange(3)) for _ in range(rng.randrange(0, 120))]
        new = list(old)
        for _ in range(rng.randrange(1, 4)):
            at = rng.randrange(len(new) + 1)
            if rng.random() < 0.5 and at < len(new):
                del new[at:at + rng.randrange(1, 4)]
            else:
                new[at:at] = [f"NY{rng.randrange(1000)}" for _ in range(rng.randrange(1, 5))]
        before, after = word_diff(" ".join(old), " ".join(new), NB)
        if old == new:
            assert before == after and ADDED not in after
            continue
        assert REMOVED in before or ADDED in after
        assert seen(before) != seen(after)
        for word in {w for w in new if w.startswith("NY")}:
            assert word in after or "…" in after  # an added word shows unless a long change is cut
        outside = re.sub(r"<ins>.*?</ins>", "", after)
        assert not re.search(r"\bNY\d", outside)  # an added word is never shown as unchanged
        changes = before.count(REMOVED) + after.count(ADDED)
        for shown in (before, after):  # as long as the changes make it, not as the text
            assert len(seen(shown).split()) <= changes * (2 * CONTEXT_WORDS + CHANGED_WORDS + 2) + 2
