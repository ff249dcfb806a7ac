"""Small grammar helpers for text built from the user's words, in Bokmål, Nynorsk and English.

Lists («a, b og c»), number agreement («1 punkt», «2 punkter»; nn «2 punkt»; en «2 points»),
capitalisation, sentences that end once, repeated items dropped, and gaps marked in place
(«[Mangler: …]»). The words that differ between the languages live in
``prompts/workshop/grammar.{nb,nn,en}.json``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.catalog import BUILT_IN, TextCatalog

_BREAK = re.compile(r"[.!?…][»”\")]?\s+(?=[«“\"(]?[A-ZÆØÅ0-9\[])")
_BREAK_ANY = re.compile(r"[.!?…][»”\")]?\s+(?=\S)")
# Abbreviations no sentence ends at («kl. 14.30», «ca. 200», «f.eks. SSB»), and those that may end
# one but only before a capital letter («… butikker osv. Neste»).
_NEVER_ENDS = frozenset("kl. ca. nr. bl.a. f.eks. jf. dvs. pga. evt. inkl. iflg. mht. vha. tlf. e.g. i.e. "
                        "approx. tel.".split())
_MAY_END = frozenset("osv. mv. m.m. etc. o.l.".split())
_SUBJECT_FIRST = re.compile(r"^(?:vi|me|jeg|eg|han|hun|ho|man|dere|de|dei|det|we|they|he|she|there)\s+"
                            r"(?!som\b|who\b|that\b)(?:\w+(?:er|ar|r|te|de|et|a|s|ed)|er|var|har|kan|vil|skal|må|bør|får|is|are|was|can|will|do)\b",
                            re.IGNORECASE)
# What follows these words is a relative or subordinate clause (or an indirect question), whose
# verb does not make the whole a clause: «unge som har flyttet ut», «hva unge savner».
_SUBORDINATE = re.compile(
    r"(?:^|\s)(?:som|der|hvor|kor|who|which|that|where|when|når|hvis|dersom|fordi|because|om|if|"
    r"hva|kva|hvordan|korleis|kordan|hvorfor|kvifor|hvem|kven|what|how|why|å|to)\b.*$", re.IGNORECASE)
_COORDINATED = re.compile(r"[,;]\s*(?:og|men|eller|and|but|or)\s+|;\s*", re.IGNORECASE)
_FINITE = re.compile(
    r"\b(?:er|var|har|hadde|kan|kunne|vil|ville|skal|skulle|må|måtte|bør|burde|får|fikk|fekk|blir|ble|vart|"
    r"vert|gjør|gjer|gjorde|merker|merkar|merkes|merkast|mangler|manglar|trenger|treng|ønsker|ønskjer|vet|"
    r"veit|synes|synest|tror|trur|kommer|kjem|går|står|ligger|ligg|finnes|fins|finst|sier|seier|bor|jobber|"
    r"jobbar|bruker|brukar|savner|saknar|flytter|flyttar|handler|handlar|opplever|sliter|slit|eier|eig|"
    r"is|are|was|were|has|have|had|can|could|will|would|should|must|does|did|needs|lacks|feels|notices|"
    r"legger|legg|stenger|steng|mister|reiser|kjører|køyrer|drar|velger|slutter|sluttar|tar|tek|gir|gjev|ser|"
    r"møtes|møtest|trives|trivst|forsvinner|forsvinn|øker|aukar|synker|minker|faller|fell|stiger|stoppar|stopper|"
    r"lives|moves|uses|wants|knows|leave|leaves|close|closes|stay|stays|grow|grows|fall|falls)\b", re.IGNORECASE)
# «Innlandet fylkeskommune», «Vang kommune»: the word before is a name.
_NAMED_PLACE = re.compile(r"\s+(?:fylkes)?kommun\w*\b|\s+county\b|\s+municipality\b", re.IGNORECASE)
_END = re.compile(r"[.!?…:\]]$|[.!?…][»”\")]$")
_CONJUNCTION = re.compile(r"^(?:og|and|samt|eller|or|&)\s+|\s+(?:og|and|samt|eller|or|&)$", re.IGNORECASE)
_WORD = re.compile(r"[\wÆØÅæøå-]+")


def words(lang: str, catalog: TextCatalog = BUILT_IN) -> dict:
    return catalog.workshop("grammar", lang)


def strip_conjunction(item: str) -> str:
    """«og pendlere» → «pendlere»; «butikkene og» → «butikkene» (a list split left them)."""
    previous = None
    item = item.strip()
    while previous != item:
        previous = item
        item = _CONJUNCTION.sub("", item).strip(" ,;")
    return item


def unique(items: Iterable[str]) -> list[str]:
    """The items trimmed, without leftover conjunctions, empties or repeats (case-insensitive),
    in their first order."""
    seen: set[str] = set()
    result: list[str] = []
    for item in items:
        cleaned = strip_conjunction(" ".join(str(item or "").split())).rstrip(" .")
        key = cleaned.casefold()
        if cleaned and key not in seen:
            seen.add(key)
            result.append(cleaned)
    return result


def join_list(items: Iterable[str], lang: str = "nb", catalog: TextCatalog = BUILT_IN) -> str:
    """«a», «a og b», «a, b og c» (en: «a, b and c»), repeats dropped."""
    parts = unique(items)
    if len(parts) <= 1:
        return parts[0] if parts else ""
    conjunction = words(lang, catalog)["and"]
    return f"{', '.join(parts[:-1])} {conjunction} {parts[-1]}"


def count(number: int, noun: str, lang: str = "nb", catalog: TextCatalog = BUILT_IN) -> str:
    """«ett punkt», «fire punkter», «14 punkter» (nn «fire punkt», en «four points»): small
    numbers in words, as Norwegian style wants in running text."""
    table = words(lang, catalog)
    singular, plural, one = table["nouns"][noun]
    if number == 1:
        return f"{one} {singular}"
    spelled = table["numbers"][number] if 0 <= number < len(table["numbers"]) else str(number)
    return f"{spelled} {plural}"


def split_sentences(text: str, any_case: bool = False) -> list[str]:
    """The sentences of a text: a full stop, ! or ? before a capital or a digit ends one, but not
    after «kl.», «ca.», «nr.», «bl.a.», «f.eks.», «jf.» and the like (nor «osv.»/«mv.» before a
    digit or a small letter), so «kl. 14.30» stays in its sentence. ``any_case`` also ends one
    before a small letter (users' own notes: «vedteke 3. mars. aurland har ikkje …»), but
    never after an ordinal («3. mars»)."""
    parts, start = [], 0
    for match in (_BREAK_ANY if any_case else _BREAK).finditer(text):
        last = text[start:match.start() + 1].rsplit(None, 1)[-1].lower()
        following = text[match.end():match.end() + 2].lstrip("«“\"(")[:1]
        if last in _NEVER_ENDS or (last in _MAY_END and not following.isupper()) \
                or (any_case and last[:-1].isdigit() and not following.isupper()):
            continue
        parts.append(text[start:match.end()].strip())
        start = match.end()
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def is_clause(text: str) -> bool:
    """Whether the user wrote a clause of their own («vi har tre tomme lokaler», «butikkeierne
    merker det først») rather than a noun phrase («tre tomme lokaler», «unge som har flyttet ut»):
    a subject pronoun first, or a finite verb outside a relative or subordinate clause."""
    # A relative clause ends where a comma and «og», «men» … start a new part: «unge som flytter
    # ut, og butikkeierne merker det først» has a clause of its own after the comma.
    parts = _COORDINATED.split(text.strip())
    return any(_SUBJECT_FIRST.match(part) or _FINITE.search(_SUBORDINATE.sub("", part)) for part in parts)


def capitalise(text: str) -> str:
    """The first letter upper-case, the rest untouched («unge voksne» → «Unge voksne»)."""
    text = text.strip()
    for index, char in enumerate(text):
        if char.isalpha():
            return text[:index] + char.upper() + text[index + 1:]
        if char.isdigit():
            return text
    return text


def lower_first(text: str, proper: Iterable[str] = ()) -> str:
    """The first letter lower-case for use inside a sentence, unless the first word is a name:
    all capitals (SSB), with a digit, with an inner capital, or one of ``proper``."""
    text = text.strip()
    match = _WORD.match(text)
    if not match:
        return text
    word = match.group(0)
    keep = {p for p in proper if p}
    if (len(word) > 1 and word.isupper()) or any(c.isdigit() for c in word) or word in keep \
            or any(c.isupper() for c in word[1:]) or _NAMED_PLACE.match(text[match.end():]):
        return text
    return word[:1].lower() + text[1:]


def sentence(text: str) -> str:
    """One sentence: trimmed, capitalised, ending with exactly one full stop (or its own ! ? …,
    a colon that leads into a list, or a gap marker's closing bracket)."""
    text = " ".join(str(text or "").split()).rstrip(" ,;")
    if not text:
        return ""
    text = capitalise(text)
    return text if _END.search(text) else text + "."


def missing(what: str, lang: str = "nb", catalog: TextCatalog = BUILT_IN) -> str:
    """A gap marked where it belongs: «[Mangler: politisk forankring]»."""
    return f"[{words(lang, catalog)['missing']}: {what}]"


def proper_nouns(*texts_: str) -> set[str]:
    """Words written with a capital inside a sentence (not first), so they are names to keep."""
    names: set[str] = set()
    for text in texts_:
        for sentence_text in re.split(r"(?<=[.!?:;])\s+|\n+", text or ""):
            for word in _WORD.findall(sentence_text)[1:]:
                if word[:1].isupper():
                    names.add(word)
    return names
