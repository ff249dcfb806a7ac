"""Rule-based parsing of free-text answers into canvas fields (no language model).

Every function is pure. ``fields.FIELD_KINDS`` puts them together per kind of field; the helpers
are public because the critic and the drafts read the same things (sources, roles).
"""

from __future__ import annotations

import re
from typing import Any, cast

from assistant.workshop.canvas import (
    Actor,
    ActorCategory,
    Evidence,
    EvidenceKind,
    Persona,
    Principle,
    TargetGroup,
    match_principle,
)
from assistant.workshop.grammar import strip_conjunction

_BULLET = re.compile(r"^\s*(?:[-*•·–—▪►+]|\(?\d{1,2}[.)]|\(?[a-zA-Z][.)](?=\s))\s*")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ«\"])")
_LIST_AND = re.compile(r"\s+(?:og|and|samt|eller|or|&)\s+", re.IGNORECASE)
MAX_SHORT_ITEM_WORDS = 7
# "Et levende sentrum med kafé, bibliotek og kontorfellesskap": one thing whose preposition takes
# the whole list, not three items ("Et levende sentrum med kafé", "bibliotek", …). A first part
# ending in such a preposition and one noun, followed by parts of one or two words, stays whole.
_ENUMERATED_OBJECTS = re.compile(r"\b(?:med|uten|utan|av|inkludert|with|without|including|of)\s+"
                                 r"(?:(?:a|an|the|en|ei|et|eit)\s+)?\S+$", re.IGNORECASE)
# A part after a comma that starts a clause, not a list item ("…, men den stengte", "…, og det er").
_CLAUSE_START = re.compile(
    r"^(?:men|fordi|så|slik at|da|når|selv om|sjølv om|but|because|so|when|while|although|"
    r"(?:og|and)\s+(?:det|de|dei|vi|eg|jeg|han|hun|ho|den|it|they|we|there|this))\b", re.IGNORECASE)


def _clean_item(item: str) -> str:
    item = strip_conjunction(_BULLET.sub("", item).strip().strip(" \t,;"))
    if item.endswith(".") and not item.endswith("..."):
        item = item[:-1].rstrip()
    return item


def _distinct_items(raw: list[str]) -> list[str]:
    """The items cleaned (bullet, conjunction, end punctuation off), without empty ones and repeats
    (in any case), in order."""
    seen: set[str] = set()
    items: list[str] = []
    for item in raw:
        cleaned = _clean_item(item)
        if cleaned and cleaned.lower() not in seen:
            seen.add(cleaned.lower())
            items.append(cleaned)
    return items


def _names(part: str) -> list[str] | None:
    """"Vestbygd og Austbygd": names (each capitalised, at most three words) joined by «og»; not
    "Plan og næring"."""
    names = [p.strip() for p in _LIST_AND.split(part) if p.strip()]
    if len(names) >= 2 and all(n[:1].isupper() and len(n.split()) <= 3 for n in names):
        return names
    return None


def _split_inline(line: str) -> list[str]:
    """One line: semicolons always split; "A, B og C" splits when every part is short; names
    joined by «og» split."""
    parts = [p for p in (s.strip() for s in line.split(";")) if p]
    items: list[str] = []
    for part in parts:
        if "," not in part and (names := _names(part)):
            items.extend(names)
            continue
        if "," in part and not any(_CLAUSE_START.match(p.strip()) for p in part.split(",")[1:]):
            pieces = [strip_conjunction(p) for p in part.split(",") if p.strip()]
            last = pieces[-1]
            tail = [p.strip() for p in _LIST_AND.split(last) if p.strip()]
            candidate = pieces[:-1] + tail
            if _ENUMERATED_OBJECTS.search(candidate[0]) and all(len(p.split()) <= 2 for p in candidate[1:]):
                items.append(part)
                continue
            if len(candidate) >= 2 and all(len(p.split()) <= MAX_SHORT_ITEM_WORDS for p in candidate):
                items.extend(candidate)
                continue
        items.append(part)
    return items


