"""From many voices to evidence: residents' short inputs grouped into themes by meaning.

UI-agnostic and pure apart from the embedder passed in (anything with LangChain's
``embed_query``). The facilitator's view and ``gnist themes`` call the same functions:

- ``group(items, embeddings)``: (id, text) pairs into ``Theme``s, largest first, with an «Annet»
  group for inputs that fit no theme (always last, id ``OTHER``);
- ``apply_edits(themes, edits)``: the facilitator's merges and renames (JSON made by
  ``merge_edit`` and ``rename_edit``), replayed after each grouping;
- ``evidence_line(theme, total, lang)``: «37 av 120 innspill nevner møteplasser for unge»;
- ``add_to_canvas(canvas, themes, total)``: chosen themes into the canvas (resident input and
  need evidence), so the drafts and the critic use them.

How it groups (chosen on eval/themes/, see eval/themes_quality.py): each text is embedded as an
e5 *query* (the e5 authors' prefix for symmetric tasks such as clustering), the vectors are
L2-normalised and centred on the batch mean (short inputs share a large "a resident wishes for
something" direction that hides what they are about), then scikit-learn's
``AgglomerativeClustering`` (average linkage, cosine distance) cuts the tree at a distance
threshold, so the number of themes follows the data. Clusters under ``min_size`` go to «Annet».

A label is a theme's most distinctive words: c-TF-IDF (class-based TF-IDF, as in BERTopic) over
Snowball-stemmed words against the other themes, with Bokmål and Nynorsk stopwords
(assistant/services/stopwords.json) removed, each stem shown in the form residents used most.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from assistant.adapters.embeddings import embed_bulk
from assistant.catalog import BUILT_IN, TextCatalog

OTHER = "other"
QUESTIONS = ("kritikk", "positivitet", "drommen", "virkeliggjoring")
DEFAULT_QUESTION = "kritikk"  # «hva savner du i dag?»: where an input of unknown question belongs
# Chosen on the whole of eval/themes/innspill.csv (not on single rows); see the eval script.
DISTANCE_THRESHOLD = 0.8
MIN_SIZE = 3
QUOTES = 3
LABEL_TERMS = 3
MAX_LABEL = 80
STOPWORDS_FILE = Path(__file__).resolve().parent / "stopwords.json"
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


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

    @property
    def count(self) -> int:
        return len(self.members)

    def as_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "count": self.count, "members": list(self.members),
                "quotes": [{"id": q.id, "text": q.text} for q in self.quotes], "other": self.other}


def theme_id(members: Iterable[str]) -> str:
    """Stable for the same members, whatever their order."""
    return "t-" + hashlib.sha1("\n".join(sorted(members)).encode("utf-8")).hexdigest()[:10]


# ---------------------------------------------------------------------------------------------
# Grouping
# ---------------------------------------------------------------------------------------------

def group(items: Sequence[tuple[str, str]], embeddings, *, threshold: float = DISTANCE_THRESHOLD,
          min_size: int = MIN_SIZE, quotes: int = QUOTES, lang: str = "nb",
          catalog: TextCatalog | None = None, progress=None, cancelled=None) -> list[Theme]:
    """Themes of ``items`` ((id, text) pairs, ids unique), largest first, «Annet» last. Embedding
    the inputs is bulk work: ``progress`` and ``cancelled`` as in ``embed_bulk``."""
    items = [(str(i), " ".join(str(t).split())) for i, t in items]
    ids = [i for i, _ in items]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate ids: {sorted(i for i, n in Counter(ids).items() if n > 1)[:5]}")
    if not items:
        return []
    vectors = _vectors([t for _, t in items], embeddings, progress, cancelled)
    labels = cluster(vectors, threshold=threshold, min_size=min_size)
    return build_themes(items, vectors, labels, quotes=quotes, lang=lang, catalog=catalog)


def _vectors(texts: list[str], embeddings, progress=None, cancelled=None) -> np.ndarray:
    vectors = embed_bulk(embeddings, texts, query=True, progress=progress, cancelled=cancelled)
    matrix = np.asarray(vectors, dtype=np.float64)
    return _normalise(matrix)


def _normalise(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def cluster(vectors: np.ndarray, *, threshold: float = DISTANCE_THRESHOLD, min_size: int = MIN_SIZE) -> list[int]:
    """A cluster number per row (-1: «Annet»), for L2-normalised vectors."""
    n = len(vectors)
    if n < max(2, min_size):
        return [-1] * n
    from sklearn.cluster import AgglomerativeClustering

    centred = _normalise(vectors - vectors.mean(axis=0))
    found = AgglomerativeClustering(n_clusters=None, distance_threshold=threshold, metric="cosine",
                                    linkage="average").fit_predict(centred)
    sizes = Counter(found)
    return [int(c) if sizes[c] >= min_size else -1 for c in found]


def build_themes(items: Sequence[tuple[str, str]], vectors: np.ndarray, labels: Sequence[int], *,
                 quotes: int = QUOTES, lang: str = "nb", catalog: TextCatalog | None = None) -> list[Theme]:
    """Themes from a clustering: labels by c-TF-IDF, quotes closest to each centroid."""
    rows: dict[int, list[int]] = defaultdict(list)
    for row, label in enumerate(labels):
        rows[label].append(row)
    order = sorted((c for c in rows if c != -1), key=lambda c: (-len(rows[c]), min(rows[c])))
    texts = [t for _, t in items]
    names = theme_labels([[texts[r] for r in rows[c]] for c in order],
                         background=[texts[r] for r in rows.get(-1, [])])
    themes = []
    for cluster_no, name in zip(order, names):
        members = [items[r][0] for r in rows[cluster_no]]
        themes.append(Theme(theme_id(members), name, tuple(members),
                            _central(items, vectors, rows[cluster_no], quotes)))
    if -1 in rows:
        members = tuple(items[r][0] for r in rows[-1])
        other = (catalog or BUILT_IN).message("themes.other", lang)
        themes.append(Theme(OTHER, other, members, _central(items, vectors, rows[-1], quotes), other=True))
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
# Labels
# ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Bokmål and Nynorsk stopwords together (one set of inputs mixes both)."""
    data = json.loads(STOPWORDS_FILE.read_text(encoding="utf-8"))
    return frozenset(w.lower() for lang in ("nb", "nn") for w in data[lang])


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("norwegian")


