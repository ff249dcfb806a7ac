"""The status symbols of the page, in one place. Each is drawn by the page's CSS as a small
vector image (launch.ICON_CSS), so it shows on any system, with or without an emoji font or a
font that has the symbol: the text symbol stays inside, transparent, for copying and for the
plain text of API answers. A symbol never carries meaning alone (the words beside it say the
same), so the drawn icon is hidden from screen readers. U+FE0E asks for the text form of a symbol
that also has an emoji form."""

from __future__ import annotations

import re

DONE = "✓"
FAILED = "✗"
WARNING = "⚠\ufe0e"
INFO = "ℹ\ufe0e"
CURRENT = "→"
TODO = "○"
SKIPPED = "↷"
WAITING = "◐"

STEP_STATUS = {"done": DONE, "skipped": SKIPPED, "current": CURRENT, "todo": TODO}
SEVERITY = {"mangler": FAILED, "advarsel": WARNING, "info": INFO}

NAMES = {DONE: "done", FAILED: "failed", WARNING: "warning", INFO: "info", CURRENT: "current", TODO: "todo",
         SKIPPED: "skipped", WAITING: "waiting"}
# Warning and info (with U+FE0E) are ours wherever they are; the others are icons where a status
# stands: at the start of a line, a paragraph or a list item, before a space (an arrow in the
# middle of a user's «fra … → til …» stays text).
_ANYWHERE = re.compile("|".join(re.escape(symbol) for symbol in (WARNING, INFO)))
_LEADING = re.compile(r"(^|\n)([ \t]*)([{}])(?= )".format("".join(re.escape(s) for s in NAMES if len(s) == 1)))


def _span(symbol: str) -> str:
    return f'<span class="gnist-icon gnist-icon-{NAMES[symbol]}" aria-hidden="true">{symbol}</span>'


def draw(text: str) -> str:
    """Escaped text or HTML with its status symbols as icons the page's CSS draws. Only for a text
    node's content or whole lines of trusted HTML (never inside a tag)."""
    text = _ANYWHERE.sub(lambda match: _span(match.group(0)), text)
    return _LEADING.sub(lambda match: match.group(1) + match.group(2) + _span(match.group(3)), text)


# Each icon's drawing (SVG on a 24×24 grid, stroked; only its shape counts: the CSS fills it with
# the text's colour through a mask).
_SHAPES = {
    "done": "<path d='M4 12.5l5 5L20 6.5'/>",
    "failed": "<path d='M6 6l12 12M18 6L6 18'/>",
    "warning": "<path d='M12 3L2 21h20z' stroke-width='2'/><path d='M12 10v5M12 18v.5'/>",
    "info": "<circle cx='12' cy='12' r='9' stroke-width='2'/><path d='M12 11v6M12 7.5v.5'/>",
    "current": "<path d='M4 12h15M13 6l6 6-6 6'/>",
    "todo": "<circle cx='12' cy='12' r='7' stroke-width='2'/>",
    "skipped": "<path d='M5 17a7.5 7.5 0 0 1 13.5-6'/><path d='M19.5 5v6h-6'/>",
    "waiting": "<circle cx='12' cy='12' r='8' stroke-width='2'/><path d='M12 4a8 8 0 0 1 0 16z' fill='black'/>",
}


def css() -> str:
    """The page's CSS for the icons: each symbol's span shows its drawing in the text's colour
    (the symbol itself is transparent), also in Windows' high-contrast mode."""
    from urllib.parse import quote

    rules = [
        ".gnist-icon { display: inline-block; width: 1em; height: 1em; vertical-align: -0.15em; overflow: hidden;"
        " white-space: nowrap; -webkit-text-fill-color: transparent; background-color: currentColor;"
        " -webkit-mask: var(--gnist-icon) center / contain no-repeat; mask: var(--gnist-icon) center / contain"
        " no-repeat; }",
        "@media (forced-colors: active) { .gnist-icon { forced-color-adjust: none; background-color: CanvasText; } }",
    ]
    for name, shape in _SHAPES.items():
        svg = ("<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24' fill='none' stroke='black'"
               f" stroke-width='3' stroke-linecap='round' stroke-linejoin='round'>{shape}</svg>")
        rules.append(f'.gnist-icon-{name} {{ --gnist-icon: url("data:image/svg+xml,{quote(svg)}"); }}')
    return "\n".join(rules)