def split_items(text: str) -> list[str]:
    """A free-text answer as a list: bullets, numbered lines, newlines and semicolons split;
    a single line "A, B og C" of short items splits; several full sentences split into
    sentences. Empty items and duplicates are dropped, order is kept."""
    if not text or not text.strip():
        return []
    lines = [line for line in text.replace("\r", "\n").split("\n") if line.strip()]
    raw: list[str] = []
    if len(lines) == 1:
        line = _BULLET.sub("", lines[0]).strip()
        sentences = [s for s in _SENTENCE_SPLIT.split(line) if s.strip()]
        if len(sentences) > 1 and ";" not in line:
            raw = sentences
        else:
            raw = _split_inline(line)
    else:
        for line in lines:
            raw.extend(_split_inline(_BULLET.sub("", line).strip()))
    return _distinct_items(raw)


# Where an item of a written list begins inside one line: a number the user counted with
# ("1. a 2. b 3. c", checked to run 1, 2, 3 …) or a round bullet between items ("a • b • c").
_INLINE_NUMBER = re.compile(r"(?:^|(?<=\s))\(?(\d{1,2})[.)]\s*(?=\S)")
_INLINE_BULLET = re.compile(r"\s+[•·▪►]\s+")
# A line that stops in the middle of a phrase (at «og», «men», «som», a preposition, a hyphen) goes on
# on the next line: a wrapped line, not a new item.
_OPEN_END = re.compile(r"(?:\b(?:og|and|men|but|samt|eller|or|som|who|that|which|fordi|because|for|til|to|å|"
                       r"med|with|av|of|i|in|på|on|at|der|where)|[-–—&+])$", re.IGNORECASE)


def _numbered_items(line: str) -> list[str] | None:
    """"1. a 2. b 3. c" on one line: the items, when the numbers start the line and count up by one."""
    starts: list[re.Match[str]] = []
    expected = 1
    for found in _INLINE_NUMBER.finditer(line):
        if int(found.group(1)) == expected and (found.start() == 0 or starts):
            starts.append(found)
            expected += 1
    if len(starts) < 2 or starts[0].start() != 0:
        return None
    ends = [found.start() for found in starts[1:]] + [len(line)]
    return [line[found.end():end] for found, end in zip(starts, ends, strict=True)]


def written_items(text: str) -> list[str]:
    """An answer's items as the user wrote them: one per line, bullet or number they wrote; a line
    with commas or semicolons stays one item (it is the user's own sentence or phrase). A line that
    stops mid-phrase, or an indented line without a bullet under a bulleted one, goes on from the line above; a
    first line that introduces the bullets («Dette merker vi:») is no item. Empty items and
    repeats are dropped, order is kept, so the number said back is the number kept."""
    lines = [line.rstrip() for line in (text or "").replace("\r", "\n").split("\n") if _BULLET.sub("", line).strip()]
    bulleted = [bool(_BULLET.match(line)) for line in lines]
    if len(lines) > 2 and not bulleted[0] and lines[0].endswith(":") and all(bulleted[1:]):
        lines, bulleted = lines[1:], bulleted[1:]
    raw: list[str] = []
    in_bullet = False  # the item above began at a bullet: an indented, unbulleted line under it is its tail
    for line, has_bullet in zip(lines, bulleted, strict=True):
        body = line.strip()
        indented = line[:1].isspace()
        if raw and not has_bullet and ((in_bullet and indented) or _OPEN_END.search(raw[-1].rstrip())):
            raw[-1] = f"{raw[-1].rstrip()} {body}"
            continue
        in_bullet = has_bullet
        numbered = _numbered_items(body)
        if numbered:
            raw.extend(numbered)
            continue
        raw.extend(_INLINE_BULLET.split(_BULLET.sub("", body)))
    return _distinct_items(raw)


def clean_text(text: str) -> str:
    """A free-text field: trimmed, inner whitespace kept as paragraphs."""
    paragraphs = [re.sub(r"[ \t]+", " ", p).strip() for p in re.split(r"\n\s*\n", text.strip())]
    return "\n\n".join(p for p in paragraphs if p)


# ---------------------------------------------------------------------------------------------
# "Fra X til Y"
# ---------------------------------------------------------------------------------------------

