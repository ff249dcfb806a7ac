"""A municipal plan PDF like the ones users upload: provisions (bestemmelser) with numbered
sections, lettered clauses and a parking-norm table, printed page numbers that differ from the
PDF's page indices. Built with fpdf2 and pypdf, so the evaluation and the tests read a real PDF."""

from __future__ import annotations

import io
from pathlib import Path

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FILENAME = "kommuneplan-fjordvik-bestemmelser.pdf"

# Index 0-1 are front matter (printed i, ii); from index 2 the printed numbers start at 1.
PAGES = [
    "Kommuneplanens arealdel for Fjordvik kommune 2024–2036\nBestemmelser og retningslinjer\nVedtatt av kommunestyret "
    "12. juni 2024",
    "Innhold\n1 Fellesbestemmelser\n2 Boligbebyggelse\n3 Uteoppholdsareal\n4 Parkering\n5 Sentrumsformål",
    "1 Fellesbestemmelser\n1.1 Plankrav\nFor tiltak som omfatter mer enn fire nye boenheter, skal det utarbeides "
    "reguleringsplan.\n"
    "1.2 Universell utforming\nAlle nye publikumsbygg skal være universelt utformet.",
    "2 Boligbebyggelse\n2.1 Utnyttingsgrad\nMaksimal utnyttingsgrad for boligtomter er 30 % BYA.\n"
    "2.2 Byggehøyder\nMaksimal gesimshøyde er 8 meter og maksimal mønehøyde er 9 meter over gjennomsnittlig planert "
    "terreng.",
    "3 Uteoppholdsareal\n3.1 Minste uteoppholdsareal (MUA)\n"
    "For leiligheter kan et privat uteoppholdsareal på minst 30 m² være balkong eller terrasse.\n"
    "Privat uteoppholdsareal per boenhet skal være:\n"
    "a) Minimum 200 m² for enebolig\n"
    "b) Minimum 100 m² per boenhet for tomannsbolig\n"
    "c) Minimum 50 m² per boenhet for rekkehus\n"
    "3.2 Lekeplass\nFor prosjekter med mer enn 10 boenheter skal det bygges en nærlekeplass på minst 150 m².",
    "4 Parkering\n4.1 Parkeringsnorm\nTabell 2: Parkeringsnorm for bil og sykkel per boenhet\n"
    "Boligtype Bil Sykkel\n"
    "Enebolig 2,0 2\n"
    "Tomannsbolig 1,5 2\n"
    "Leilighet under 60 m² 0,8 1\n"
    "Leilighet over 60 m² 1,2 2\n"
    "Næring per 100 m² BRA 1,0 3\n"
    "4.2 Sykkelparkering\nMinst halvparten av sykkelplassene skal ha tak.",
    "5 Sentrumsformål\n5.1 Forretninger\nI sentrum skal første etasje mot gater og torg brukes til forretning, "
    "servering eller annen publikumsrettet virksomhet.\n"
    "5.2 Kjøpesenter\nNye kjøpesentre er ikke tillatt utenfor sentrumsformålet.",
    # The same provision once per zone, as real plans write it: a question about one zone must get
    # that zone's figure (issue 19: «innenfor sentrumsformål» got the one for «øvrige områder»).
    "6 Uteoppholdsareal etter arealformål\n6.1 Uteoppholdsareal per boenhet\n"
    "Innenfor sentrumsformål:\nUteoppholdsareal per boenhet skal være minst 25 m².\n"
    "Øvrige områder:\nUteoppholdsareal per boenhet skal være minst 100 m².",
]


def pdf_bytes(pages: list[str]) -> bytes:
    """A PDF with one page per text (DejaVu when installed, for æøå and m²)."""
    from fpdf import FPDF

    pdf = FPDF()
    if DEJAVU.is_file():
        pdf.add_font("DejaVu", fname=str(DEJAVU))
        pdf.set_font("DejaVu", size=12)
    else:
        pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def labelled_pdf(path: Path, pages: list[str]) -> Path:
    """Printed page numbers as in a municipal plan: roman i, ii for the front matter, then arabic
    1, 2, … from the third page."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(pages))))
    writer.set_page_label(0, 1, style="/r", start=1)
    writer.set_page_label(2, len(pages) - 1, style="/D", start=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.write(str(path))
    return path


def build(path: Path) -> Path:
    """The Fjordvik plan PDF at ``path``."""
    return labelled_pdf(path, PAGES)
