"""Upload and ingest messages come from prompts/messages.{nb,nn,en}.json: they render in the
user's language and stay Bokmål for the command line and logs (that the three languages agree:
test_text_catalog.py)."""

from __future__ import annotations

import ast
import json
import re

import pytest

from assistant.catalog import BUILT_IN
from assistant.ingest.loaders import IngestError, load_file, number
from assistant.services.documents import UploadResult
from assistant.services.upload_queue import UploadJob
from assistant.settings import REPO_ROOT
from assistant.ui.render import upload_progress_markdown

LANGS = ("nb", "nn", "en")
CATALOGS = {lang: json.loads((REPO_ROOT / "prompts" / f"messages.{lang}.json").read_text(encoding="utf-8"))
            for lang in LANGS}
KEY = re.compile(r"(?:ingest|upload|identity|launch|cli|llm)\.[a-z_]+")


def test_every_message_key_in_the_code_is_in_the_catalog():
    used = set()
    for path in (REPO_ROOT / "assistant").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY.fullmatch(node.value):
                used.add(node.value)
    assert {"ingest.pdf_too_many_pages", "upload.added", "upload.queued", "identity.other_user"} <= used
    assert sorted(used - set(CATALOGS["nb"])) == []


def test_nynorsk_upload_texts_are_nynorsk():
    for key, text in CATALOGS["nn"].items():
        if key.startswith(("ingest.", "upload.", "identity.")):
            words = set(re.findall(r"\w+", text.lower()))
            assert not words & {"ikke", "filen", "grensen", "leses", "noen", "hva", "hvis"}, (key, text)


def test_ingest_error_renders_in_each_language_and_stays_bokmal_in_str(tmp_path):
    error = IngestError("plan.pdf", "ingest.pdf_too_many_pages", value=number(2000), limit=number(300))
    assert str(error) == ("plan.pdf: PDF-en har 2 000 sider. Grensen er 300 sider per dokument. "
                          "Del den opp, eller last opp bare de sidene du trenger.")
    assert error.reason == error.render(BUILT_IN, "nb")
    assert error.render(BUILT_IN, "nn").startswith("PDF-en har 2 000 sider. Grensa er 300 sider")
    assert error.render(BUILT_IN, "en").startswith("the PDF has 2 000 pages. The limit is 300 pages")

    sheet = tmp_path / "budsjett.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    with pytest.raises(IngestError) as caught:
        load_file(sheet)
    assert caught.value.key == "ingest.unsupported_type"
    assert "«.xlsx» støttes ikke" in caught.value.reason
    assert "«.xlsx» er ikkje støtta" in caught.value.render(BUILT_IN, "nn")
    assert "«.xlsx» is not supported. Use PDF, DOCX, TXT or Markdown." in caught.value.render(BUILT_IN, "en")


def test_upload_result_renders_in_each_language():
    added = UploadResult("plan.pdf", True, "upload.added", {"chunks": 12}, 12)
    assert added.message == "plan.pdf er lagt til (12 tekstbiter)."
    assert added.render(BUILT_IN, "nn") == "plan.pdf er lagd til (12 tekstbitar)."
    assert added.render(BUILT_IN, "en") == "plan.pdf was added (12 text pieces)."
    too_big = UploadResult("plan.pdf", False, "upload.too_big", {"size": "31.2", "limit": 30})
    assert too_big.message.startswith("plan.pdf: filen er for stor (31.2 MB). Grensen er 30 MB.")
    assert too_big.render(BUILT_IN, "nn").startswith("plan.pdf: fila er for stor (31.2 MB). Grensa er 30 MB.")
    assert too_big.render(BUILT_IN, "en").startswith("plan.pdf: the file is too big (31.2 MB). The limit is 30 MB.")


def test_upload_progress_in_the_users_language():
    jobs = [
        UploadJob("1", "kari", "a.pdf", "queued", position=2),
        UploadJob("2", "kari", "b.pdf", "running", progress=0.5),
        UploadJob("3", "kari", "c.txt", "failed", result=UploadResult("c.txt", False, "ingest.no_text")),
    ]
    def lines(lang: str) -> list[str]:  # as read: the icons' spans (see test_icons) keep their symbol
        return [re.sub(r"<[^>]+>", "", line) for line in upload_progress_markdown(jobs, BUILT_IN, lang).split("\n\n")]

    assert lines("nb") == [
        "○ a.pdf: venter i kø (nummer 2).", "◐ b.pdf: legges til … 50 %", "✗ c.txt: filen inneholder ingen tekst."]
    assert lines("nn") == [
        "○ a.pdf: ventar i kø (nummer 2).", "◐ b.pdf: blir lagd til … 50 %", "✗ c.txt: fila inneheld ingen tekst."]
    assert lines("en") == [
        "○ a.pdf: waiting in line (number 2).", "◐ b.pdf: being added … 50 %", "✗ c.txt: the file contains no text."]


def test_login_prompt_is_bilingual():
    assert (BUILT_IN.bilingual("launch.login")
            == "Logg inn for å bruke Gnist-assistenten. / Log in to use Gnist-assistenten.")