_FROM_TO = re.compile(
    r"^\s*(?:fra|frå|from)\s*:?\s+(?P<src>.+?)\s*(?:\n\s*|\s+|[,;]\s*)(?:til|to)\s*:?\s+(?P<dst>.+?)\s*$",
    re.IGNORECASE | re.DOTALL,
)
_ARROW = re.compile(
    r"^\s*(?:(?:fra|frå|from)\b\s*:?\s*)?(?P<src>.+?)\s*(?:→|->|=>|⟶)\s*(?:(?:til|to)\b\s*:?\s*)?(?P<dst>.+?)\s*$",
    re.IGNORECASE | re.DOTALL)


def parse_from_to(text: str) -> tuple[str, str] | None:
    """("lav sentrumsaktivitet", "stedsidentitet som …") from "Fra lav sentrumsaktivitet til
    stedsidentitet som …" (also Nynorsk "Frå … til …", English "From … to …", "X → Y", and
    "Fra: X" / "Til: Y" on two lines). The first "til" after "fra" is the divider."""
    if not text or not text.strip():
        return None
    cleaned = _BULLET.sub("", text.strip()).strip().strip("«»\"")
    for pattern in (_ARROW, _FROM_TO):
        match = pattern.match(cleaned)
        if match:
            src = _clean_item(match.group("src")).strip(" .…")
            dst = _clean_item(match.group("dst")).strip(" …")
            src = re.sub(r"\s+", " ", src)
            dst = re.sub(r"\s+", " ", dst).rstrip(".")
            if src and dst:
                return src, dst
    return None


# ---------------------------------------------------------------------------------------------
# "Hvordan kan vi …?"
# ---------------------------------------------------------------------------------------------

HKV_PREFIX = {"nb": "Hvordan kan vi", "nn": "Korleis kan vi", "en": "How might we"}
_HKV_OK = re.compile(r"^(hvordan kan vi|korleis kan vi|kordan kan vi|how might we|how can we)\b", re.IGNORECASE)
_HKV_LOOSE = re.compile(
    r"^(?:hkv|hmw|hvordan kan vi|korleis kan vi)\s*[:\-–]\s*"
    r"|^(?:hvordan|korleis|kordan|how)\s+(?:kan|kunne|skal|bør|could|should|can|might|do|may)\s+"
    r"(?:vi|man|kommunen|we|one|the municipality)\s+"
    r"|^(?:hvordan|korleis|kordan|how)\s+",
    re.IGNORECASE,
)


def normalize_hkv(text: str, lang: str = "nb", proper_nouns: tuple[str, ...] | list[str] = ()) -> str:
    """A "Hvordan kan vi …?" question: starts with the language's prefix (an existing "Hvordan
    kan vi" / "Korleis kan vi" / "How might we" is kept), ends with exactly one "?"."""
    body = re.sub(r"\s+", " ", _BULLET.sub("", text.strip()).strip().strip("«»\""))
    if not body:
        return ""
    body = body.rstrip(" .!?…")
    match = _HKV_OK.match(body)
    if match:
        prefix_len = len(match.group(0))
        head = match.group(0)[0].upper() + match.group(0)[1:].lower()
        if head.lower() == "how can we":
            head = "How might we" if lang == "en" else head
        rest = body[prefix_len:].lstrip(" ,:")
        return f"{head} {rest}?".replace(" ?", "?") if rest else f"{head}?"
    body = _HKV_LOOSE.sub("", body, count=1).lstrip(" ,:")
    prefix = HKV_PREFIX.get(lang, HKV_PREFIX["nb"])
    if lang != "en":
        body = re.sub(r"^(?:at|å)\s+", "", body) if body.lower().startswith(("at ", "å ")) else body
    else:
        body = re.sub(r"^to\s+", "", body, flags=re.IGNORECASE)
    first, _, rest = body.partition(" ")
    keep_case = (
        (first.isupper() and len(first) > 1)
        or any(first.lower() == n.lower() for n in proper_nouns if n)
        or (re.search(rf"(?<!^)\b{re.escape(first)}\b", rest or "") is not None and first[:1].isupper())
    )
    if not keep_case:
        first = first[:1].lower() + first[1:]
    body = f"{first} {rest}".strip()
    return f"{prefix} {body}?"


