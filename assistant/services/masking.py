"""Personal data kept out of residents' input: phone numbers, e-mail addresses and fødselsnummer
(and D-nummer) are replaced before anything is stored.

How it decides (tuned on eval/masking/dev.json, measured on eval/masking/test.json by
eval/masking_recall.py):

- The text is read through a same-length normal form: every Unicode decimal digit becomes its ASCII
  digit (fullwidth ０-９, Arabic-Indic, mathematical bold …), and a character whose compatibility
  form is one character takes it (fullwidth ＠ and ．, small ﹫, no-break and thin spaces). Matches
  found there are replaced at the same places in the original text.
- Fødselsnummer and D-nummer: eleven digits, with or without separators (space, dot, dash, slash),
  whose first six are a date (D-nummer: day + 40). Written whole or in the usual shapes (6+5, a date
  then five digits) they are masked whatever their check digits: a resident who mistypes one
  digit is still identifiable, and a made-up «010290-12345» looks like one to every reader. In any
  other grouping («2411 6344 556») they are masked when the check digits are right or a cue such
  as «fnr», «personnummer» or «D-nr» comes just before: that keeps account numbers (4+2+5) and
  case numbers out while catching what is obviously meant.
- Phone numbers: eight digits starting with 2-9 in the shapes people write them (91234567,
  912 34 567, 91 23 45 67 with one separator throughout, 9123 4567 for mobiles), or in any grouping
  after a country code (+47, 0047, (47), 47) or a cue («tlf», «mobil», «ring» …). Amounts («200 000
  kr»), years, postcodes, dates, times («20.00-22.00») and case numbers («22/1234») do not have
  these shapes.
- E-mail: an address with @ (also «(at)», «[at]», «{at}», «<at>», «(a)», «[@]»), or written out
  («ola at gmail dot com», «krøllalfa», «alfakrøll», «snabel-a», «punktum», «prikk»); a written-out
  address must end in a known top-level domain, so «we meet at the library» is left alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

KINDS = ("email", "fnr", "phone")

# -- normal form -------------------------------------------------------------------------------


def normal_form(text: str) -> str:
    """``text`` with the same length: Unicode digits as ASCII, one-character compatibility forms."""
    out = []
    for ch in text:
        digit = unicodedata.decimal(ch, None)
        if digit is not None:
            out.append(str(digit))
            continue
        folded = unicodedata.normalize("NFKC", ch) if ord(ch) > 127 else ch
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


# -- fødselsnummer and D-nummer ----------------------------------------------------------------

_SEP = r"(?:\ ?[-‐‑–—/.]\ ?|\ )"  # one separator, perhaps with spaces around it
_NOT_AFTER_DIGITS = r"(?<!\d)(?<!\d[-‐‑–—/., ])"
_NOT_BEFORE_DIGITS = r"(?![-‐‑–—/.,]?\ ?\d)"
ELEVEN = re.compile(rf"{_NOT_AFTER_DIGITS}\d(?:{_SEP}?\d){{10}}{_NOT_BEFORE_DIGITS}")
# The usual shapes: whole, date + five digits (010290-12345, 01.02.90 12345, 01 02 90 123 45).
_USUAL_FNR = re.compile(rf"\d{{11}}|\d{{6}}{_SEP}\d{{5}}|\d\d([ .\-‐‑–—])\d\d\1\d\d{_SEP}?(?:\d{{5}}|\d{{3}} \d\d)")
_FNR_CUE = re.compile(
    r"(?:\bf\.?\s?nr|\bfnr|fødsels\w*|\bperson\s?n(?:umme)?r\w*|\bpnr|\bd-?\s?n(?:umme)?r\w*|\bnational\s+id\w*"
    r"|\bid[- ]?(?:number|nummer|nr))\W{0,12}(?:\w+\W{1,3}){0,3}$", re.IGNORECASE)
_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _has_date(digits: str) -> bool:
    """DDMMYY where DD may be a D-nummer's day + 40 and MM an H-nummer's or test number's month."""
    day, month = int(digits[:2]), int(digits[2:4])
    return (1 <= day <= 31 or 41 <= day <= 71) and any(1 <= month - offset <= 12 for offset in (0, 40, 80))


def check_digits_valid(digits: str) -> bool:
    """The two mod-11 control digits of a fødselsnummer or D-nummer."""
    def control(weights) -> int:
        rest = sum(w * int(d) for w, d in zip(weights, digits)) % 11
        return 0 if rest == 0 else 11 - rest

    k1, k2 = control(_K1), control(_K2)
    return k1 < 10 and k2 < 10 and digits[9:] == f"{k1}{k2}"


