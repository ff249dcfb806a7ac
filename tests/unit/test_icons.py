"""Status symbols must show without an emoji font (a machine with only DejaVu or Liberation showed
empty boxes): no emoji in the page's code or texts, only symbols from ordinary text fonts."""

import re
from pathlib import Path

import pytest

from assistant.catalog import BUILT_IN
from assistant.ui import icons

ROOT = Path(__file__).resolve().parents[2]

# Emoji_Presentation=Yes in the Basic Multilingual Plane (Unicode emoji-data), everything from U+1F000,
# and U+FE0F (a request for the emoji form of a symbol).
BMP_EMOJI = ("\u231a\u231b\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2614\u2615\u2648-\u2653\u267f\u2693\u26a1"
             "\u26aa\u26ab\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2\u26f3\u26f5\u26fa\u26fd\u2705"
             "\u270a\u270b\u2728\u274c\u274e\u2753-\u2755\u2757\u2795-\u2797\u27b0\u27bf\u2b1b\u2b1c\u2b50\u2b55")
EMOJI = re.compile(f"[{BMP_EMOJI}\U0001F000-\U0001FAFF\ufe0f]")


def shown_files():
    yield from (ROOT / "assistant" / "ui").rglob("*.py")
    yield from (ROOT / "assistant" / "ui").rglob("*.json")
    yield from (ROOT / "assistant" / "ui" / "templates").glob("*.html")
    yield from (ROOT / "prompts").rglob("*.json")
    yield from (ROOT / "assistant" / "workshop").glob("*.py")


def test_the_detector_knows_the_emoji_we_used():
    assert all(EMOJI.search(sample) for sample in ["✅", "❌", "⏳", "💡", "⬜", "⚠️", "➡️", "⏭️"])
    assert not EMOJI.search("✓ ✗ → ○ ↷ ◐ ⚠\ufe0e ℹ\ufe0e «» – …")


@pytest.mark.parametrize("path", sorted(shown_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_emoji_in_what_the_page_shows(path):
    found = [(n, line.strip()[:80]) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if EMOJI.search(line)]
    assert found == []


def test_every_status_has_a_text_symbol():
    assert set(icons.STEP_STATUS) == {"done", "skipped", "current", "todo"}
    assert not any(EMOJI.search(symbol) for symbol in vars(icons).values() if isinstance(symbol, str))
    assert BUILT_IN.ui("ws.status.done", "nn")  # the words beside the symbol say the same


def test_status_symbols_are_drawn_by_css_and_an_arrow_in_a_sentence_stays_text():
    from assistant.ui.render import safe_markdown

    drawn = safe_markdown("- ✗ **Mangler · Forankring:** tekst\n- fra sentrum → til torget\n\n⚠\ufe0e Merk")
    assert drawn.count('class="gnist-icon') == 2
    assert '<span class="gnist-icon gnist-icon-failed" aria-hidden="true">✗</span> <strong>' in drawn
    assert "fra sentrum → til torget" in drawn  # a user's arrow in a sentence is text
    css = icons.css()
    assert all(f".gnist-icon-{name} " in css for name in icons.NAMES.values())
    assert "data:image/svg+xml," in css and "forced-colors" in css
