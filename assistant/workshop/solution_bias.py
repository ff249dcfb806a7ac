"""Spot a solution where a need belongs ("vi trenger en app", "eit nytt kulturhus",
"build a new cultural centre"), deterministically.

A finding needs a concrete solution noun (app, plattform, kulturhus, kjøpesenter, hall, sensor …)
*and* a solution frame: a want/need verb ("trenger", "treng", "need", "må ha", "ønsker oss"), a
make verb ("bygge", "lage", "kjøpe", "build", "develop"), "ny/nytt/new" right before the noun,
a bare noun phrase ("Et nytt kulturhus."), or "løsningen er …". Need statements stay quiet:
"unge mangler møteplasser" has no solution noun, and "innbyggerne trenger å …" breaks the frame at
"å" (an infinitive describes what people need to do, which is a need).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from assistant.catalog import BUILT_IN, TextCatalog

# Words that may stand between the frame and the noun: anything but these breakers.
_BREAKERS = (
    "å|to|til|for|at|som|på|i|med|and|og|of|in|on|from|fra|frå|om|about|ikke|ikkje|not|der|where|when|når|"
    "slik|so|that|which|who|kven|hvem|men|but|or|eller|because|fordi|sidan|siden|før|before|etter|after|enn|than"
)
_GAP = rf"(?:(?!(?:{_BREAKERS})\b)[\w-]+\s+){{0,3}}?"

_NOUNS = {
    "digital": (
        r"(?:\w+-)?app(?:en|er|ar|ane|ene|s)?|\w+app(?:en|er|ar|ane)?|plattform\w{0,4}|\w+plattform\w{0,4}|platforms?|"
        r"\w*portal(?:en|er|ar|ane|ene|s)?|\w*nettsid\w{0,3}|nettstad\w{0,3}|\w*websites?|web ?sites?|"
        r"\w*system(?:et|er|a|ene|ane|s)?|\w*sensor(?:en|er|ar|ane|ene|s)?|chatbot\w{0,3}|dashboard\w{0,3}|"
        r"databas\w{0,3}|droner?|dronar|drones?|robot\w{0,3}|\w*skjerm(?:en|er|ar)?|screens?|software|"
        r"programvare|digital(?:e)? tvilling\w*|digital twins?|nettbutikk\w{0,3}"
    ),
    "building": (
        r"\w*kulturhus\w{0,3}|kjøpesent\w*|shopping (?:centre|center|mall)s?|malls?|\w*senter(?:et|a)?|"
        r"\w*sentre(?:ne|a)?|\w*(?:centre|center)s?|\w*hall(?:en|er|ar|ane|ene|s)?|\w*bygg(?:et|a|ene)?|"
        r"\w*bygning\w{0,3}|\w*buildings?|\w*hus(?:et|a|ene)?|stadion\w*|stadium|\w*arena(?:en|er|ar|s)?|"
        r"kino\w{0,3}|cinemas?|museum|museet|hotell\w{0,3}|hotels?|bibliotek\w{0,3}|librar(?:y|ies)|"
        r"\w*park(?:en|er|ar)?|parking (?:garage|lot)s?|badeland\w*|bypark\w*|marina\w{0,3}"
    ),
    "generic": (
        r"(?:digital|digitale|teknisk|tekniske|smart|smarte|technical|technological|teknologisk|teknologiske)\s+"
        r"(?:løsning\w{0,3}|løysing\w{0,3}|solutions?|verktøy\w{0,3}|tools?)"
    ),
}
# Word forms the broad noun patterns would catch but that name no solution.
_NOT_SOLUTIONS = {
    "shall", "thus", "presenter", "representer", "knapp", "kapp", "trapp", "snapp", "klapp", "slapp", "happ",
    "concentre", "sentrum", "campus", "status", "virus", "bonus", "fokus", "focus", "corpus", "census", "opus",
    "plus", "mus", "spark", "immunsystem",
}
_NOUN_ALTERNATION = "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _NOUNS.items())

_NEED_VERBS = (
    r"trenger|treng|trengs|trengst|needs?|needed|må\s+ha|må\s+få|bør\s+ha|bør\s+få|skal\s+ha|vil\s+ha|"
    r"ønsker(?:\s+oss)?|ønskjer(?:\s+oss)?|ynskjer(?:\s+oss)?|vil\s+gjerne\s+ha|wants?(?:\s+to\s+have)?|"
    r"should\s+have|must\s+have|has\s+to\s+have|have\s+to\s+have|har\s+behov\s+for|har\s+bruk\s+for|"
    r"mangler|manglar|lacks?|savner|saknar|missing"
)
_MAKE_VERBS = (
    r"bygge|byggje|bygga|bygger|byggjer|bygd|builds?|building|built|lage|laga|lagar|lager|lag|make|makes|making|"
    r"create|creates|creating|utvikle|utvikla|utviklar|utvikler|develop|develops|developing|kjøpe|kjøpa|kjøper|"
    r"kjøp|buy|buys|purchase|etablere|etablera|etablerer|establish|establishing|opprette|opprett|set\s+up|"
    r"setting\s+up|launch|launching|lansere|lansera|installere|installera|install|installing|åpne|opne|"
    r"open|opening|sette\s+opp|setje\s+opp|innføre|innføra|implement|implementing|anskaffe|anskaffa|procure|"
    r"få\s+på\s+plass|rigge|rigga|starte|start"
)
_NEW = r"ny|nytt|nye|new|brand-new|splitter\s+nytt|splitter\s+ny"
_DET = r"en|ei|et|ein|eit|a|an|the|noen|nokre|some|flere|fleire|more"

_FRAMED = re.compile(
    rf"\b(?P<frame>(?P<need>{_NEED_VERBS})|{_MAKE_VERBS})\s+(?P<np>{_GAP}(?P<noun>{_NOUN_ALTERNATION}))\b",
    re.IGNORECASE)
_NEW_NOUN = re.compile(rf"\b(?P<frame>{_NEW})\s+(?:[\w-]+\s+)?(?P<noun>{_NOUN_ALTERNATION})\b", re.IGNORECASE)
_BARE = re.compile(
    rf"^\s*(?P<frame>(?:{_DET})\s+(?:(?:{_NEW})\s+)?|(?:{_NEW})\s+)(?:[\w-]+\s+)?(?P<noun>{_NOUN_ALTERNATION})\s*[.!]?\s*$",
    re.IGNORECASE)
_ANSWER_IS = re.compile(
    r"\b(?P<frame>løsningen\s+er|løysinga\s+er|svaret\s+er|the\s+solution\s+is|the\s+answer\s+is)\b[^.?!]*",
    re.IGNORECASE,
)

_NYNORSK = re.compile(
    r"\b(treng|ein|eit|ikkje|eg|byggje|ynskjer|ønskjer|manglar|løysing\w*|nettstad|frå|kva|korleis|kven|"
    r"fleire|nokre|heile|berre|saknar|vere|dei|også|òg|mykje|sjå)\b", re.IGNORECASE)
_ENGLISH = re.compile(r"\b(we|need|needs|the|a|an|build|should|must|want|our|is|are|new)\b", re.IGNORECASE)
_NORWEGIAN = re.compile(r"[æøå]|\b(vi|en|et|og|ikke|må|trenger|nytt|ny|det|er|som)\b", re.IGNORECASE)


@dataclass
class SolutionFinding:
    kind: str  # digital, building, generic
    phrase: str  # the words that name the solution, as written ("et nytt kulturhus", "bygge et kjøpesenter")
    noun: str
    language: str
    message: str
    start: int
    end: int

    def as_dict(self) -> dict:
        return asdict(self)


def guess_language(text: str) -> str:
    """nb, nn or en from a few marker words (no model; good enough for short answers)."""
    english = len(_ENGLISH.findall(text))
    norwegian = len(_NORWEGIAN.findall(text))
    if english > norwegian:
        return "en"
    return "nn" if _NYNORSK.search(text) else "nb"


def _kind(match: re.Match) -> str:
    for kind in _NOUNS:
        if match.group(kind):
            return kind
    return "generic"


def detect(text: str, lang: str | None = None, catalog: TextCatalog = BUILT_IN) -> list[SolutionFinding]:
    """Every distinct solution named in ``text``, in reading order. ``lang`` picks the message
    language; by default it follows the text."""
    if not text or not text.strip():
        return []
    found: list[tuple[int, int, str, str]] = []  # start, end, kind, noun

    def add(start: int, end: int, kind: str, noun: str) -> None:
        if noun.lower().strip() in _NOT_SOLUTIONS:
            return
        if any(start < e and s < end for s, e, _, _ in found):
            return
        found.append((start, end, kind, noun))

    for sentence_match in re.finditer(r"[^.!?\n]+[.!?]?", text):
        sentence = sentence_match.group(0)
        offset = sentence_match.start()
        for match in _FRAMED.finditer(sentence):
            # "trenger en app" is shown as "en app"; "bygge et kjøpesenter" keeps its verb.
            start = match.start("np") if match.group("need") else match.start("frame")
            add(offset + start, offset + match.end("noun"), _kind(match), match.group("noun"))
        for match in _NEW_NOUN.finditer(sentence):
            start = match.start("frame")
            prefix = sentence[:start].rstrip()
            before = prefix.rsplit(" ", 1)[-1]
            if before and re.fullmatch(_DET, before, re.IGNORECASE):  # "et nytt kulturhus", not "nytt kulturhus"
                start = len(prefix) - len(before)
            add(offset + start, offset + match.end("noun"), _kind(match), match.group("noun"))
        bare = _BARE.match(sentence)
        if bare and len(sentence.split()) <= 6:
            add(offset + bare.start("frame"), offset + bare.end("noun"), _kind(bare), bare.group("noun"))
        answer = _ANSWER_IS.search(sentence)
        if answer:
            tail = answer.group(0)
            noun = re.search(_NOUN_ALTERNATION, tail, re.IGNORECASE)
            add(offset + answer.start(), offset + answer.end(), _kind(noun) if noun else "generic",
                noun.group(0) if noun else answer.group("frame"))
    found.sort()
    language = lang or guess_language(text)
    findings = []
    for start, end, kind, named in found:
        phrase = re.sub(r"\s+", " ", text[start:end]).strip()
        message = catalog.workshop_message(f"bias_{kind}", language, phrase=phrase, noun=named)
        findings.append(SolutionFinding(kind, phrase, named, language, message, start, end))
    return findings


_DIGITAL = re.compile(rf"\b(?:{_NOUNS['digital']})\b", re.IGNORECASE)


def digital_artefact(text: str) -> str:
    """A digital artefact named anywhere in ``text`` («vaktappen», «a booking platform»), or "":
    in a field that describes outcomes it names a solution even without a «we need» frame."""
    for match in _DIGITAL.finditer(text or ""):
        if match.group(0).lower() not in _NOT_SOLUTIONS:
            return match.group(0)
    return ""


def names_solution(text: str) -> bool:
    return bool(detect(text, lang="nb"))


def first(text: str, lang: str | None = None, catalog: TextCatalog = BUILT_IN) -> SolutionFinding | None:
    findings = detect(text, lang, catalog)
    return findings[0] if findings else None
