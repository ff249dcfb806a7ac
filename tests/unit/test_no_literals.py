"""No user-facing Norwegian sentence is written in Python code: every text the user sees comes from
a catalog (prompts/messages.*.json, prompts/workshop/, assistant/ui/locales/), so it follows the
user's language (issue 11). Docstrings, comments and regular expressions are not texts for users."""

from __future__ import annotations

import ast
import re

from assistant.settings import REPO_ROOT

SCANNED = ("assistant/ingest", "assistant/services", "assistant/ui")
# Files not checked, and why.
EXCEPTIONS = {
    "assistant/services/cards.py": "validation problems of answer cards, for the facilitators who write knowledge/cards/ "
                                   "(logged and printed by gnist ingest), never shown in the app",
    "assistant/services/evaluation.py": "the make eval / gnist eval report for developers, never shown in the app",
}
# Literals that look Norwegian but are not shown to anyone, and why.
ALLOWED = {
    "Hva er Gnist i kommunene våre?": "warm-up input for the language detector (services/language.py)",
}
BRAND = "Gnist-assistenten"
NORWEGIAN_WORDS = frozenset({
    "ikke", "ikkje", "er", "du", "og", "som", "det", "har", "kan", "må", "skal", "ble", "vart", "eller", "jeg", "eg",
    "filen", "fila", "dette", "denne", "prøv", "din", "dine", "noe", "noko", "hva", "kva", "vil", "kunne",
})
REGEX = re.compile(r"\\[bBwWsSdD]|\(\?[:=!<]|\w\|\w")


def looks_norwegian(text: str) -> bool:
    """A sentence for people, in Norwegian: three words or more with æ/ø/å or a common Norwegian word."""
    text = text.replace(BRAND, "")
    words = re.findall(r"[A-Za-zÆØÅæøå]+", text)
    if len(text.split()) < 3 or len(words) < 3 or REGEX.search(text):
        return False
    return bool(re.search("[æøåÆØÅ]", text)) or any(word.lower() in NORWEGIAN_WORDS for word in words)


def norwegian_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string literal in ``source`` that looks like a Norwegian sentence; an
    f-string is one text with its fields as «{}»."""
    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skipped.add(id(first.value))  # a docstring
        if isinstance(node, ast.JoinedStr):
            skipped.update(id(value) for value in node.values)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped:
            text = node.value
        else:
            continue
        if text not in ALLOWED and looks_norwegian(text):
            found.append((node.lineno, text))
    return sorted(found)


def test_the_check_finds_a_norwegian_literal_and_passes_the_rest():
    snippet = '''
def load(source):
    """Leser filen; «filen er tom» er en feil."""
    log.info("%s: could not decrypt: %r", source, "x")
    pattern = re.compile(r"\\b(hvor mange|kor mange|how many)\\b")
    print("Gnist-assistenten")
    raise IngestError(source, f"filen {source} er tom. Prøv igjen.")
    raise IngestError(source, "ingest.empty")
    return "Del det opp i mindre filer og last dem opp hver for seg."
'''
    assert [line for line, _ in norwegian_literals(snippet)] == [7, 9]


def test_no_norwegian_sentences_in_python_code():
    files = sorted(path for folder in SCANNED for path in (REPO_ROOT / folder).rglob("*.py"))
    assert all((REPO_ROOT / name).is_file() for name in EXCEPTIONS), "an exception names a file that is gone"
    found = [
        f"{path.relative_to(REPO_ROOT)}:{line}: {text!r}"
        for path in files
        if path.relative_to(REPO_ROOT).as_posix() not in EXCEPTIONS
        for line, text in norwegian_literals(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "user-facing texts belong in a catalog (prompts/ or assistant/ui/locales/):\n" + "\n".join(found)
