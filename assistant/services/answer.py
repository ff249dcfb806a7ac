"""The answer use case: retrieve, then answer with citations, streaming, in the user's language.

Without a language model the answer is extractive; with one, the model writes from numbered
passages and falls back to the extractive answer if it is down, slow or returns nothing useful.
``llm_timeout`` is one wall-clock budget per question for the follow-up rewrite and the answer
together, and a circuit breaker skips the model for a while after failures in a row.

Passages from a user's own documents are data: instructions in them are dropped, they are
marked as the user's, and where they contradict the knowledge base on a programme fact the
answer follows the knowledge base and shows both.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal, cast

import numpy as np

from assistant.adapters.llm import CircuitBreaker, stream_until
from assistant.adapters.vectorstore import ChunkStore, Hit
from assistant.catalog import TextCatalog
from assistant.services import extractive, grounding
from assistant.services.cards import REVIEW_AFTER, AnswerCards, CardMatch
from assistant.services.citations import CitationFilter
from assistant.services.contradictions import Contradiction, find_contradiction
from assistant.services.followup import resolve as resolve_followup
from assistant.services.injection import InstructionDetector
from assistant.services.language import Lang, detect_language
from assistant.services.locators import localized_locator
from assistant.services.retrieval import Retriever
from assistant.services.structured_answers import StructuredAnswer, StructuredAnswers
from assistant.settings import Settings

log = logging.getLogger(__name__)

Role = Literal["user", "assistant"]
MAX_LINKS = 3
# How much deeper than top_k a count question looks for a passage that gives the number asked for.
COUNT_LOOKAHEAD = 3
# The follow-up rewrite gets at most this share of the question's LLM budget; the answer the rest.
REWRITE_SHARE = 1 / 3
# Metadata flag on hits from a user's own store (the knowledge base's hits do not have it).
USER_DOCUMENT = "user_document"
# Questions whose answer changes from round to round: the answer says which rounds it knows.
_TIME_SENSITIVE = re.compile(
    r"\b(frist\w*|søknadsfrist\w*|søknadsfrist|neste runde|ny runde|nye runder|nyaste|nyeste|i år|i haust|i høst|"
    r"til våren|neste år|årets|current round|next round|deadline\w*|this year|next year|when can we apply|"
    r"søke nå|søkje no|utlysing\w*|utlysning\w*|open for applications)\b",
    re.IGNORECASE,
)


@dataclass
class Turn:
    role: Role
    content: str


@dataclass
class Citation:
    n: int
    text: str
    source: str
    title: str
    locator: str
    score: float
    links: list[str] = field(default_factory=list)  # the knowledge file's own source URLs
    user_document: bool = False  # from the user's own uploads, not the knowledge base

    def as_dict(self) -> dict:
        return {**asdict(self), "score": round(self.score, 4)}


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation]
    mode: Literal["extractive", "llm", "card", "structured"]
    language: Lang
    grounded: bool
    query: str
    notices: list[str] = field(default_factory=list)
    # False when the best passage only just passed the relevance floor: the administrators' view
    # of questions that went badly lists these with the refused ones.
    confident: bool = True

    def as_dict(self) -> dict:
        return {
            "answer": self.text,
            "citations": [c.as_dict() for c in self.citations],
            "mode": self.mode,
            "language": self.language,
            "grounded": self.grounded,
            "question": self.question,
            "query": self.query,
            "notices": self.notices,
        }


@dataclass
class AnswerEvent:
    kind: Literal["token", "notice", "done"]
    text: str = ""
    answer: Answer | None = None


class LLMUnusable(Exception):
    """The model returned nothing a user can use (empty or mostly non-text)."""


class UserDocuments:
    """A user's store as the retriever sees it: the same chunks, each hit flagged as the user's."""

    def __init__(self, store: ChunkStore) -> None:
        self._store = store

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def query(self, vector: list[float], k: int, where: dict | None = None) -> list[Hit]:
        return [_flag_user_document(hit) for hit in self._store.query(vector, k, where)]

    def all_chunks(self) -> Iterator[Hit]:
        return (_flag_user_document(hit) for hit in self._store.all_chunks())


def _flag_user_document(hit: Hit) -> Hit:
    return replace(hit, metadata={**hit.metadata, USER_DOCUMENT: True})


def is_user_document(hit: Hit) -> bool:
    return bool(hit.metadata.get(USER_DOCUMENT))


def knowledge_first(query: str, hits: list[Hit]) -> tuple[list[Hit], Contradiction | None]:
    """When a user document contradicts the knowledge base on what the question asks, the
    knowledge base's passages go first (the contradiction's indexes follow them)."""
    conflict = find_contradiction(query, [(h.text, is_user_document(h)) for h in hits])
    if conflict is None:
        return hits, None
    order = sorted(range(len(hits)), key=lambda i: is_user_document(hits[i]))
    position = {old: new for new, old in enumerate(order)}
    moved = replace(conflict, user_passage=position[conflict.user_passage],
                    knowledge_passage=position[conflict.knowledge_passage])
    return [hits[i] for i in order], moved


def looks_unusable(text: str) -> bool:
    """Empty or mostly punctuation; a bare number such as "200 000 kroner [1]" is a fine answer."""
    stripped = text.strip()
    meaningful = sum(ch.isalnum() for ch in stripped)
    return meaningful < 2 or meaningful / len(stripped) < 0.4


class AnswerService:
    def __init__(
        self,
        settings: Settings,
        retriever: Retriever,
        prompts: TextCatalog,
        chat_model_factory: Callable[[], object | None] | None = None,
        cards: AnswerCards | None = None,
        structured: StructuredAnswers | None = None,
        instructions: InstructionDetector | None = None,
    ) -> None:
        self.settings = settings
        self.retriever = retriever
        self.prompts = prompts
        self._chat_model_factory = chat_model_factory or (lambda: None)
        self._chat_model: Any = None  # a LangChain chat model, made on first use
        self.breaker = CircuitBreaker(settings.llm_breaker_failures, settings.llm_breaker_cooldown_s)
        self.cards = cards
        self.structured = structured
        self.instructions = instructions

    @property
    def chat_model(self):
        if self._chat_model is None:
            self._chat_model = self._chat_model_factory()
        return self._chat_model

    # -- public API -------------------------------------------------------------------------

    def answer(self, question: str, history: Sequence[Turn] = (), language: Lang | None = None,
               extra_stores: list[ChunkStore] | None = None, ui_language: Lang | None = None) -> Answer:
        for event in self.stream(question, history, language, extra_stores, ui_language):
            if event.kind == "done" and event.answer is not None:
                return event.answer
        raise RuntimeError("answer stream ended without an answer")

    def stream(self, question: str, history: Sequence[Turn] = (), language: Lang | None = None,
               extra_stores: list[ChunkStore] | None = None, ui_language: Lang | None = None) -> Iterator[AnswerEvent]:
        """``language`` forces the answer's language; otherwise it follows the question, and
        ``ui_language`` (the user's interface) decides when the question is too short to tell."""
        # The model is built (the first time: imports) before the question's clock starts.
        has_model = self.chat_model is not None
        deadline = time.monotonic() + self.settings.llm_timeout
        previous = [t.content for t in history if t.role == "user"]
        lang = self.resolve_language(question, language, ui_language, previous)
        query = self.standalone_query(question, history, lang, deadline)
        structured = self.structured.answer(question, previous, lang) if self.structured is not None else None
        card = (None if (structured and structured.precedes_cards) or self.cards is None
                else self.cards.match(query, lang))
        if card is not None:
            yield from self._card(question, query, card)
            return
        if structured is not None:
            yield from self._structured(question, query, structured, lang)
            return
        stores = cast(list[ChunkStore], [UserDocuments(store) for store in extra_stores or []])  # it forwards the rest
        hits = self._documents_as_data(self.retriever.search(query, k=self.settings.top_k, extra_stores=stores,
                                                             lang=lang))
        relevant = [h for h in hits if h.score >= self.settings.min_relevance - self._margin(h, lang)]
        margin = self._margin(relevant[0], lang) if relevant else 0.0
        covered = bool(relevant) and extractive.covers_question(
            query, [f"{h.title} {h.locator} {h.text}" for h in relevant], relevant[0].score,
            self.settings.min_relevance - margin, self.settings.confident_relevance - margin,
        )
        if not covered:
            text = self.prompts.message("not_covered", lang)
            yield AnswerEvent("token", text)
            yield AnswerEvent("done", answer=Answer(question, text, [], self._mode(), lang, False, query))
            return
        confident = relevant[0].score >= self.settings.confident_relevance
        relevant = self._with_counting_passage(query, relevant, lang, stores)
        for event in self._from_passages(question, query, relevant, lang, has_model, deadline):
            if event.answer is not None:
                event.answer.confident = confident
            yield event

    def _from_passages(self, question: str, query: str, relevant: list[Hit], lang: Lang, has_model: bool,
                       deadline: float) -> Iterator[AnswerEvent]:
        relevant, conflict = knowledge_first(query, relevant)
        if not has_model:
            yield from self._extractive(question, query, relevant, lang, [], conflict)
            return
        if not self.breaker.allow():
            notice = self.prompts.message("llm_paused", lang, failures=self.breaker.threshold,
                                          seconds=f"{self.breaker.cooldown:g}")
            yield AnswerEvent("notice", notice)
            yield from self._extractive(question, query, relevant, lang, [notice], conflict)
            return
        yield from self._with_llm(question, query, relevant, lang, conflict, deadline)

    def _with_counting_passage(self, query: str, relevant: list[Hit], lang: Lang,
                               stores: list[ChunkStore]) -> list[Hit]:
        """«Hvor mange aktører var med …?»: when no passage found gives a number of what is
        counted, the first one a little further down the ranking that does is read too (a figure in
        a section about something broader ranks below the sections about the subject)."""
        counted = extractive.counted_terms(query, lang)
        if not counted or any(extractive.counts(h.text, counted, lang) for h in relevant):
            return relevant
        seen = {h.id for h in relevant}
        further = self._documents_as_data(self.retriever.search(
            query, k=COUNT_LOOKAHEAD * self.settings.top_k, extra_stores=stores, lang=lang))
        found = next((h for h in further if h.id not in seen and extractive.counts(h.text, counted, lang)
                      and h.score >= self.settings.min_relevance - self._margin(h, lang)), None)
        return [*relevant, found] if found else relevant

    def resolve_language(self, question: str, language: Lang | None = None, ui_language: Lang | None = None,
                         previous_questions: Sequence[str] = ()) -> Lang:
        """A question too short to tell («og Lund?») is in the language of the one before it."""
        if language:
            return language
        if self.settings.language != "auto":
            return self.settings.language
        if previous_questions:
            ui_language = detect_language(previous_questions[-1], ui_language)
        return detect_language(question, ui_language)

    def standalone_query(self, question: str, history: Sequence[Turn], lang: Lang, deadline: float) -> str:
        """The follow-up as a question of its own. The model gets at most REWRITE_SHARE of the
        question's budget (ending by ``deadline``, a ``time.monotonic()`` value); without it, or
        when it fails or adds nothing, the heuristic rewrites."""
        previous = [t.content for t in history if t.role == "user"]
        if not previous:
            return question
        if self.chat_model is not None and self.breaker.allow():
            rewrite_deadline = min(deadline, time.monotonic() + REWRITE_SHARE * self.settings.llm_timeout)
            try:
                rewritten = self._rewrite_with_llm(question, history, lang, rewrite_deadline)
            except Exception as exc:  # noqa: BLE001 - any model failure falls back to the heuristic
                log.warning("question rewrite failed: %r", exc)
                self._record_failure(exc)
            else:
                self.breaker.record_success()
                if rewritten:
                    return rewritten
        return resolve_followup(question, previous)

    # -- internals --------------------------------------------------------------------------

    def _card(self, question: str, query: str, match: CardMatch) -> Iterator[AnswerEvent]:
        """A curated answer card in the question's language; its cited sections are the citations."""
        card, lang = match.card, match.lang
        newest = self.cards.newest_round if self.cards is not None else None  # a match means cards
        checked = self.prompts.message("card_checked", lang, date=card.checked.isoformat(), newest=newest)
        text = match.text
        if card.older_rule(newest):  # a rule of an earlier round may have changed since
            rounds = self.prompts.message("card_rounds_join", lang).join(card.rounds)
            text = f"{self.prompts.message('card_applied', lang, rounds=rounds)} {text}"
        text = f"{text}\n\n{checked}"
        if card.overdue(dt.date.today()):
            text += " " + self.prompts.message("card_overdue", lang,
                                               date=(card.review_by or card.checked + REVIEW_AFTER).isoformat())
        citations = [Citation(n, section.snippet, section.source, section.title, section.locator, match.score,
                              list(section.links[:MAX_LINKS]))
                     for n, section in enumerate(match.card.sections, start=1)]
        yield AnswerEvent("token", text)
        yield AnswerEvent("done", answer=Answer(question, text, citations, "card", match.lang, True, query))

    def _structured(self, question: str, query: str, found: StructuredAnswer, lang: Lang) -> Iterator[AnswerEvent]:
        """An answer from the programme's structured data; each case file it names is a citation."""
        citations = [Citation(n, section.snippet, section.source, section.title, section.locator, 1.0,
                              list(section.links[:MAX_LINKS]))
                     for n, section in enumerate(found.sections, start=1)]
        yield AnswerEvent("token", found.text)
        yield AnswerEvent("done", answer=Answer(question, found.text, citations, "structured", lang, True, query))

    def _mode(self) -> Literal["extractive", "llm"]:
        return "extractive" if self.chat_model is None else "llm"

    def _record_failure(self, exc: Exception) -> None:
        self.breaker.record_failure()
        if not isinstance(exc, LLMUnusable):
            self._chat_model = None  # built afresh next time: a restarted server is picked up

    def _rewrite_with_llm(self, question: str, history: Sequence[Turn], lang: Lang, deadline: float) -> str | None:
        """The conversation goes in one message: given chat turns, small models answer the
        follow-up instead of rewriting it. Only a question is accepted as the result: None when
        the model's reply is not one (or resolves nothing), LLMUnusable when it is garbage. The
        reply streams until ``deadline`` (DeadlineExceeded after that)."""
        from langchain_core.messages import HumanMessage, SystemMessage

        speaker = {"user": self.prompts.message("speaker_user", lang),
                   "assistant": self.prompts.message("speaker_assistant", lang)}
        transcript = "\n".join(f"{speaker[t.role]}: {' '.join(t.content.split())[:400]}" for t in list(history)[-6:])
        request = self.prompts.text("rewrite_user", lang).format(conversation=transcript, question=question)
        messages = [SystemMessage(self.prompts.text("rewrite", lang)), HumanMessage(request)]
        reply = "".join(_message_text(chunk) for chunk in stream_until(self.chat_model, messages, deadline)).strip()
        rewritten = re.sub(r"^(omskrevet|omskrive|rewritten)\s*:\s*", "", reply, flags=re.IGNORECASE).strip('"«» ')
        if looks_unusable(rewritten):
            raise LLMUnusable(rewritten[:80])
        added = set(re.findall(r"\w+", rewritten.lower())) - set(re.findall(r"\w+", question.lower()))
        if not rewritten.endswith("?") or len(rewritten) > 4 * len(question) + 200 or not added:
            # Not a question, or nothing taken from the conversation ("der" left unresolved).
            log.info("rewrite not used: %s", rewritten[:80])
            return None
        return rewritten

    def _documents_as_data(self, hits: list[Hit]) -> list[Hit]:
        """A user's document may instruct the assistant in any wording: the sentences that do, by
        meaning (InstructionDetector), leave the passage before anything reads, quotes or sends it."""
        if self.instructions is None:
            return hits
        cleaned = []
        for hit in hits:
            found = self.instructions.in_passage(hit.text, hit.metadata) if is_user_document(hit) else set()
            cleaned.append(replace(hit, text=extractive.drop_instructions(hit.text, found)) if found else hit)
        return cleaned

    def _citations(self, hits: list[Hit], numbers: Sequence[int], lang: Lang) -> list[Citation]:
        citations = []
        for n in sorted(numbers):
            hit = hits[n - 1]
            links = [u for u in str(hit.metadata.get("sources", "")).split("; ") if u.startswith("http")]
            citations.append(Citation(n, extractive.source_text(hit.text), hit.source, hit.title,
                                      localized_locator(hit, lang, self.prompts), hit.score, links[:MAX_LINKS],
                                      is_user_document(hit)))
        return citations

    def _margin(self, hit: Hit, lang: Lang) -> float:
        """How much lower a passage may score because it is in another language than the asker's."""
        other = hit.metadata.get("language", "nb") != lang
        return self.settings.cross_language_margin if other else 0.0

    def _language_frames(self, hits: list[Hit], lang: Lang) -> list[str]:
        """Said only when quoted text is not in the asker's language: knowledge passages with no
        translation into it, and the user's own documents written in another language."""
        frames = []
        if any(not is_user_document(h) and h.metadata.get("language", "nb") != lang for h in hits):
            frames.append(self.prompts.message("sources_untranslated", lang))
        for other in sorted({str(h.metadata.get("language")) for h in hits if is_user_document(h)} - {lang, "None"}):
            frames.append(self.prompts.message("document_language", lang,
                                               language=self.prompts.message(f"language_name.{other}", lang)))
        return frames

    def _conflict_text(self, conflict: Contradiction, hits: list[Hit], lang: Lang, user_n: int,
                       knowledge_n: int) -> str:
        """The notice that a user document says otherwise, quoting and citing both sides."""
        return self.prompts.message(
            "conflict", lang, document=hits[conflict.user_passage].source,
            user=" ".join(conflict.user_sentence.split()), user_n=user_n,
            knowledge=" ".join(conflict.knowledge_sentence.split()), knowledge_n=knowledge_n,
        )

    def _extractive(self, question: str, query: str, hits: list[Hit], lang: Lang, notices: list[str],
                    conflict: Contradiction | None) -> Iterator[AnswerEvent]:
        # A user document's claims against the knowledge base are quoted in the notice only, never as facts.
        claims = conflict.user_claims if conflict else ()
        passages = [extractive.Passage(n, h.text, h.locator, str(h.metadata.get(extractive.PIECE_VECTORS, "")))
                    for n, h in enumerate(hits, start=1)]
        # Sentences are scored against the query's vector (cached from the search just made).
        vector = np.asarray(self.retriever.query_vector(query)) if any(p.vectors for p in passages) else None
        units = extractive.select_units(query, passages, claims, vector, lang)
        # Number the cited passages 1, 2, 3 in reading order, so the markers have no gaps.
        order: list[int] = []
        for unit in units:
            if unit.number not in order:
                order.append(unit.number)
        for passage in (conflict.knowledge_passage, conflict.user_passage) if conflict else ():
            if passage + 1 not in order:
                order.append(passage + 1)
        renumber = {old: new for new, old in enumerate(order, start=1)}
        for unit in units:
            unit.number = renumber[unit.number]
        text = extractive.compose(units)
        cited_hits = [hits[old - 1] for old in order]
        # Quoted text in another language than the asker's: say so rather than pretend otherwise.
        text = "\n\n".join([*self._language_frames(cited_hits, lang), text])
        if _TIME_SENSITIVE.search(question) or _TIME_SENSITIVE.search(query):
            text = f"{text}\n\n{self.prompts.message('time_sensitive', lang)}"
        if conflict:
            notice = self._conflict_text(conflict, hits, lang, renumber[conflict.user_passage + 1],
                                         renumber[conflict.knowledge_passage + 1])
            text = f"{text}\n\n{notice}"
        # Computed at once, so shown at once: word-by-word streaming only cost the app time.
        yield AnswerEvent("token", text)
        answer = Answer(question, text, self._citations(cited_hits, range(1, len(order) + 1), lang), "extractive", lang,
                        True, query, notices)
        yield AnswerEvent("done", answer=answer)

    def _with_llm(self, question: str, query: str, hits: list[Hit], lang: Lang, conflict: Contradiction | None,
                  deadline: float) -> Iterator[AnswerEvent]:
        from langchain_core.messages import HumanMessage, SystemMessage

        claims = conflict.user_claims if conflict else ()
        passages = [(n, h, _neutralise(h.text, claims)) for n, h in enumerate(hits, start=1)]
        # A passage with nothing left (only instructions or claims) is not sent: an empty source
        # makes small models answer with bare citation markers. Its number stays valid.
        sources = "\n\n".join(
            f'<kilde n="{n}" tittel="{_attr(h.title)}" '
            f'sted="{_attr(localized_locator(h, lang, self.prompts))}"{_USER_ATTR if is_user_document(h) else ""}>'
            f"\n{text}\n</kilde>"
            for n, h, text in passages if text.strip()
        )
        messages = [
            SystemMessage(self.prompts.text("answer", lang)),
            HumanMessage(self.prompts.text("answer_user", lang).format(sources=sources, question=question)),
        ]
        citation_filter = CitationFilter(set(range(1, len(hits) + 1)))
        parts: list[str] = []
        notices: list[str] = []
        try:
            for chunk in stream_until(self.chat_model, messages, deadline):
                piece = citation_filter.feed(_message_text(chunk))
                if piece:
                    parts.append(piece)
                    yield AnswerEvent("token", piece)
            tail = citation_filter.flush()
            if tail:
                parts.append(tail)
                yield AnswerEvent("token", tail)
            text = "".join(parts).strip()
            if looks_unusable(text):
                raise LLMUnusable(text[:80])
            text, removed = self._grounded(text, hits, citation_filter.cited)
            if removed:
                notices = [self.prompts.message("unsupported_removed", lang, items=", ".join(removed))]
                yield AnswerEvent("notice", notices[0])
        except Exception as exc:  # noqa: BLE001 - connection, timeout, HTTP, parsing and unusable output alike
            log.warning("LLM answer failed: %r", exc)
            self._record_failure(exc)
            notice = (self.prompts.message("llm_garbage", lang) if isinstance(exc, LLMUnusable)
                      else self.prompts.message("llm_failed", lang, reason=self._failure_reason(exc, lang)))
        else:
            self.breaker.record_success()
            if conflict:
                n_user, n_knowledge = conflict.user_passage + 1, conflict.knowledge_passage + 1
                notice = self._conflict_text(conflict, hits, lang, n_user, n_knowledge)
                piece = citation_filter.feed(f"\n\n{notice}") + citation_filter.flush()
                text += piece
                yield AnswerEvent("token", piece)
            cited = [n for n in citation_filter.cited if f"[{n}]" in text]
            yield AnswerEvent("done", answer=Answer(
                question, text, self._citations(hits, cited, lang), "llm", lang, True, query, notices))
            return
        yield AnswerEvent("notice", notice)
        yield from self._extractive(question, query, hits, lang, [notice], conflict)

    @staticmethod
    def _grounded(text: str, hits: list[Hit], cited: list[int]) -> tuple[str, list[str]]:
        """The model's answer without sentences whose numbers or names its cited passages (all
        passages, if it cited none) lack; LLMUnusable when nothing is left."""
        passages = [hits[n - 1].text for n in cited] or [h.text for h in hits]
        kept, removed = grounding.remove_unsupported(text, passages)
        if removed and looks_unusable(kept):
            raise LLMUnusable(f"only unsupported facts: {', '.join(removed)}")
        return kept, removed

    def _failure_reason(self, exc: Exception, lang: Lang) -> str:
        name = type(exc).__name__.lower()
        if "timeout" in name or isinstance(exc, TimeoutError):
            return self.prompts.message("reason_timeout", lang, seconds=f"{self.settings.llm_timeout:g}")
        if "connection" in name or "connect" in str(exc).lower():
            return self.prompts.message("reason_unreachable", lang)
        return self.prompts.message("reason_other", lang, error=type(exc).__name__)


def _message_text(message) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, list):
        return "".join(block.get("text", "") if isinstance(block, dict) else str(block) for block in content)
    return str(content or "")


# Marks a user's own document in the prompt. The system prompt does not explain it: a rule about
# user documents made the local 1.5B model answer with bare citation markers more often (measured
# on the llm tier's cost questions); contradictions are handled outside the model instead.
_USER_ATTR = ' bruker="ja"'


def _attr(value: str) -> str:
    return value.replace('"', "'").replace("\n", " ")


def _neutralise(text: str, claims: Collection[str]) -> str:
    """Document text is data: it must not close its own <kilde> block, and sentences that try to
    instruct the assistant are removed (small models obey them despite the system prompt). A user
    document's claims against the knowledge base are left out too: the model would repeat them as
    facts; the contradiction notice quotes them instead."""
    return extractive.drop_instructions(re.sub(r"</?\s*kilde[^>]*>", "", text, flags=re.IGNORECASE), claims)
