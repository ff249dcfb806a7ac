"""An answer card an administrator writes in the app (issue 22), for the service and browser tests:
the 2025 deadline the sources do not know, citing sections of the real knowledge files; with
another amount than 200 000 it has a number its sections lack."""

QUESTION = "Når er søknadsfristen for Gnist 2025?"
CARD_ID = "frist-2025"


def card_text(amount: str = "200 000") -> str:
    answer = ("Gnist-runden 2025 er nevnt av DOGA, men fristen står ikke i kildene. I Gnist 2022 var "
              f"deltakeravgiften {amount} kroner, og fristen var 14. januar 2022. Sjekk doga.no for fristen i 2025, "
              "og snakk med fylkeskommunen tidlig om hvordan dere vil søke og hva det koster for kommunen.")
    return f"""---
round: "2025 (fristen er ikke kjent)"
checked: 2026-12-07
review_by: 2027-03-01
kind: history
rounds: ["2022"]
sources:
  - file: programmet/delta-i-gnist.md
    section: "Søknadsfrist og søknad til Gnist 2022"
  - file: programmet/delta-i-gnist.md
    section: "Deltakeravgift i Gnist 2022: 200 000 kroner"
  - file: programmet/runde-2023.md
    section: "Gnist 2025: hva som er kjent og ukjent"
paraphrases:
  nb:
    - Når er søknadsfristen for Gnist 2025?
    - Hva er fristen i Gnist-runden 2025?
    - Når må vi søke Gnist i 2025?
  nn:
    - Kva er fristen i Gnist-runden 2025?
  en:
    - What is the deadline of the 2025 Gnist round?
    - When must we apply to Gnist in 2025?
---
## nb

{answer}

## nn

Gnist-runden 2025 er nemnd av DOGA, men fristen står ikkje i kjeldene. I Gnist 2022 var deltakaravgifta {amount} kroner, og fristen var 14. januar 2022. Sjekk doga.no for fristen i 2025, og snakk med fylkeskommunen tidleg om korleis de vil søkje og kva det kostar for kommunen.

## en

DOGA mentions a 2025 Gnist round, but its deadline is not in the sources. In Gnist 2022 the participation fee was NOK {amount.replace(' ', ',')}, and the deadline was 14 January 2022. Check doga.no for the 2025 deadline, and talk to your county council early about how you will apply and what it costs.
"""
