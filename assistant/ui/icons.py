"""The status symbols of the page, in one place. Symbols that ordinary text fonts carry (DejaVu,
Liberation, Segoe UI, Roboto): emoji show as empty boxes where no emoji font is installed, and a
symbol never carries meaning alone (the words beside it say the same). U+FE0E asks for the text
form of a symbol that also has an emoji form."""

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
