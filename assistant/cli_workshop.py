"""Workshop commands for the `gnist` command line: workshop, check, draft, canvas-schema, canvas-new.

``register(subparsers, say)`` adds them to the parser in assistant/cli.py; each command takes
``(args, settings)`` like the others and returns an exit code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import cast

from assistant.cli_common import catalog as _catalog
from assistant.cli_common import container as _container
from assistant.cli_common import emit
from assistant.cli_common import print_json as _print_json
from assistant.settings import Settings


def _load_canvas(path: str, catalog):
    from assistant.workshop.canvas import CanvasImportError, from_json

    file = Path(path)
    if not file.is_file():
        print(catalog.message("cli.canvas_missing", "nb", path=file), file=sys.stderr)
        return None
    try:
        return from_json(file.read_bytes(), catalog=catalog)
    except CanvasImportError as exc:
        print(str(exc), file=sys.stderr)
        return None


def cmd_check(args, settings: Settings) -> int:
    from assistant.workshop import critic

    catalog = _catalog(settings)
    canvas = _load_canvas(args.canvas, catalog)
    if canvas is None:
        return 2
    if args.lang:
        canvas = canvas.model_copy(update={"language": args.lang})
    findings = critic.check(canvas, catalog)
    if args.json:
        _print_json({"summary": critic.summary(findings), "findings": critic.findings_as_dicts(findings)})
        return 0
    words = catalog.workshop("critic", canvas.language)
    if not findings:
        print(words["none"])
        return 0
    for finding in findings:
        print(f"[{critic.headline(finding, canvas.language, catalog)}] {finding.message}")
    print("\n" + words["summary"].format(**critic.summary(findings)))
    return 0


def _chat_model(settings: Settings, catalog):
    from assistant.adapters.llm import build_chat_model

    model = build_chat_model(settings)
    if model is None:
        print(catalog.message("cli.no_model_for_polish", "nb"), file=sys.stderr)
    return model


def cmd_draft(args, settings: Settings) -> int:
    from assistant.workshop import drafts

    catalog = _catalog(settings)
    canvas = _load_canvas(args.canvas, catalog)
    if canvas is None:
        return 2
    fmt = args.format
    out = Path(args.out) if args.out else None
    if fmt == "docx" and out is None:
        out = Path(drafts.filename(canvas, args.kind, "docx"))
    model = _chat_model(settings, catalog) if args.polish else None
    result = drafts.render(canvas, args.kind, args.lang, fmt, out, catalog, chat_model=model, note=args.note)
    if out is None:
        sys.stdout.write(cast(str, result))  # Markdown when there is no --out
    else:
        print(catalog.message("cli.wrote", "nb", path=out))
    return 0


def _read_answer(stream) -> str | None:
    """One answer: lines up to an empty line ("---" separates personas). None at the end of input."""
    lines: list[str] = []
    for line in stream:
        if not line.strip():
            if lines:
                break
            continue
        lines.append(line.rstrip("\n"))
    return "\n".join(lines) if lines else None


def cmd_workshop(args, settings: Settings) -> int:
    """The guided workshop in the terminal: the assistant asks, you answer (an empty line ends an
    answer, «hopp over» skips). At the end: the quality check, and the drafts as Word files."""
    from assistant.workshop import critic, drafts
    from assistant.workshop.store import CanvasNotFound

    container = _container(settings)
    container.ensure_knowledge_index()
    service, owner, catalog = container.workshop, args.owner, container.catalog
    if args.resume:
        try:
            reply = service.current(owner, args.resume)
        except CanvasNotFound:
            print(catalog.message("cli.workshop_missing", "nb", id=args.resume), file=sys.stderr)
            return 2
    else:
        if not (args.municipality and args.problem):
            print(catalog.message("cli.workshop_arguments", "nb"), file=sys.stderr)
            return 2
        partners = [p.strip() for p in (args.partners or "").split(",") if p.strip()]
        canvas = service.start(owner, args.municipality, args.problem, args.lang, partners)
        reply = service.current(owner, canvas.id)
    canvas_id = reply.canvas.id
    print(reply.message, flush=True)
    while not reply.finished:
        answer = _read_answer(sys.stdin)
        if answer is None:
            print("\n" + catalog.workshop_message("cli_paused", reply.canvas.language, id=canvas_id))
            return 0
        reply = service.submit(owner, canvas_id, answer)
        print("\n" + reply.message, flush=True)

    canvas = service.get(owner, canvas_id)
    lang = canvas.language
    print(f"\n## {catalog.workshop_message('final_heading', lang)}\n")
    findings = service.check(owner, canvas_id)
    for finding in findings:
        print(f"- [{critic.headline(finding, lang, catalog)}] {finding.message}")
    if not findings:
        print(catalog.workshop("critic", lang)["none"])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print()
    for kind in drafts.ALL_KINDS:
        path = out / drafts.filename(canvas, kind, "docx")
        service.draft(owner, canvas_id, kind, fmt="docx", path=path)
        print(f"{catalog.workshop_message('cli_written', lang)} {path}")
    return 0


def cmd_canvas_schema(args, settings: Settings) -> int:
    from assistant.workshop.canvas import canvas_schema

    _print_json(canvas_schema())
    return 0


def cmd_canvas_new(args, settings: Settings) -> int:
    from assistant.workshop.canvas import new_canvas, to_json
    from assistant.workshop.steps import STEP_IDS

    language = args.lang
    if language is None:
        if settings.language != "auto":
            language = settings.language
        else:
            from assistant.services.language import detect_language

            language = detect_language(args.problem) if args.problem else "nb"
    canvas = new_canvas(args.owner, args.municipality, args.problem, language,
                        [p.strip() for p in (args.partners or "").split(",") if p.strip()])
    canvas.current_step = STEP_IDS[0]
    canvas.current_question = 1 if args.problem else 0
    emit(to_json(canvas), args.out, _catalog(settings).message("cli.wrote", "nb", path=args.out))
    return 0


def register(subparsers, say) -> None:
    """Add the workshop commands to `gnist`'s subparsers; ``say(key)`` gives a help text."""
    workshop = subparsers.add_parser("workshop", help=say("workshop"))
    workshop.add_argument("--municipality", default="", help=say("municipality"))
    workshop.add_argument("--problem", default="", help=say("problem"))
    workshop.add_argument("--partners", default="", help=say("partners"))
    workshop.add_argument("--lang", choices=["nb", "nn", "en"], default=None, help=say("lang_of_problem"))
    workshop.add_argument("--resume", default=None, metavar="ID", help=say("resume"))
    workshop.add_argument("--owner", default="cli", help=say("owner"))
    workshop.add_argument("--out", default=".", help=say("drafts_folder"))
    workshop.set_defaults(func=cmd_workshop)

    check = subparsers.add_parser("check", help=say("check"))
    check.add_argument("--canvas", required=True, help=say("canvas_file"))
    check.add_argument("--json", action="store_true")
    check.add_argument("--lang", choices=["nb", "nn", "en"], default=None, help=say("lang_of_findings"))
    check.set_defaults(func=cmd_check)

    draft = subparsers.add_parser("draft", help=say("draft"))
    draft.add_argument("--canvas", required=True, help=say("canvas_file"))
    draft.add_argument("--kind", required=True, choices=["challenge", "application", "brief", "workshop-plan",
                                                         "checklist"])
    draft.add_argument("--format", choices=["md", "docx"], default="md")
    draft.add_argument("--out", default=None, help=say("draft_out"))
    draft.add_argument("--lang", choices=["nb", "nn", "en"], default=None, help=say("lang_of_canvas"))
    draft.add_argument("--polish", action="store_true",
                       help=say("polish"))
    draft.add_argument("--no-note", dest="note", action="store_false", help=say("no_note"))
    draft.set_defaults(func=cmd_draft)

    schema = subparsers.add_parser("canvas-schema", help=say("canvas_schema"))
    schema.set_defaults(func=cmd_canvas_schema)

    new = subparsers.add_parser("canvas-new", help=say("canvas_new"))
    new.add_argument("--municipality", required=True)
    new.add_argument("--problem", required=True)
    new.add_argument("--partners", default="", help=say("partners"))
    new.add_argument("--owner", default="cli")
    new.add_argument("--lang", choices=["nb", "nn", "en"], default=None)
    new.add_argument("--out", default=None)
    new.set_defaults(func=cmd_canvas_new)
