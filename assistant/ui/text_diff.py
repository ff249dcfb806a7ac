"""Where two versions of a text differ, word by word (difflib), for a field's history: each change
with a few words around it, removed words in <del> and added words in <ins>, and before each a
visually hidden «fjernet:» / «lagt til:» for screen readers, which do not announce the elements
themselves. Long unchanged stretches are cut to «…», so a change at the end of a long text shows
there and not as two identical beginnings."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

CONTEXT_WORDS = 8  # unchanged words shown on each side of a change
CHANGED_WORDS = 40  # a longer change shows its first and last words
ELLIPSIS = "…"
SCREEN_READER_ONLY = "gnist-sr"  # the page's CSS hides it from sight, not from screen readers
# Characters the page's Markdown renderer (or HTML) would read as markup, written as character
# references: a user's «*», «_», «[…](…)» or «<b>» is shown as typed and means nothing.
_MARKUP = re.compile(r"[&<>\\`*_~\[\]()!#|]")


@dataclass(frozen=True)
class DiffWords:
    """The catalog's words for the marks, in the reader's language."""

    removed: str  # «fjernet»
    added: str  # «lagt til»
    empty: str  # «tomt»: a text that had no words


def inert(words: list[str]) -> str:
    return _MARKUP.sub(lambda m: f"&#{ord(m.group())};", " ".join(words))


def _shortened(words: list[str], limit: int) -> str:
    if len(words) <= limit:
        return inert(words)
    return f"{inert(words[:limit // 2])} {ELLIPSIS} {inert(words[-(limit // 2):])}"


def _unchanged(words: list[str], first: bool, last: bool) -> str:
    """An unchanged stretch: its end before the first change, its start after the last, both ends
    between two changes, all of it when short."""
    if first and last:  # nothing changed: the text's opening
        return inert(words[:2 * CONTEXT_WORDS]) + (f" {ELLIPSIS}" if len(words) > 2 * CONTEXT_WORDS else "")
    if first:
        return (f"{ELLIPSIS} " if len(words) > CONTEXT_WORDS else "") + inert(words[-CONTEXT_WORDS:])
    if last:
        return inert(words[:CONTEXT_WORDS]) + (f" {ELLIPSIS}" if len(words) > CONTEXT_WORDS else "")
    if len(words) > 2 * CONTEXT_WORDS:
        return f"{inert(words[:CONTEXT_WORDS])} {ELLIPSIS} {inert(words[-CONTEXT_WORDS:])}"
    return inert(words)


def _changed(words: list[str], tag: str, said: str) -> str:
    said_aloud = f'<span class="{SCREEN_READER_ONLY}">{inert([said])}: </span>'
    return f"<{tag}>{said_aloud}{_shortened(words, CHANGED_WORDS)}</{tag}>"


def _side(words: list[str], spans: list[tuple[str, int, int]], tag: str, said: str, empty: str) -> str:
    if not words:
        return f"_{inert([empty])}_"
    parts = []
    for index, (op, start, end) in enumerate(spans):
        if end == start:
            continue  # this side has no words here (an insertion seen from before, a removal from after)
        if op == "equal":
            parts.append(_unchanged(words[start:end], first=index == 0, last=index == len(spans) - 1))
        else:
            parts.append(_changed(words[start:end], tag, said))
    return "«" + " ".join(parts) + "»"


def word_diff(previous: str, value: str, words: DiffWords) -> tuple[str, str]:
    """(before, after) as Markdown with inline HTML: the old text with its removed words in <del>,
    the new text with its added words in <ins>, each with a few unchanged words around."""
    old, new = previous.split(), value.split()
    opcodes = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    before = _side(old, [(op, i1, i2) for op, i1, i2, _, _ in opcodes], "del", words.removed, words.empty)
    after = _side(new, [(op, j1, j2) for op, _, _, j1, j2 in opcodes], "ins", words.added, words.empty)
    return before, after