def split_questions(text: str) -> list[str]:
    """Several questions in one answer: one per line or bullet, or several "?"-ended ones."""
    items: list[str] = []
    for line in text.replace("\r", "\n").split("\n"):
        line = _BULLET.sub("", line).strip()
        if not line:
            continue
        parts = [p.strip() for p in re.split(r"(?<=\?)\s+", line) if p.strip()]
        items.extend(parts)
    return items


def parse_hkv(text: str, lang: str = "nb", proper_nouns: tuple[str, ...] | list[str] = ()) -> list[str]:
    result: list[str] = []
    for item in split_questions(text):
        question = normalize_hkv(item, lang, proper_nouns)
        if question and question not in result:
            result.append(question)
    return result


# ---------------------------------------------------------------------------------------------
# Percent and yes/no
# ---------------------------------------------------------------------------------------------

_NUMBER_WORDS = {
    "ti": 10, "femten": 15, "tjue": 20, "tjuefem": 25, "tjuefire": 24, "tretti": 30, "tredve": 30,
    "førti": 40, "femti": 50, "hundre": 100, "ten": 10, "fifteen": 15, "twenty": 20, "twenty-five": 25,
    "thirty": 30, "forty": 40, "fifty": 50,
}
_FRACTIONS = {
    "kvart": 25, "kvarts": 25, "quarter": 25, "halv": 50, "halvt": 50, "halve": 50, "half": 50,
    "tredjedels": 100 / 3, "femtedels": 20, "heil": 100, "hel": 100, "full": 100, "fulltid": 100, "full-time": 100,
}
_NUM = r"(\d+(?:[.,]\d+)?)"


