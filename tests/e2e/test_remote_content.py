"""Nothing from a document, a user or a language model makes the browser load remote content
(issue 8): a remote image in an uploaded document (sources panel), in the workshop canvas and in
an LLM answer is never requested. A beacon server on another port counts every request; Playwright
records every request the page makes."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import gnist_testapp as g
import pytest
from test_browser import ask, bot_messages, open_app
from test_workshop_browser import open_workshop, wait_for_text

pytestmark = [pytest.mark.e2e, g.QUIET_GRADIO_WARNINGS]


class Beacon(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _BeaconHandler)
        self.hits: list[str] = []

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _BeaconHandler(BaseHTTPRequestHandler):
    server: Beacon

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()
        self.wfile.write(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")


@pytest.fixture
def beacon():
    server = Beacon()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def app(seed_dirs, tmp_path, fake_llm, beacon):
    """This module's app answers through a language model that puts remote images in its answers."""
    reply = (f"Soltoppen fellesverksted åpner høsten 2027 [1]. ![kart]({beacon.origin}/llm.png?q=Soltoppen) "
             f'<img src="{beacon.origin}/llm-html.png">')
    llm = fake_llm("answer", reply)
    running = g.launch_app(seed_dirs, tmp_path / "data", llm_base_url=llm.base_url, llm_model="test")
    yield running
    running.close()


def test_remote_images_from_documents_canvas_and_llm_are_never_loaded(app, browsing, beacon, tmp_path):
    note = tmp_path / "soltoppen.md"
    note.write_text(
        "# Soltoppen fellesverksted\n\n"
        "Soltoppen fellesverksted i Bjørkedal åpner høsten 2027 og får 14 arbeidsplasser for ungdom.\n\n"
        f"![kart over Soltoppen]({beacon.origin}/doc.png)\n\n"
        f'<img src="{beacon.origin}/doc-html.png"> Verkstedet drives av frivillige.\n',
        encoding="utf-8")
    page = browsing.page()
    open_app(page, app.url)
    page.get_by_role("tab", name="Mine dokumenter").click()
    page.locator("#upload input[type='file']").set_input_files(str(note))
    page.locator("#upload-status").get_by_text("soltoppen.md er lagt til").wait_for(timeout=60_000)

    page.get_by_role("tab", name="Spør").click()
    ask(page, g.FACT_QUESTION)
    answer = bot_messages(page).last.inner_text()
    assert "høsten 2027" in answer
    assert "soltoppen.md" in page.locator("#sources").inner_text()

    open_workshop(page, app.url)
    page.get_by_label("Kommune", exact=True).fill("Bjørkedal")
    page.get_by_label("Hva er problemet, med dine egne ord?", exact=True).fill(
        f"Sentrum er tomt etter klokka fire ![bilde]({beacon.origin}/canvas.png)")
    page.get_by_role("button", name="Start et nytt verksted", exact=True).click()
    wait_for_text(page, "#ws-canvas", "Bjørkedal")

    page.wait_for_timeout(1000)  # let any image request the page would make go out
    images = page.eval_on_selector_all("img", "els => els.map(e => e.src)")
    assert not [src for src in images if beacon.origin in src], images
    assert [url for url in browsing.requests if beacon.origin in url] == []
    assert beacon.hits == []
