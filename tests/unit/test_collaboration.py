"""Pure parts of working together: which fields keep a history, how colliding texts are both kept,
how authors are shown to colleagues, and the history and comment panels' text."""

from __future__ import annotations

from assistant.catalog import BUILT_IN
from assistant.ui.collaboration import comments_markdown, history_markdown, share_url
from assistant.ui.render import local_time
from assistant.workshop.collaboration import HISTORY_FIELDS, Comment, FieldChange, author_name, merge_texts, targets


def test_history_covers_real_fields_and_virtual_questions_map_to_them():
    assert {"raw_problem", "need.statement", "need.evidence", "actors", "reframing_from", "reframing_to",
            "forankring.budget", "resident_input.kritikk"} <= set(HISTORY_FIELDS)
    assert not {"actors.knows", "reframing", "current_step", "suggestions", "updated"} & set(HISTORY_FIELDS)
    assert targets("actors.contributes") == ("actors",)
    assert targets("reframing") == ("reframing_from", "reframing_to")
    assert targets("vision") == ("vision",)


def test_merging_keeps_both_texts_and_each_line_once():
    assert merge_texts("Et levende sentrum.", "Et sentrum for unge.") == "Et levende sentrum.\nEt sentrum for unge."
    assert merge_texts("- Kulturhuset\n- Biblioteket", "- Kulturhuset\n- Idrettslaget") == \
        "- Kulturhuset\n- Biblioteket\n- Idrettslaget"
    assert merge_texts("", "Min tekst") == "Min tekst"
    assert merge_texts("Deres tekst", "") == "Deres tekst"


def test_authors_are_shown_without_their_ids():
    guest = "anon:" + "3" * 32
    shown = author_name(guest, "user:kari", "nb", BUILT_IN)
    assert shown.startswith("Gjest ") and "3333" not in shown and len(shown) == len("Gjest 1A2B")
    assert author_name(guest, "user:per", "nb", BUILT_IN) == shown  # the same code for everyone
    assert author_name(guest, "user:kari", "en", BUILT_IN).startswith("Guest ")
    assert author_name("user:kari", "user:per", "nb", BUILT_IN) == "kari"
    assert author_name("user:kari", "user:kari", "nn", BUILT_IN) == "Du"
    assert author_name("", "user:kari", "nb", BUILT_IN) == "En tidligere deltaker"


def test_history_panel_says_who_changed_what_in_the_users_language():
    changes = [FieldChange(2, "vision", "user:per", "conflict", "Gammel", "Gammel\nNy", "2026-12-02T10:04:00+00:00"),
               FieldChange(1, "vision", "user:kari", "edit", "", "Gammel", "2026-12-02T10:01:00+00:00")]
    text = history_markdown(changes, "user:kari", "nb", BUILT_IN)
    assert "2026-12-02 11:04 · per endret samtidig med en annen" in text
    assert "2026-12-02 11:01 · Du endret" in text
    assert "Før: _tomt_" in text
    assert 'Etter: «Gammel <ins><span class="gnist-sr">lagt til: </span>Ny</ins>»' in text
    assert "Endringer i feltet" in history_markdown([], "user:kari", "nb", BUILT_IN)
    assert "Changes to this field" in history_markdown(changes, "user:kari", "en", BUILT_IN)


def test_times_are_shown_in_norwegian_time_winter_and_summer():
    assert local_time("2026-12-02T10:04:00+00:00") == "2026-12-02 11:04"
    assert local_time("2026-07-01T10:00:00+00:00") == "2026-07-01 12:00"
    assert local_time("2026-07-01T10:00:00") == "2026-07-01 12:00"  # stored without a zone: UTC


def test_comments_are_inert_markdown():
    comments = [Comment(1, "vision", "user:per", "Se ![x](https://evil.example/p.png) <img src=x>", "2026-12-02T10:00")]
    text = comments_markdown(comments, "user:kari", "nn", BUILT_IN)
    assert "![" not in text and "<img" not in text and "**per**" in text and text.startswith("**Kommentarar**")


class _Settings:
    public_url = "https://gnist.kommune.no/"
    host, port = "127.0.0.1", 7860


def test_share_links_use_the_public_address():
    assert share_url(_Settings(), None, "abc") == "https://gnist.kommune.no/?lerret=abc"


def test_history_of_from_to_names_the_half_each_change_made():
    changes = [FieldChange(2, "reframing_to", "user:per", "edit", "et møtested", "et levende møtested",
                           "2026-12-02T10:04:00+00:00"),
               FieldChange(1, "reframing_from", "user:per", "edit", "", "tomme lokaler", "2026-12-02T10:01:00+00:00")]
    text = history_markdown(changes, "user:kari", "nb", BUILT_IN, halves=True)
    assert "per endret – Til (slik vi vil ha det)" in text and "per endret – Fra (slik det er i dag)" in text
    assert "Frå (slik det er i dag)" in history_markdown(changes, "user:kari", "nn", BUILT_IN, halves=True)
    assert "Fra (slik" not in history_markdown(changes, "user:kari", "nb", BUILT_IN)
