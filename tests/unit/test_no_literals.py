"""No user-facing Norwegian sentence is written in Python code: every text the user sees comes from
the text catalog (assistant/catalog.py: prompts/ and assistant/ui/locales/), so it follows the
user's language (issue 11). Docstrings, comments, regular expressions and the words the code
recognises in what users write are not texts for users."""

from __future__ import annotations

import ast
import re

from assistant.settings import REPO_ROOT

SCANNED = ("assistant",)  # the app, the command line, the services, the workshop, the adapters
# Files not checked, and why.
EXCEPTIONS = {
    "assistant/services/evaluation.py": "the make eval / gnist eval report for developers, never shown in the app",
}
# Literals that look Norwegian but are not shown to anyone, and why.
ALLOWED = {
    "Hva er Gnist i kommunene våre?": "warm-up input for the language detector (services/language.py)",
}
# Constants whose words the code recognises in what users write (in every language at once), and why.
VOCABULARY = {
    "PRINCIPLES": "workshop/canvas.py: the roadmap's eight principles in DOGA's wording; the Bokmål name is the "
                  "value stored in a canvas, and every form is recognised in an answer",
    "CLIMATE_PRINCIPLE": "workshop/canvas.py: one of those stored names, checked by the critic",
    "_PRINCIPLE_KEYWORDS": "workshop/canvas.py: words that name a principle in an answer",
    "_GENERIC_WORDS": "workshop/critic.py: words too vague to make a «how might we» question specific",
    "SKIP_WORDS": "workshop/engine.py: what users write to skip a question",
    "HKV_PREFIX": "workshop/parsing.py: the opening of a «how might we» question, recognised and completed in answers",
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


def vocabulary_name(node: ast.Assign | ast.AnnAssign) -> str | None:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return next((t.id for t in targets if isinstance(t, ast.Name)), None)


def norwegian_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string literal in ``source`` that looks like a Norwegian sentence; an
    f-string is one text with its fields as «{}»."""
    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and vocabulary_name(node) in VOCABULARY:
            skipped.update(id(value) for value in ast.walk(node.value))
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
SKIP_WORDS = {"hopp over dette", "skip this"}
NOT_VOCABULARY = {"hopp over dette", "skip this"}
'''
    assert [line for line, _ in norwegian_literals(snippet)] == [7, 9, 11]


def test_no_norwegian_sentences_in_python_code():
    files = sorted(path for folder in SCANNED for path in (REPO_ROOT / folder).rglob("*.py"))
    assert all((REPO_ROOT / name).is_file() for name in EXCEPTIONS), "an exception names a file that is gone"
    assigned = {vocabulary_name(node) for path in files
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, (ast.Assign, ast.AnnAssign))}
    assert set(VOCABULARY) <= assigned, "a vocabulary constant is gone"
    found = [
        f"{path.relative_to(REPO_ROOT)}:{line}: {text!r}"
        for path in files
        if path.relative_to(REPO_ROOT).as_posix() not in EXCEPTIONS
        for line, text in norwegian_literals(path.read_text(encoding="utf-8"))
    ]
    assert found == [], ("user-facing texts belong in a catalog (prompts/ or assistant/ui/locales/):\n"
                         + "\n".join(found))