def parse_percent(text: str) -> float | None:
    """Percent of a position: "25 %", "25%", "20–30 %" (midpoint), "0,25 stilling" / "0.2 FTE"
    (fractions of a position), "en kvart stilling", "halv stilling", "tjue prosent". None when
    the text holds no number."""
    if not text or not text.strip():
        return None
    low = text.lower().replace("\u00a0", " ")
    range_match = re.search(_NUM + r"\s*(?:%|prosent|percent)?\s*(?:-|–|—|til|to|a)\s*"
                            + _NUM + r"\s*(%|prosent|percent)?", low)
    if range_match and (range_match.group(3) or "%" in low or "prosent" in low or "percent" in low):
        a, b = (float(range_match.group(i).replace(",", ".")) for i in (1, 2))
        if 0 <= a <= 100 and 0 <= b <= 100:
            return round((a + b) / 2, 1)
    match = re.search(_NUM + r"\s*(%|prosent|percent|pst)", low)
    if match:
        value = float(match.group(1).replace(",", "."))
        return value if 0 <= value <= 100 else None
    match = re.search(_NUM + r"\s*(?:stilling|stillingar|stillinger|årsverk|fte|position|årsverket)", low)
    if match:
        value = float(match.group(1).replace(",", "."))
        if value <= 1:
            return round(value * 100, 1)
        return value if value <= 100 else None
    for word, value in _FRACTIONS.items():
        if re.search(rf"\b{re.escape(word)}\b", low):
            return round(float(value), 1)
    for word, value in sorted(_NUMBER_WORDS.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{re.escape(word)}\b", low):
            return float(value)
    match = re.fullmatch(r"\s*" + _NUM + r"\s*", low)
    if match:
        value = float(match.group(1).replace(",", "."))
        if value <= 1:
            return round(value * 100, 1)
        return value if value <= 100 else None
    return None


_YES_START = re.compile(
    r"^(ja|jo|japp|jepp|jada|jaha|yes|yeah|yep|yup|sure|absolutt|absolutely|selvsagt|sjølvsagt|sjølsagt|klart|"
    r"definitivt|definitely|of course|correct|riktig|stemmer|det stemmer|det er gjort|done|gjort|ok|okay)\b",
    re.IGNORECASE,
)
_NO_START = re.compile(r"^(nei|nope|no(?!\s+(?:har|er|skal|vil|kan|ligg|held|blir|vert|ha)\b)|nah|ikke|ikkje|not|"
                       r"never|aldri|neppe|nada)\b", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(ikke|ikkje|inte|not|never|aldri|mangler|manglar|missing|lacks?|ingen|inga|inkje|there is no|has no|have no|"
    r"har ikke|har ikkje|hasn't|haven't|hasnt|havent|isn't|isnt|wasn't|enda ikke|ennå ikke|enno ikkje|not yet)\b",
    re.IGNORECASE,
)
_POSITIVE = re.compile(
    r"\b(orientert|informert|informed|vedtatt|vedteke|vedtak|vedtok|approved|backed|støtter|støttar|støtte|"
    r"support(?:s|ed)?|forankret|forankra|behandlet|handsama|godkjent|godkjend|agreed|enig|samd)\b",
    re.IGNORECASE,
)
_UNSURE = re.compile(r"\b(vet ikke|veit ikkje|veit ikke|usikker|unsure|not sure|don't know|kanskje|maybe|perhaps)\b",
                     re.IGNORECASE)


def parse_yes_no(text: str) -> bool | None:
    """True/False/None from an answer in Bokmål, Nynorsk or English. "Ja, men …" is yes;
    "ikke ennå" / "not yet" / "enno ikkje" is no; "vet ikke" and text without a signal is None."""
    if not text or not text.strip():
        return None
    low = re.sub(r"\s+", " ", text.strip().lower())
    if _UNSURE.search(low):
        return None
    if _YES_START.match(low):
        return True
    if _NO_START.match(low):
        return False
    if _NEGATION.search(low):
        return False
    if _POSITIVE.search(low):
        return True
    return None


# ---------------------------------------------------------------------------------------------
# Structured items
# ---------------------------------------------------------------------------------------------

_LABEL_SPLIT = re.compile(r"\s*(?::|\s[-–—]\s|=)\s*")


def _split_label(item: str) -> tuple[str, str]:
    """"Name: rest" / "Name – rest" → (name, rest); no divider → (item, "")."""
    parts = _LABEL_SPLIT.split(item, maxsplit=1)
    if len(parts) == 2 and parts[0].strip() and len(parts[0].split()) <= 8:
        return parts[0].strip(), parts[1].strip()
    return item.strip(), ""


_EVIDENCE_RULES: list[tuple[str, re.Pattern]] = [
    ("tried", re.compile(r"\b(prøvd|prøvde|prøvt|forsøkt|forsøkte|freista|testet|testa|pilot|tried|attempted|"
                         r"har hatt|hadde|tidligere prosjekt|tidlegare prosjekt|previous(ly)?)\b", re.I)),
    ("survey", re.compile(r"(undersøk\w*|unders\u00f8king\w*|kartlegg\w*|survey\w*|questionnaire|intervju\w*|"
                          r"interview\w*|dialog\w*|innspill\w*|innspel\w*|folkemøte\w*|workshop\w*|\bspurt\w*|"
                          r"\bsvarte\b|\bsvara\b|\brespondents?\b)", re.I)),
    ("plan", re.compile(r"(kommuneplan|samfunnsdel|arealdel|planstrategi|områderegulering|regulering|"
                        r"sentrumsplan|strategi|handlingsplan|næringsplan|\bplan\b|\bplans?\b|\bstrategy\b)", re.I)),
    ("statistics", re.compile(r"(\bssb\b|statistik\w*|statistic\w*|\d+\s*%|\d+\s*prosent|befolkning\w*|"
                              r"folketal\w*|innbyggertall\w*|nedgang|auke|økning|\bdecline\b|\bpopulation\b|\bdata\b|"
                              r"\d{3,})", re.I)),
]


def _first_match(rules: list[tuple[str, re.Pattern]], text: str) -> str:
    return next((label for label, pattern in rules if pattern.search(text)), "other")


def classify_evidence(text: str) -> EvidenceKind:
    return cast(EvidenceKind, _first_match(_EVIDENCE_RULES, text))


_COLON_LABEL = re.compile(r"^(?P<label>[^:]{1,80}?)\s*:\s+(?P<rest>\S.*)$", re.DOTALL)
_NOT_A_SOURCE = re.compile(r"^(?:vi|eg|jeg|me|we|i|de|dei|det|den|dette|han|hun|ho|they|it|this)\b", re.IGNORECASE)
# A source named inside the text: "ifølge SSB", "(kilde: Ungdata)", "SSB viser", "Ungdata 2022 …".
_SOURCE_IN_TEXT = re.compile(
    r"\b(?:ifølge|ifølgje|i følgje|iflg\.?|according to|kilde|kjelde|source)\b|"
    r"\b(?:ssb|statistisk sentralbyrå|statistics norway|statistikkbanken|kostra|ungdata|nav|fhi|"
    r"folkehelseprofil\w*|folkehelseinstitutt\w*|telemarksforsking|kommunebarometer\w*|brønnøysund\w*|"
    r"innovasjon norge|distriktssenteret|nho|kommunal rapport)\b|"
    r"\b\w*(?:undersøkelse|undersøking|kartlegging|rapport|telling|analyse|survey|report|census)\w*\s+"
    r"(?:fra\s+|frå\s+|from\s+|i\s+|in\s+)?(?:\d{4}|[A-ZÆØÅ]\w+)",
    re.IGNORECASE)
_NUMBER = re.compile(r"\d")


def _source_label(label: str) -> bool:
    """"SSB", "Innbyggerundersøkelsen 2023", "Ungdata": a short name before a colon, not the start
    of a sentence ("Vi prøvde kveldsåpent: …") and not a kind label ("Statistikk: …")."""
    return (len(label.split()) <= 6 and not _NOT_A_SOURCE.match(label)
            and label.lower() not in _EVIDENCE_LABELS and classify_evidence(label) != "tried")


def parse_evidence_item(item: str) -> Evidence:
    """One piece of evidence. A leading kind label ("Statistikk: …") sets the kind; a leading
    source ("SSB: …") is kept as the source, never dropped."""
    kind: EvidenceKind | None = None
    label, rest = _split_label(item)
    if rest and label.lower() in _EVIDENCE_LABELS:
        kind, item = _EVIDENCE_LABELS[label.lower()], rest
    source, body = "", item
    match = _COLON_LABEL.match(item)
    if match and _source_label(match.group("label").strip()):
        source, body = match.group("label").strip(), match.group("rest").strip()
    return Evidence(kind=kind or classify_evidence(item), text=body, source=source)


def parse_evidence(text: str) -> list[Evidence]:
    return [parse_evidence_item(item) for item in written_items(text)]


def needs_source(evidence: Evidence) -> bool:
    """Figures and survey results need a source; what the municipality tried or planned does not."""
    if evidence.kind in ("tried", "plan"):
        return False
    return evidence.kind in ("statistics", "survey") or bool(_NUMBER.search(evidence.text))


def has_source(evidence: Evidence) -> bool:
    return bool(evidence.source) or bool(_SOURCE_IN_TEXT.search(evidence.text))


_EVIDENCE_LABELS: dict[str, EvidenceKind] = {
    "statistikk": "statistics", "tal": "statistics", "tall": "statistics", "statistics": "statistics",
    "undersøkelse": "survey", "undersøking": "survey", "survey": "survey",
    "plan": "plan", "planer": "plan", "planar": "plan", "plans": "plan",
    "prøvd": "tried", "prøvd før": "tried", "tried": "tried", "tidligere forsøk": "tried", "annet": "other",
    "anna": "other", "other": "other",
}


# Roles inside the municipality named in free text ("næringssjefen er med", "arealplanleggar").
_ROLES = {
    "plan": re.compile(r"\b(?:plan(?:avdeling|kontor|legg|sjef|etat|seksjon|team)\w*|arealplan\w*|"
                       r"reguleringsplanlegg\w*|planning (?:department|office)|planners?|plan og næring)\b",
                       re.IGNORECASE),
    "naering": re.compile(r"\b(?:nærings(?:sjef|avdeling|rådgiv|utviklar|utvikler|konsulent|kontor|team)\w*|"
                          r"business development (?:officer|unit|manager)|economic development (?:officer|unit)|"
                          r"plan og næring)\b", re.IGNORECASE),
}


def named_roles(text: str) -> dict[str, list[str]]:
    """{"plan": [...], "naering": [...]}: the words that name these roles in ``text``, as written."""
    found: dict[str, list[str]] = {}
    for role, pattern in _ROLES.items():
        words = [m.group(0) for m in pattern.finditer(text or "")]
        if words:
            found[role] = list(dict.fromkeys(words))
    return found


_ACTOR_RULES: list[tuple[str, re.Pattern]] = [
    ("county_council", re.compile(r"(fylkeskommun\w*|county council|\bfylket\b|\bregion\w*)", re.I)),
    ("youth", re.compile(r"(ungdom\w*|\bunge\b|\bung\b|elevråd\w*|\belev(er|ar)?\b|skole|skule|\bvgs\b|student\w*|"
                         r"youth|young|pupils?|school|barn\w*|children)", re.I)),
    ("internal_political", re.compile(r"(ordfører\w*|ordførar\w*|kommunestyre\w*|formannskap\w*|politik\w*|"
                                      r"\butval\w*|mayor|council members?|municipal council|politician\w*)", re.I)),
    ("internal_plan", re.compile(r"(plan(avdeling\w*|kontor\w*|legg\w*|sjef\w*|etat\w*|seksjon\w*)?\b|arealplan\w*|"
                                 r"\bplanning\b|planner\w*|kommuneplanlegg\w*)", re.I)),
    ("internal_naering", re.compile(r"(næringssjef\w*|næringsavdeling\w*|næringsutvikl\w*|næringsrådgiv\w*|"
                                    r"business development (officer|unit)|economic development)", re.I)),
    ("internal_administrative", re.compile(r"(kommunedirektør\w*|rådmann\w*|kommunalsjef\w*|administrasjon\w*|"
                                           r"leiargruppe\w*|ledergruppe\w*|chief executive|administration|"
                                           r"kommunen\b|municipal staff)", re.I)),
    ("business", re.compile(r"(næringsliv\w*|næringsforening\w*|næringshage\w*|bedrift\w*|verksemd\w*|"
                            r"virksomhet\w*|butikk\w*|handel\w*|handelsstand\w*|gründer\w*|grunder\w*|reiseliv\w*|"
                            r"hotell\w*|\bas\b|business\w*|compan(y|ies)|shops?|retail\w*|employers?|industri\w*|"
                            r"entrepreneur\w*|landbruk\w*|bønder|bonde|farmers?|utbygger\w*|developer\w*)", re.I)),
    ("residents", re.compile(r"(innbygg\w*|beboer\w*|bebuar\w*|velforening\w*|grendelag\w*|grendeutval\w*|"
                             r"tilflytt\w*|hyttefolk|hytteeier\w*|eldre(råd\w*)?|pensjonist\w*|familie\w*|"
                             r"residents?|citizens?|locals?|inhabitants?|neighbours?|seniors?|families)", re.I)),
    ("volunteers", re.compile(r"(frivillig\w*|lag og forening\w*|\blag\b|forening\w*|idrettslag\w*|sanitet\w*|"
                              r"volunteer\w*|clubs?|associations?|\bsports? club)", re.I)),
]


def classify_actor(name: str) -> ActorCategory:
    return cast(ActorCategory, _first_match(_ACTOR_RULES, name))


def parse_actors(text: str, attribute: str | None = None) -> list[Actor]:
    """Actors from lines like "Næringsforeningen – kjenner butikkeierne"; the text after the
    divider goes into ``attribute`` (knows, contributes or involve_how)."""
    actors: list[Actor] = []
    for item in split_items(text):
        name, rest = _split_label(item)
        name = name.strip(" .")
        if not name:
            continue
        values = {attribute: rest} if attribute and rest else {}
        actors.append(Actor(name=name, category=classify_actor(name), **values))
    return actors


def merge_actors(existing: list[Actor], new: list[Actor]) -> list[Actor]:
    """New actors are added; an actor with the same name (case-insensitive) gets the new
    non-empty attributes, and a better category than "other"."""
    merged = [a.model_copy() for a in existing]
    index = {a.name.lower(): i for i, a in enumerate(merged)}
    for actor in new:
        key = actor.name.lower()
        if key not in index:
            index[key] = len(merged)
            merged.append(actor.model_copy())
            continue
        current = merged[index[key]]
        updates = {f: getattr(actor, f) for f in ("knows", "contributes", "involve_how") if getattr(actor, f)}
        if current.category == "other" and actor.category != "other":
            updates["category"] = actor.category
        merged[index[key]] = current.model_copy(update=updates)
    return merged


def parse_target_groups(text: str) -> list[TargetGroup]:
    """"Unge voksne: møteplasser, jobb" per line → TargetGroup(name, needs). Without a divider
    every item is a group without needs yet."""
    groups: list[TargetGroup] = []
    lines = [line for line in text.replace("\r", "\n").split("\n") if line.strip()]
    labelled = any(_split_label(_BULLET.sub("", line))[1] for line in lines)
    items = [_BULLET.sub("", line).strip() for line in lines] if labelled else split_items(text)
    for item in items:
        name, rest = _split_label(item)
        name = _clean_item(name)
        if not name:
            continue
        groups.append(TargetGroup(name=name, needs=split_items(rest) if rest else []))
    return groups


_PERSONA_LABELS = {
    "name": ("navn", "namn", "name", "persona", "hvem", "kven", "who"),
    "age_role": ("alder", "rolle", "alder/rolle", "age", "role", "age/role", "yrke", "job"),
    "day_in_life": ("en dag i livet", "ein dag i livet", "a day in the life", "dag", "day", "hverdag", "kvardag"),
    "motivations": ("motivasjon", "motivasjoner", "motivasjonar", "motivations", "motivation", "motiveres av",
                    "motiverer"),
    "frustrations": ("frustrasjon", "frustrasjoner", "frustrasjonar", "frustrations", "frustration", "frustreres av"),
}


def parse_personas(text: str, limit: int = 3) -> list[Persona]:
    """Up to ``limit`` personas. Personas are separated by blank lines or "---". Within one,
    labelled lines ("Navn:", "Alder:", "En dag i livet:", "Motivasjoner:", "Frustrasjoner:") fill
    the fields; otherwise the first line is "Name, age/role" and the rest is the day in the life."""
    blocks = [b for b in re.split(r"\n\s*(?:-{3,}|\*{3,})?\s*\n|\n-{3,}\n", text.strip()) if b.strip()]
    personas: list[Persona] = []
    for block in blocks[:limit]:
        fields: dict[str, Any] = {}
        loose: list[str] = []
        for line in block.split("\n"):
            line = _BULLET.sub("", line).strip()
            if not line:
                continue
            label, rest = _split_label(line)
            key = next((k for k, labels in _PERSONA_LABELS.items() if label.lower() in labels), None)
            if key and rest:
                if key in ("motivations", "frustrations"):
                    fields.setdefault(key, []).extend(split_items(rest))
                else:
                    fields[key] = (fields.get(key, "") + " " + rest).strip()
            else:
                loose.append(line)
        if "name" not in fields and loose:
            head = loose.pop(0)
            name, _, role = head.partition(",")
            if len(name.split()) > 4:  # a sentence, not a name
                loose.insert(0, head)
                name, role = "", ""
            fields["name"] = name.strip()
            if role.strip() and "age_role" not in fields:
                fields["age_role"] = role.strip().rstrip(".")
        if loose:
            fields["day_in_life"] = (fields.get("day_in_life", "") + " " + " ".join(loose)).strip()
        if not fields.get("name"):
            fields["name"] = f"Persona {len(personas) + 1}"
        personas.append(Persona(**fields))
    return personas


def parse_principles(text: str) -> list[Principle]:
    """Principles named by wording, keyword or number 1–8, one per line or item; the text after
    ":", "–" or "fordi/because" is the why. Unknown items are ignored."""
    principles: list[Principle] = []
    seen: set[str] = set()
    lines = [_BULLET.sub("", line).strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]
    if len(lines) == 1 and not _split_label(lines[0])[1]:
        candidates = [p.strip() for p in re.split(r"[;,]|\s+og\s+(?=\d)", lines[0]) if p.strip()]
        lines = candidates if all(match_principle(c) for c in candidates) else lines
    for line in lines:
        name, why = _split_label(line)
        if not why:
            because = re.search(r"\s+(?:fordi|because|sidan|siden|ettersom)\s+", line)
            if because:
                name, why = line[:because.start()], line[because.end():]
        why = re.sub(r"^(?:fordi|because|sidan|siden)\s+", "", why.strip(), flags=re.IGNORECASE)
        canonical = match_principle(name) or match_principle(line)
        if canonical and canonical not in seen:
            seen.add(canonical)
            principles.append(Principle(name=canonical, why=why.strip().rstrip(".")))
    return principles
