"""Case files for the small test corpora (tests/conftest.py, tests/llm/conftest.py): the programme
front matter every case file carries (issue 19), with «unknown» for what these tests do not need,
and the writing of a corpus."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

UNKNOWN_FIELDS = ("challenge", "reframing", "concept", "jury", "team")


def case_file(title: str, *, year: int, round_name: str, municipality: str, language: str,
              counties: tuple[str, str, str], themes: list[str], status: str, body: str) -> str:
    """A case file: ``counties`` is (then, now, before 2020); ``body`` the Markdown after the front matter."""
    then, now, before = counties
    lines = ["---", f'title: "{title}"', "type: case", f"year: {year}", f'round: "{round_name}"',
             f'municipality: "{municipality}"', f"language: {language}",
             *(f'{field}: "unknown"' for field in UNKNOWN_FIELDS), "partners: []",
             f'county_then: "{then}"', f'county_now: "{now}"', f'county_before_2020: "{before}"',
             f'centrality: {{"{municipality}": "unknown"}}', f"themes: {json.dumps(themes, ensure_ascii=False)}",
             f"status: {status}", "---"]
    return "\n".join(lines) + "\n" + textwrap.dedent(body)


def write_corpus(root: Path, corpus: dict[str, str]) -> dict[str, Path]:
    """Write ``corpus`` ({relative name: text, indented or not}) under ``root``; returns {name: path}."""
    paths = {}
    for name, text in corpus.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        paths[name] = path
    return paths
