"""Personal data kept out of residents' input: phone numbers, e-mail addresses and fødselsnummer are
replaced before anything is stored. Over-inclusive where it is cheap (any 11-digit number shaped like
a fødselsnummer; any eight digits after +47 or a word like «tlf»), careful where ordinary text looks
alike (years, amounts, postcodes, dates, times)."""

from __future__ import annotations

import re
from collections.abc import Callable

KINDS = ("email", "fnr", "phone")

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+ ?(?:@|\(at\)|\[at\]) ?[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")

# 11 digits: DDMMYY and a five-digit personal number, written whole, with a space or a dot between,
# or with the date dotted (01.02.90 12345).
FNR = re.compile(r"(?<!\d)(?<!\d[.,])(?:\d{6}[ .]?\d{5}|\d{2}\.\d{2}\.\d{2}[ .]?\d{5})(?!\d)(?![.,]\d)")

_PREFIX = r"(?:\(?(?:\+|00) ?47\)?[ .-]?)"
_ANY = r"\d(?:[ .-]?\d){7}"  # eight digits, any grouping
# Without a prefix or a cue: a Norwegian number (first digit 2-9) in the shapes people write it,
# grouped with spaces (91234567, 912 34 567, 91 23 45 67, 9123 4567 for mobiles). Years, amounts
# («200 000», «2 000 000»), times («20.00-22.00») and dates never have these shapes.
_PLAIN = r"[2-9]\d{7}|[2-9]\d{2} \d{2} \d{3}|[2-9]\d \d{2} \d{2} \d{2}|[49]\d{3} \d{4}"
_CUE = r"\b(?:tlf|telefon\w*|mob(?:il)?\w*|ring|sms|nummer\w*|phone|call|tel)\.?:? ?"
_NOT_AMOUNT = r"(?! ?(?:kr\b|kroner|nok\b|%|prosent|mill))"
_END = r"(?!\d)(?![ .,-]\d)"
PHONE = re.compile(rf"(?<![\w+])(?<!\d[ .])(?:{_PREFIX}{_ANY}|{_PLAIN}){_NOT_AMOUNT}{_END}", re.IGNORECASE)
CUED_PHONE = re.compile(rf"({_CUE})({_PREFIX}?{_ANY}){_NOT_AMOUNT}{_END}", re.IGNORECASE)


def _default_label(kind: str) -> str:
    return f"[{kind}]"


def mask(text: str, label: Callable[[str], str] = _default_label) -> tuple[str, set[str]]:
    """``text`` with personal data replaced by ``label(kind)``, and the kinds found."""
    found: set[str] = set()

    def substitute(kind: str, keep_group: int | None = None):
        def replace(match: re.Match) -> str:
            found.add(kind)
            return (match.group(keep_group) if keep_group else "") + label(kind)
        return replace

    text = EMAIL.sub(substitute("email"), text)
    text = FNR.sub(substitute("fnr"), text)
    text = CUED_PHONE.sub(substitute("phone", keep_group=1), text)
    text = PHONE.sub(substitute("phone"), text)
    return text, found
