"""Workshop commands for the `gnist` command line: check, draft, canvas-schema, canvas-new.

``register(subparsers)`` adds them to the parser in assistant/cli.py; each command takes
``(args, settings)`` like the others and returns an exit code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant.settings import Settings


def _print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _load_canvas(path: str):
    from assistant.workshop.canvas import CanvasImportError, from_json

    file = Path(path)
    if not file.is_file():
        print(f"Fant ikke lerretsfilen {file}.", file=sys.stderr)
        return None
    try:
        return from_json(file.read_bytes())
    except CanvasImportError as exc:
        print(str(exc), file=sys.stderr)
        return None


def _prompts_dir(settings: Settings) -> Path:
    return settings.prompts_dir


def cmd_check(args, settings: Settings) -> int:
    from assistant.workshop import critic

    canvas = _load_canvas(args.canvas)
    if canvas is None:
        return 2
    if args.lang:
        canvas = canvas.model_copy(update={"language": args.lang})
    findings = critic.check(canvas, _prompts_dir(settings))
    if args.json:
        _print_json({"summary": critic.summary(findings), "findings": critic.findings_as_dicts(findings)})
        return 0
    if not findings:
        print({"nb": "Ingen funn. Lerretet ser komplett ut.", "nn": "Ingen funn. Lerretet ser komplett ut.",
               "en": "No findings. The canvas looks complete."}[canvas.language])
        return 0
    labels = {"mangler": "MANGLER", "advarsel": "ADVARSEL", "info": "INFO"}
    for finding in findings:
        print(f"[{labels[finding.severity]}] {finding.criterion} ({finding.field}): {finding.message}")
    counts = critic.summary(findings)
    print(f"\n{counts['mangler']} mangler, {counts['advarsel']} advarsler, {counts['info']} tips.")
    return 0


def cmd_draft(args, settings: Settings) -> int:
    from assistant.workshop import drafts

    canvas = _load_canvas(args.canvas)
    if canvas is None:
        return 2
    fmt = args.format
    out = Path(args.out) if args.out else None
    if fmt == "docx" and out is None:
        out = Path(drafts.filename(canvas, args.kind, "docx"))
    result = drafts.render(canvas, args.kind, args.lang, fmt, out, _prompts_dir(settings))
    if out is None:
        sys.stdout.write(result)
    else:
        print(f"Skrev {out}")
    return 0


def cmd_canvas_schema(args, settings: Settings) -> int:
    from assistant.workshop.canvas import canvas_schema

    _print_json(canvas_schema())
    return 0


def cmd_canvas_new(args, settings: Settings) -> int:
    from assistant.cli import emit
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
    emit(to_json(canvas), args.out, f"Skrev {args.out}")
    return 0


def register(subparsers) -> None:
    """Add the workshop commands to `gnist`'s subparsers."""
    check = subparsers.add_parser("check", help="Kvalitetssjekk et verkstedlerret (JSON) mot Gnist-kriteriene.")
    check.add_argument("--canvas", required=True, help="Lerretet som JSON-fil.")
    check.add_argument("--json", action="store_true")
    check.add_argument("--lang", choices=["nb", "nn", "en"], default=None, help="Språk på funnene.")
    check.set_defaults(func=cmd_check)

    draft = subparsers.add_parser("draft", help="Lag utkast fra et verkstedlerret.")
    draft.add_argument("--canvas", required=True, help="Lerretet som JSON-fil.")
    draft.add_argument("--kind", required=True, choices=["challenge", "application", "brief", "workshop-plan"])
    draft.add_argument("--format", choices=["md", "docx"], default="md")
    draft.add_argument("--out", default=None, help="Filsti (standard: skjermen for md, eget filnavn for docx).")
    draft.add_argument("--lang", choices=["nb", "nn", "en"], default=None, help="Standard: lerretets språk.")
    draft.set_defaults(func=cmd_draft)

    schema = subparsers.add_parser("canvas-schema", help="Skriv JSON-skjemaet for verkstedlerretet.")
    schema.set_defaults(func=cmd_canvas_schema)

    new = subparsers.add_parser("canvas-new", help="Lag et nytt, tomt verkstedlerret som JSON.")
    new.add_argument("--municipality", required=True)
    new.add_argument("--problem", required=True)
    new.add_argument("--partners", default="", help="Samarbeidskommuner, kommaseparert.")
    new.add_argument("--owner", default="cli")
    new.add_argument("--lang", choices=["nb", "nn", "en"], default=None)
    new.add_argument("--out", default=None)
    new.set_defaults(func=cmd_canvas_new)