def _fnr_spans(normal: str) -> list[tuple[int, int]]:
    spans = []
    for match in ELEVEN.finditer(normal):
        digits = re.sub(r"\D", "", match.group())
        if not _has_date(digits):
            continue
        usual = _USUAL_FNR.fullmatch(match.group())
        cue = _FNR_CUE.search(normal[max(0, match.start() - 40) : match.start()])
        if usual or cue or check_digits_valid(digits):
            spans.append(match.span())
    return spans


# -- phone numbers -----------------------------------------------------------------------------

_PREFIX = r"(?:\(?(?:\+|00)\ ?47\)?|\(47\)|(?<![\d+])47)"
_ANY8 = r"[2-9](?:[ .\-‐‑–/]?\d){7}"  # eight digits, any grouping
# Without a prefix or a cue: the shapes people write (one separator throughout for 2-2-2-2).
_PLAIN = (r"[2-9]\d{7}|[2-9]\d{2}([ .\-‐‑–])\d{2}\1\d{3}|[2-9]\d([ .\-‐‑–])\d{2}\2\d{2}\2\d{2}"
          r"|[49]\d{3}[ \-‐‑–]\d{4}")
_NOT_AMOUNT = r"(?!\ ?(?:kr\b|kroner|nok\b|%|prosent|mill|m²|kvm))"
_END = r"(?![.,]?\d)(?![ .\-‐‑–/]\d)"
PHONE = re.compile(rf"(?<![\w+])(?<!\d[ .\-/])(?:{_PREFIX}{_SEP}?{_ANY8}|{_PLAIN}){_NOT_AMOUNT}{_END}", re.IGNORECASE)
CUED_PHONE = re.compile(rf"(?<![\w+])(?<!\d[ .\-/]){_ANY8}{_NOT_AMOUNT}{_END}")
_PHONE_CUE = re.compile(r"\b(?:tlf|tel|telefon\w*|mob(?:il)?\w*|ring\w*|sms|nr|nummer\w*|phone|call|kontakt\w*)\b"
                        r"\W{0,6}(?:\w+\W{1,3}){0,3}$", re.IGNORECASE)


def _phone_spans(normal: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in PHONE.finditer(normal)]
    for match in CUED_PHONE.finditer(normal):
        if _PHONE_CUE.search(normal[max(0, match.start() - 30) : match.start()]):
            spans.append(match.span())
    return spans


# -- e-mail ------------------------------------------------------------------------------------

_OPEN, _CLOSE = r"[\[(<{]", r"[\])>}]"
_AT_SIGN = rf"(?:\ ?@\ ?|\ ?{_OPEN}\ ?(?:at|a|@)\ ?{_CLOSE}\ ?)"
_AT_WORD = rf"(?:\ ?{_OPEN}?\ ?(?:krøllalfa|alfakrøll|snabel-a)\ ?{_CLOSE}?\ ?|\ +at\ +)"
_DOT_SIGN = rf"(?:\ ?\.\ ?|\ ?{_OPEN}\ ?(?:dot|punktum|prikk)\ ?{_CLOSE}\ ?)"
_DOT_WORD = r"(?:\ +(?:dot|punktum|prikk)\ +)"
_DOT = rf"(?:{_DOT_SIGN}|{_DOT_WORD})"
_LABEL = r"[\w-]+"
TLDS = r"(?:no|com|net|org|se|dk|fi|is|eu|info|io|biz|edu|gov|uk|de|nu|me|app|online|email)"
EMAIL = re.compile(
    rf"(?<![\w.+-])[\w+-]+(?:{_DOT}[\w+-]+)*"
    rf"(?:{_AT_SIGN}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}[a-z]{{2,}}|{_AT_WORD}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}{TLDS})\b",
    re.IGNORECASE)


def _email_spans(normal: str) -> list[tuple[int, int]]:
    return [m.span() for m in EMAIL.finditer(normal)]


# -- masking -----------------------------------------------------------------------------------


def _default_label(kind: str) -> str:
    return f"[{kind}]"


def find(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the personal data in ``text``, in order, never overlapping (e-mail
    first, then fødselsnummer, then phone)."""
    normal = normal_form(text)
    chosen: list[tuple[int, int, str]] = []
    for kind, spans in (("email", _email_spans(normal)), ("fnr", _fnr_spans(normal)), ("phone", _phone_spans(normal))):
        for start, end in sorted(spans):
            if all(end <= s or start >= e for s, e, _ in chosen):
                chosen.append((start, end, kind))
    return sorted(chosen)


def mask(text: str, label: Callable[[str], str] = _default_label) -> tuple[str, set[str]]:
    """``text`` with personal data replaced by ``label(kind)``, and the kinds found."""
    pieces, found, position = [], set(), 0
    for start, end, kind in find(text):
        pieces += [text[position:start], label(kind)]
        found.add(kind)
        position = end
    pieces.append(text[position:])
    return "".join(pieces), found
