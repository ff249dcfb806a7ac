"""The `gnist` command line: a thin layer over the services (stable contract, see README)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.cli_common import container as _container
from assistant.cli_common import emit
from assistant.cli_common import print_json as _print_json
from assistant.settings import REPO_ROOT, Settings

DEFAULT_QUESTIONS = REPO_ROOT.parent / "shared" / "eval" / "dev_questions.json"


def cmd_ingest(args, settings: Settings) -> int:
    container = _container(settings)
    if args.vectors_only:
        report = container.knowledge_ingest.fill_vector_cache(
            [settings.knowledge_dir, *map(Path, args.paths)], show_progress=not args.quiet,
            exclude=[container.cards.library.directory])
        # The curated questions (cards' paraphrases, the programme data's prototypes) too.
        container.cards.prepare()
        container.structured_answers.prepare()
        print(report.summary())
        return 1 if report.errors else 0
    if args.reindex:
        container.knowledge_store.reset()
    report = container.sync_knowledge([Path(p) for p in args.paths], show_progress=not args.quiet)
    print(report.summary())
    return 1 if report.errors else 0


def cmd_search(args, settings: Settings) -> int:
    container = _container(settings)
    container.ensure_knowledge_index()
    hits = container.retriever.search(args.query, k=args.k, mode=args.mode)
    if args.json:
        _print_json([hit.as_dict() for hit in hits])
        return 0
    if not hits:
        print(container.catalog.message("cli.no_hits", "nb"))
    for rank, hit in enumerate(hits, start=1):
        snippet = " ".join(hit.text.split())[:240]
        print(f"{rank}. [{hit.score:.3f}] {hit.title} ({hit.locator})\n   {hit.source}\n   {snippet}\n")
    return 0


def cmd_ask(args, settings: Settings) -> int:
    container = _container(settings)
    container.ensure_knowledge_index()
    service = container.answer_service
    # Earlier questions, oldest first: the follow-up is resolved as in the app's conversation.
    from assistant.services.answer import Turn

    history = [Turn("user", earlier) for earlier in args.after]
    if args.json:
        _print_json(service.answer(args.question, history, language=args.lang).as_dict())
        return 0
    answer = None
    for event in service.stream(args.question, history, language=args.lang):
        if event.kind == "token":
            print(event.text, end="", flush=True)
        elif event.kind == "notice":
            print(f"\n\n({event.text})\n", flush=True)
        else:
            answer = event.answer
    print()
    if answer and answer.citations:
        print(f"\n{container.catalog.message('sources_heading', answer.language)}:")
        for citation in answer.citations:
            print(f"[{citation.n}] {citation.title} ({citation.locator}) - {citation.source}")
    return 0


def cmd_eval(args, settings: Settings) -> int:
    from assistant.services import evaluation

    container = _container(settings)
    path = Path(args.questions)
    if not path.is_file():
        print(container.catalog.message("cli.questions_missing", "nb", path=path), file=sys.stderr)
        return 2
    data = json.loads(path.read_text(encoding="utf-8"))
    if "passages" in data:
        report = evaluation_passages(container, data, args)
    else:
        container.ensure_knowledge_index()
        if args.target == "answer":
            answers = container.answer_service
            report = evaluation.score_fact_questions(
                data["questions"],
                lambda q: [answers.answer(q["question"], language=args.lang).text],
                k=1,
                target="answer",
            )
        else:
            report = evaluation.score_fact_questions(
                data["questions"],
                lambda q: [h.text for h in container.retriever.search(q["question"], k=args.k, mode=args.mode,
                                                                      lang=args.lang or q.get("lang", "nb"))],
                k=args.k,
            )
    if args.json:
        _print_json(report.as_dict())
    else:
        print(evaluation.format_report(report))
    return 0


def evaluation_passages(container, data: dict, args):
    """Index the set's own passages in a throwaway in-memory collection and rank by id."""
    import chromadb

    from assistant.adapters.vectorstore import ChunkStore
    from assistant.ingest.chunking import Chunk
    from assistant.services import evaluation
    from assistant.services.retrieval import Retriever
    from assistant.services.translations import serving_flags

    store = ChunkStore(chromadb.EphemeralClient(), container.embeddings, "gnist-eval-passages")
    store.reset()
    # The set's passages are searched as the knowledge base is: each serves every asker.
    flags = serving_flags("nb", True, {"nb"})
    chunks = [
        Chunk(id=p["id"], text=p["text"], source=p["id"], title="", locator="", file_hash="eval", metadata=dict(flags))
        for p in data["passages"]
    ]
    store.replace_source("eval", chunks)
    retriever = Retriever(container.embeddings, store)
    return evaluation.score_passage_queries(
        data["queries"], lambda q: [h.source for h in retriever.search(q["text"], k=args.k, mode=args.mode)], k=args.k
    )


def cmd_feedback_export(args, settings: Settings) -> int:
    """For administrators: every thumbs up/down with its question, answer and sources."""
    container = _container(settings)
    rows = container.conversations.export_feedback()
    written = container.catalog.message("cli.feedback_written", "nb", count=len(rows), path=args.out)
    emit(json.dumps(rows, ensure_ascii=False, indent=2), args.out, written)
    return 0