def terms(text: str) -> list[tuple[str, str]]:
    """(stem, word) of each content word: stopwords, numbers and one- and two-letter words dropped."""
    words = [w for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in stopwords()]
    return [(_stemmer().stemWord(w), w) for w in words]


def theme_labels(groups: Sequence[Sequence[str]], background: Sequence[str] = (),
                 n_terms: int = LABEL_TERMS) -> list[str]:
    """A label per group of texts: its ``n_terms`` most distinctive words by c-TF-IDF against
    the other groups (and the ``background``, e.g. «Annet»), joined by ", "."""
    classes = [*groups, background]
    stem_counts = [Counter(s for text in texts for s, _ in terms(text)) for texts in classes]
    # A stem counts once per text for its class frequency: one resident repeating a word is one voice.
    voices = [Counter(s for text in texts for s in {s for s, _ in terms(text)}) for texts in classes]
    total = Counter()
    for counts in stem_counts:
        total.update(counts)
    average = sum(total.values()) / max(1, sum(1 for c in stem_counts if c))
    labels = []
    for texts, counts, voice in zip(groups, stem_counts, voices):
        size = sum(counts.values()) or 1
        score = {s: (c / size) * math.log(1 + average / total[s]) for s, c in counts.items()}
        # Words that two or more residents used come first: a label speaks for the theme, not one voice.
        shared = min(2, len(texts))
        best = sorted(score, key=lambda s: (voice[s] < shared, -score[s], s))[:n_terms]
        surface = Counter(w for text in texts for s, w in terms(text) if s in best)
        shown = [max((w for w in surface if _stemmer().stemWord(w) == s), key=lambda w: (surface[w], -len(w), w))
                 for s in best]
        labels.append(", ".join(shown))
    return labels


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


def merge(themes: Sequence[Theme], ids: Iterable[str], into: str | None = None, label: str | None = None) -> list[Theme]:
    wanted = {*(ids or ()), *([into] if into else [])}
    chosen = [t for t in themes if t.id in wanted and not t.other]
    if len(chosen) < 2:
        return rename(themes, chosen[0].id, label) if chosen and label else list(themes)
    target = next((t for t in chosen if t.id == into), max(chosen, key=lambda t: t.count))
    ranked = sorted(chosen, key=lambda t: (t is not target, -t.count))
    longest = max(len(t.quotes) for t in ranked)
    quotes = [t.quotes[i] for i in range(longest) for t in ranked if i < len(t.quotes)][:QUOTES]
    merged = replace(target, members=tuple(m for t in ranked for m in t.members), quotes=tuple(quotes),
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
    """«37 av 120 innspill nevner møteplasser for unge» (nn «… innspel nemner …», en «37 of 120
    inputs mention …»; «1 of 1 input mentions …»)."""
    key = "themes.evidence_single" if total == 1 else "themes.evidence_one" if theme.count == 1 else "themes.evidence"
    return (catalog or BUILT_IN).message(key, lang, count=_n(theme.count), total=_n(total), label=theme.label)


def count_text(count: int, lang: str = "nb", catalog: TextCatalog | None = None, noun: str = "count") -> str:
    """«22 innspill», «1 input»; ``noun="themes"`` for «3 tema», «1 theme»."""
    return (catalog or BUILT_IN).message(f"themes.{noun}_one" if count == 1 else f"themes.{noun}", lang, count=_n(count))


def _evidence_pattern(label: str, catalog: TextCatalog) -> re.Pattern:
    """Matches an evidence line for ``label`` in any language and with any figures."""
    forms = []
    for lang in ("nb", "nn", "en"):
        for key in ("themes.evidence", "themes.evidence_one", "themes.evidence_single"):
            line = catalog.message(key, lang, count="\0", total="\0", label="\1")
            forms.append(re.escape(line).replace("\0", r"[\d\s\u00a0]+").replace("\1", re.escape(label)))
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
