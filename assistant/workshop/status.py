"""Statuses the workshop asks for instead of guessing them: the political decision (which body,
when, case number, or when it will be decided), each partner municipality's backing, and the
money (secured, applied for, unknown; how much).

The answer stays the user's own text; its status is read from it here (dates, bodies, case
numbers and amounts by pattern; «decided or not», «money certain or not» by meaning, see
``meaning``) and stored next to it on the canvas, where the critic and the drafts read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.workshop.canvas import DecisionStatus, PartnerBacking
from assistant.workshop.grammar import split_sentences
from assistant.workshop.meaning import Situations

_MONTHS = (r"jan(?:uar|uary)?|feb(?:ruar|ruary)?|mar(?:s|ch)?|apr(?:il)?|mai|may|jun(?:i|e)?|jul(?:i|y)?|"
           r"aug(?:ust)?|sep(?:t|tember)?|okt(?:ober)?|oct(?:ober)?|nov(?:ember)?|des(?:ember)?|dec(?:ember)?")
DATE = re.compile(
    rf"\b\d{{1,2}}\.\s?\d{{1,2}}\.\s?(?:\d{{4}}|\d{{2}})\b|\b\d{{1,2}}\.?\s+(?:{_MONTHS})\b(?:\s+\d{{4}})?|"
    rf"\b(?:{_MONTHS})\s+\d{{1,2}}\b(?:,?\s+\d{{4}})?", re.IGNORECASE)
_LATER = re.compile(
    r"\b(?:i|in|etter|after|til|by|neste|next|innan|innen)\s+(?:januar|februar|mars|april|mai|juni|juli|august|"
    r"september|oktober|november|desember|january|february|march|may|june|july|october|december|sommer\w*|"
    r"summer|haust\w*|høst\w*|autumn|vår\w*|våren|spring|måned|månad|month|veke|uke|week)\b", re.IGNORECASE)
BODY = re.compile(
    r"\b(formannskap\w*|kommunestyre\w*|kst|bystyre\w*|fylkesting\w*|regionråd\w*|"
    r"(?:utval|utvalg|hovudutval|hovedutvalg)\w*(?: for [\wæøå]+(?: og [\wæøå]+)?)?|"
    r"executive committee|municipal council|city council|planning committee|council)\b", re.IGNORECASE)
CASE = re.compile(r"\b(?:sak(?:snr\.?|snummer)?|ps|case|ref\.?)\s*(?:nr\.?\s*)?(\d{1,4}/\d{2,4})", re.IGNORECASE)
AMOUNT = re.compile(
    r"(?:kr\.?\s*)?\d{1,3}(?:[  .,]\d{3})+(?:\s*(?:kr|kroner|NOK|,-))?|\d+\s*(?:kr\b|kroner|NOK|,-)|"
    r"kr\.?\s*\d+|\b\d+\s?k\b", re.IGNORECASE)
FEE = re.compile(r"(deltak\w*[- ]?avgift\w*|gnist-?avgift\w*|\bavgift\w*|participation fee|\bfee\b|"
                 r"\b200[  .,]?000\b|\b200\s?k\b)", re.IGNORECASE)
_SCHEDULED = re.compile(
    r"\b(skal|kommer|kjem|planlagt|planlagd|planlegg\w*|legges fram|legg fram|lagd fram|ventes|venta|will|"
    r"scheduled|expected|goes to|gets|table)\b", re.IGNORECASE)
_APPLIED = re.compile(
    r"\b(søkt|søker|søkjer|søke|søkje|bedt|bede|spurt|spør|spørje|spørre|venter|ventar|sendt|applied|apply|"
    r"applying|asked|requested|waiting|await\w*|sent)\b", re.IGNORECASE)
_UNKNOWN = re.compile(r"\b(vet ikke|veit ikkje|ukjent|uklart|uvisst|unknown|don'?t know|not sure|tbc|usikkert)\b",
                      re.IGNORECASE)
_NO = re.compile(r"^\s*(?:nei|no|ingen|none|ikke ennå|ikkje enno|not yet)\b", re.IGNORECASE)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?:\+\d{2}\s?)?\b(?:\d[  ]?){7}\d\b")
_ROLE = re.compile(
    r"(sjef|leder|leiar|rådgiver|rådgjevar|rådgivar|koordinator|direktør|ordfører|ordførar|konsulent|"
    r"planlegger|planleggjar|prosjekt\w*|manager|adviser|advisor|officer|head|director|coordinator|mayor|lead)",
    re.IGNORECASE)


@dataclass(frozen=True)
class Decision:
    """A political decision as the user told it."""

    text: str
    status: DecisionStatus
    body: str = ""
    date: str = ""
    case: str = ""

    @property
    def dated_decision(self) -> bool:
        """Only this lets a draft say «politisk forankret»."""
        return self.status == "decided" and bool(self.date)


def _first(pattern: re.Pattern, text: str, group: int = 0) -> str:
    match = pattern.search(text)
    return match.group(group).strip() if match else ""


def read_decision(text: str, situations: Situations) -> Decision:
    text = text.strip()
    body, date, case = _first(BODY, text), _first(DATE, text), _first(CASE, text, 1)
    if not text or _NO.match(text):
        return Decision(text, "none", body, date, case)
    if not situations.recognises("decision_not_made", text):
        return Decision(text, "decided", body, date, case)
    scheduled = bool(date or _LATER.search(text) or (_SCHEDULED.search(text) and body))
    return Decision(text, "scheduled" if scheduled else "none", body, date, case)


def read_funding(text: str, situations: Situations) -> tuple[str, str]:
    """(status, amount): secured, applied or unknown, and the amount as written."""
    amount = _first(AMOUNT, text)
    if not text.strip() or (_UNKNOWN.search(text) and not amount):
        return "unknown", amount
    if situations.recognises("money_uncertain", text):
        return ("applied" if _APPLIED.search(text) else "unknown"), amount
    return "secured", amount


def read_partner_backing(text: str, partners: list[str], situations: Situations) -> list[PartnerBacking]:
    """One entry per partner municipality: the part of the answer that names it, read as a
    decision; an answer that names none speaks for them all."""
    parts = [p.strip() for line in re.split(r"\n|;", text) for p in split_sentences(line, any_case=True)
             if p.strip()]
    named: dict[str, str] = {}
    for part in parts:
        for name in partners:
            if name.casefold() in part.casefold():
                named[name] = f"{named.get(name, '')} {part}".strip()
        label = re.match(r"^([^:,]{2,40}):\s*(.+)$", part)
        if label and not any(n.casefold() in part.casefold() for n in partners):
            named[label.group(1).strip()] = label.group(2).strip()
    if not named and text.strip():
        named = {name: text.strip() for name in partners}
    result = []
    for name, said in named.items():
        decision = read_decision(said, situations)
        result.append(PartnerBacking(name=name, status=decision.status, date=decision.date, note=said))
    return result


def read_contact(text: str) -> dict[str, str]:
    """Name, role, e-mail and phone from one answer («Kari Nordmann, næringssjef, kari@… , 900 00 000»)."""
    email, phone = _first(EMAIL, text), _first(PHONE, text)
    rest = PHONE.sub("", EMAIL.sub("", text))
    parts = [p.strip(" .") for p in re.split(r"[,;\n]|\s[–-]\s", rest) if p.strip(" .")]
    role_parts = [p for p in parts if _ROLE.search(p)]
    name_parts = [p for p in parts if p not in role_parts and len(p.split()) <= 4]
    return {"contact_name": name_parts[0] if name_parts and role_parts else "",
            "contact_role": ", ".join(role_parts) if role_parts else ", ".join(parts),
            "contact_email": email, "contact_phone": " ".join(phone.split())}


def names_fee(text: str) -> bool:
    return bool(FEE.search(text or ""))


def has_amount(text: str) -> bool:
    return bool(AMOUNT.search(text or ""))