def read_inputs_csv(path: Path) -> list[tuple[str, str]]:
    """(id, text) rows of a CSV with the columns id and text (UTF-8 with or without BOM, ; or ,).
    Raises ``ValueError(key, values)`` with a message key of the text catalog."""
    import csv

    if not path.is_file():
        raise ValueError("themes.no_file", {"path": path})
    try:
        content = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError("themes.unreadable", {"path": path, "reason": exc}) from None
    header = content.split("\n", 1)[0]
    delimiter = ";" if header.count(";") >= header.count(",") and ";" in header else ","
    reader = csv.DictReader(content.splitlines(), delimiter=delimiter)
    columns = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    missing = [c for c in ("id", "text") if c not in columns]
    if missing:
        raise ValueError("themes.missing_columns", {"path": path, "columns": ", ".join(missing)})
    try:
        rows = [((row[columns["id"]] or "").strip(), (row[columns["text"]] or "").strip()) for row in reader]
    except csv.Error as exc:
        raise ValueError("themes.unreadable", {"path": path, "reason": exc}) from None
    rows = [(i, t) for i, t in rows if t]
    if not rows:
        raise ValueError("themes.empty", {"path": path})
    return rows


def cmd_themes(args, settings: Settings) -> int:
    """Residents' inputs from a CSV grouped into themes, as in the facilitator's view."""
    from assistant.services import themes

    container = _container(settings)
    catalog = container.catalog
    try:
        items = read_inputs_csv(Path(args.input))
    except ValueError as exc:
        key, values = exc.args
        print(catalog.message(key, args.lang, **values), file=sys.stderr)
        return 2
    found = themes.group(items, container.embeddings, lang=args.lang, catalog=catalog)
    total = len(items)
    if args.json:
        _print_json({"total": total, "themes": [
            {**theme.as_dict(), "evidence": None if theme.other
             else themes.evidence_line(theme, total, args.lang, catalog)}
            for theme in found]})
        return 0
    named = [t for t in found if not t.other]
    print(catalog.message("themes.summary", args.lang, inputs=themes.count_text(total, args.lang, catalog),
                          themes=themes.count_text(len(named), args.lang, catalog, noun="themes")))
    for number, theme in enumerate(found, start=1):
        count = themes.count_text(theme.count, args.lang, catalog)
        print(f"\n{catalog.message('themes.heading', args.lang, n=number, label=theme.label, count=count)}")
        print("   " + catalog.message("themes.members", args.lang, ids=", ".join(theme.members)))
        for quote in theme.quotes:
            print(f"   «{quote.text}» ({quote.id})")
    return 0


def build_parser(catalog) -> argparse.ArgumentParser:
    """The commands, with their help in Bokmål from ``catalog``."""

    def say(key: str) -> str:
        return catalog.message(f"cli.help.{key}", "nb")

    parser = argparse.ArgumentParser(prog="gnist", description=say("gnist"))
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help=say("ingest"))
    ingest.add_argument("paths", nargs="*", help=say("ingest_paths"))
    ingest.add_argument("--reindex", action="store_true", help=say("reindex"))
    ingest.add_argument("--quiet", action="store_true", help=say("quiet"))
    ingest.add_argument("--vectors-only", action="store_true", help=say("vectors_only"))
    ingest.set_defaults(func=cmd_ingest)

    search = sub.add_parser("search", help=say("search"))
    search.add_argument("query")
    search.add_argument("-k", type=int, default=5)
    search.add_argument("--mode", choices=["dense", "bm25", "hybrid"], default=None)
    search.add_argument("--json", action="store_true")
    search.set_defaults(func=cmd_search)

    ask = sub.add_parser("ask", help=say("ask"))
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true")
    ask.add_argument("--lang", choices=["nb", "nn", "en"], default=None)
    ask.add_argument("--after", action="append", default=[], metavar="EARLIER_QUESTION",
                     help=say("after"))
    ask.set_defaults(func=cmd_ask)

    evaluate = sub.add_parser("eval", help=say("eval"))
    evaluate.add_argument("--questions", default=str(DEFAULT_QUESTIONS))
    evaluate.add_argument("-k", type=int, default=5)
    evaluate.add_argument("--mode", choices=["dense", "bm25", "hybrid"], default=None)
    evaluate.add_argument("--target", choices=["retrieval", "answer"], default="retrieval",
                          help=say("eval_target"))
    evaluate.add_argument("--lang", choices=["nb", "nn", "en"], default=None)
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(func=cmd_eval)
    feedback = sub.add_parser("feedback-export", help=say("feedback_export"))
    feedback.add_argument("--out", help=say("out_file"))
    feedback.set_defaults(func=cmd_feedback_export)

    themes = sub.add_parser("themes", help=say("themes"))
    themes.add_argument("--input", required=True, metavar="FILE.csv")
    themes.add_argument("--json", action="store_true")
    themes.add_argument("--lang", choices=["nb", "nn", "en"], default="nb")
    themes.set_defaults(func=cmd_themes)

    from assistant.cli_db import register as register_db
    from assistant.cli_workshop import register as register_workshop

    register_workshop(sub, say)
    register_db(sub, say)
    return parser


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    settings = settings or Settings()
    args = build_parser(_container(settings).catalog).parse_args(argv)
    return args.func(args, settings)


if __name__ == "__main__":
    raise SystemExit(main())
