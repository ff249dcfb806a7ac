"""The workshop tab: guided chat beside a live canvas, progress, quality check, similar cases,
drafts and JSON export/import. Only calls WorkshopService; all state is keyed by owner."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import cast

import gradio as gr

from assistant.catalog import TextCatalog
from assistant.services.language import Lang
from assistant.ui import icons
from assistant.ui.collaboration import SHARE_PARAM, CollaborationPanel
from assistant.ui.render import browser_language, discard_upload, safe_markdown
from assistant.ui.residents import build_residents_panel
from assistant.workshop import critic, drafts
from assistant.workshop.canvas import Canvas
from assistant.workshop.collaboration import targets
from assistant.workshop.fields import label
from assistant.workshop.service import LinkNotFound, NotAllowed, QuestionMoved, WorkshopError, WorkshopService
from assistant.workshop.steps import STEP_DEFS
from assistant.workshop.store import CanvasNotFound


class UserMistake(Exception):
    """Something the user must do first (choose, write); ``key`` names its text in the catalog."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


DRAFT_LANGUAGES = [("Bokmål", "nb"), ("Nynorsk", "nn"), ("English", "en")]
# The browser saves a file a handler has just made (a File component's value), as a link's download.
SAVE_FILE_JS = """(file) => {
  if (!file?.url) return;
  const link = Object.assign(document.createElement("a"), {href: file.url, download: file.orig_name || ""});
  document.body.append(link);
  link.click();
  link.remove();
}"""

CANVAS_LANGUAGE = "canvas"
KEEP_WORKSHOP_JS = """(id) => {
  if (id) sessionStorage.setItem("gnist-workshop", id); else sessionStorage.removeItem("gnist-workshop");
}"""
KEPT_WORKSHOP_JS = """() => [sessionStorage.getItem("gnist-workshop")]"""


def _draft_language(choice: str | None) -> Lang | None:
    """The chosen draft language; None (the workshop's own) for «same as the workshop»."""
    return None if choice in (None, "", CANVAS_LANGUAGE) else cast(Lang, choice)


# A question whose answer fills two fields is edited as one thing, a labelled box per field.
PAIRED = {q.key: q.fields for s in STEP_DEFS for q in s.questions if len(q.fields) > 1}

SUMMARY_CHARS = 70


def _short(text: str) -> str:
    """A field's text on one short line: list items joined with "; "."""
    line = "; ".join(" ".join(part.removeprefix("- ").split()) for part in text.splitlines() if part.strip())
    return line if len(line) <= SUMMARY_CHARS else line[:SUMMARY_CHARS - 1].rstrip() + "…"


def canvas_markdown(service: WorkshopService, canvas: Canvas) -> str:
    """The live canvas. The current step shows every question with its answer; the other steps
    are folded to one line (the first answer, shortened), so the page stays short. A field two
    people changed at once is flagged until somebody tidies it."""
    lang = canvas.language
    msg = functools.partial(service.catalog.workshop_message, lang=lang)
    progress = service.conversation.progress(canvas)
    status = {s["id"]: s["status"] for s in progress.steps}
    flagged = service.sharing.flagged(canvas.id)
    flag = f" {icons.WARNING} _" + service.catalog.ui("collab.conflict_flag", lang) + "_"
    lines = [f"**{canvas.municipality or '–'}** · {progress.percent} %"]
    for step in service.conversation.steps_for(canvas):
        # One line per question: the three actor questions each show their attribute, «Fra … til …»
        # both halves in one line.
        answers = [(question, service.field_text(canvas, question.key), flagged.intersection(targets(question.key)))
                   for question in step.questions]
        heading = step_line(status[step.id], step.number, step.title, lang, service.catalog)
        if status[step.id] == "current":
            lines.append(f"\n### {heading}")
            lines += [f"- _{question.text}_{flag if conflict else ''}  \n  "
                      + (shown.replace("\n", "  \n  ") if shown else "–") for question, shown, conflict in answers]
        else:
            first = next((shown for _, shown, _ in answers if shown), "")
            conflict = any(conflict for *_, conflict in answers)
            lines.append(f"\n{heading}" + (f" · {_short(first)}" if first else "") + (flag if conflict else ""))
    if canvas.solution_ideas:
        lines.append("\n### " + msg("parked_ideas"))
        lines += [f"- {idea}" for idea in canvas.solution_ideas]
    return safe_markdown("\n".join(lines))


def step_line(status: str, number: int, title: str, lang: str, catalog: TextCatalog) -> str:
    """A step with its status in words (the icon is decoration: without an emoji font, or read
    aloud, the words still say it)."""
    return f"{icons.STEP_STATUS[status]} {number}. {title} ({catalog.ui(f'ws.status.{status}', lang)})"


def progress_markdown(service: WorkshopService, canvas: Canvas) -> str:
    progress = service.conversation.progress(canvas)
    items = [step_line(s["status"], s["number"], s["title"], canvas.language, service.catalog) for s in progress.steps]
    return icons.draw(f"**{progress.percent} %**\n\n" + "  \n".join(items))


def findings_markdown(findings: list[critic.Finding], lang: str, catalog: TextCatalog) -> str:
    """The quality check as a jury would say it: how serious, which criterion, the field by its
    label (never its internal name), and what to do next."""
    if not findings:
        return icons.draw(f"{icons.DONE} " + catalog.workshop("critic", lang)["none"])
    return safe_markdown("\n".join(
        f"- {icons.SEVERITY.get(f.severity, '')} **{critic.headline(f, lang, catalog)}:** {f.message}"
        for f in findings))


LEAD_IN_WORDS = 4  # how far into a text its own lead-in («Juryen la vekt på at …») names its subject


def labelled(label: str, text: str, subject: str) -> str:
    """«Label: text», unless the text's opening words already name ``subject`` (a case file's jury
    text is a whole sentence: «Juryen la vekt på at …», «DOGAs jurytekst framhevet …», «The jury
    valued …»), so the lead-in is never said twice, in any language."""
    opening = " ".join(text.split()[:LEAD_IN_WORDS]).casefold()
    return text if subject.casefold() in opening else f"{label}: {text}"


def similar_markdown(cases, lang: str, catalog: TextCatalog) -> str:
    """Similar past cases by title, with what they did; never a file path or a section name."""
    msg = functools.partial(catalog.workshop_message, lang=lang)
    if not cases:
        return msg("similar_none")
    blocks = []
    for case in cases:
        parts = [f"**{case.municipality} ({case.round})**"]
        if case.reframing:
            parts.append(f"{msg('similar_reframing')}: {case.reframing}")
        elif case.challenge:
            parts.append(f"{msg('similar_challenge')}: {case.challenge}")
        if case.concept:
            parts.append(f"{msg('similar_concept')}: {case.concept}")
        if case.jury:
            parts.append(labelled(msg("similar_jury"), case.jury, msg("similar_jury_subject")))
        parts.append(f"{msg('similar_source')}: {case.title}")
        blocks.append("  \n".join(parts))
    return safe_markdown("\n\n".join(blocks))


def final_markdown(service: WorkshopService, canvas: Canvas) -> str:
    """The heading of the last step, in view under the chat, and where the drafts are."""
    msg = functools.partial(service.catalog.workshop_message, lang=canvas.language)
    return f"## {msg('final_heading')}\n\n{msg('final_intro')}"


def suggestion_label(suggestion, lang: str, catalog: TextCatalog) -> str:
    value = suggestion.value
    if isinstance(value, dict):
        shown = " → ".join(str(v) for v in value.values())
    elif isinstance(value, list):
        shown = "; ".join(str(item.get("name", item)) if isinstance(item, dict) else str(item) for item in value)
    else:
        shown = str(value)
    return f"{label(suggestion.field, lang, catalog)}: {shown[:80]}"


def suggestions_markdown(service: WorkshopService, canvas: Canvas) -> str:
    """The model's readings wait here until the user accepts (then edits) or rejects them:
    they never replace the user's own words by themselves."""
    if not canvas.suggestions:
        return service.catalog.workshop_message("no_suggestions", canvas.language)
    return safe_markdown("\n".join(f"- {suggestion_label(s, canvas.language, service.catalog)}"
                                    for s in canvas.suggestions))


def build_workshop_tab(container, identity, i18n, tabs, language):
    service: WorkshopService = container.workshop
    ui_text = container.catalog.ui
    canvas_id = gr.State(None)
    asked = gr.State(None)  # the (step, question) this user was last asked: a colleague may answer it first

    def page_language(user: str, request: gr.Request | None) -> Lang:
        return cast(Lang, container.preferences.app_language(user, browser_language(request)))

    def seen(user: str, canvas: Canvas, request: gr.Request | None) -> Canvas:
        """The canvas in the language this user sees it in (a colleague's own: WorkshopService.seen_by)."""
        return service.seen_by(user, page_language(user, request), canvas)

    def choices(user: str, request: gr.Request | None):
        lang = page_language(user, request)

        def shared(summary) -> str:
            return "" if summary.role == "owner" else f" · {ui_text(f'collab.list.{summary.role}', lang)}"

        return [(f"{c.municipality or '–'}: {c.raw_problem[:50]} ({c.completed}/{c.total}){shared(c)}", c.id)
                for c in service.list(user)]

    def field_choices(canvas: Canvas):
        """One choice per editable thing: the «Fra … til …» question is one choice, edited in two
        labelled boxes (see field_editor)."""
        listed = []
        for step in service.conversation.steps_for(canvas):
            for q in step.questions:
                if "." not in q.key or q.key.split(".")[0] in ("need", "forankring", "resident_input", "actors"):
                    listed.append((f"{step.number}. {q.text}", q.key))
        return listed

    def panels(canvas: Canvas):
        return (canvas_markdown(service, canvas), progress_markdown(service, canvas),
                gr.update(choices=[(s.title, s.id) for s in service.steps(canvas.language)], value=canvas.current_step),
                gr.update(choices=field_choices(canvas), value=None))

    def final_outputs(user: str, canvas: Canvas):
        """The final step: shown with the findings, the four drafts and the «before sending»
        checklist once every step is closed."""
        if not canvas.finished:
            return gr.update(visible=False), "", gr.update(value=None), ""
        files = []
        for kind in drafts.ALL_KINDS:
            path = container.exports.path_for(user, drafts.filename(canvas, kind, "docx"))
            service.draft(user, canvas.id, kind, fmt="docx", path=path)
            files.append(container.exports.share(path))
        findings = findings_markdown(service.check(user, canvas.id), canvas.language, service.catalog)
        return gr.update(visible=True), final_markdown(service, canvas), gr.update(value=files), findings

    def transcript_chat(user: str, canvas_id: str, request: gr.Request | None) -> list[dict]:
        """The conversation so far, from the canvas: each question asked and the answer kept."""
        chat = []
        for question, answer in service.transcript(user, canvas_id, language=page_language(user, request)):
            chat += [{"role": "assistant", "content": safe_markdown(question)},
                     {"role": "user", "content": safe_markdown(answer)}]
        return chat

    def opened(user: str, canvas_id: str, request: gr.Request | None, reply=None):
        """A workshop opened again (chosen, or after a reload): its conversation so far, then its
        current question after a welcome back."""
        reply = reply or service.current(user, canvas_id, language=page_language(user, request))
        return reply_outputs(user, reply, transcript_chat(user, canvas_id, request), request)

    def reply_outputs(user, reply, chat, request):
        chat = chat + [{"role": "assistant", "content": safe_markdown(reply.message)}]
        return (reply.canvas.id, chat, *panels(seen(user, reply.canvas, request)),
                gr.update(choices=choices(user, request), value=reply.canvas.id),
                *final_outputs(user, reply.canvas), (reply.canvas.current_step, reply.canvas.current_question))

    def require_workshop(selected) -> None:
        if not selected:
            raise UserMistake("ws.error.choose_workshop")

    def guard(handler):
        """Service errors become visible messages; the canvas on disk is untouched.
        functools.wraps keeps the signature, which Gradio reads to pass ``request``."""
        @functools.wraps(handler)
        def wrapped(*args, **kwargs):
            try:
                return handler(*args, **kwargs)
            except (CanvasNotFound, UserMistake, WorkshopError, NotAllowed) as error:
                request = kwargs.get("request") or next((a for a in args if isinstance(a, gr.Request)), None)
                lang = container.preferences.app_language(identity.owner(request), browser_language(request))
                key = "ws.error.not_found" if isinstance(error, CanvasNotFound) else getattr(error, "key", None)
                message = ui_text(key, lang) if key else str(error)  # the service's own words otherwise
                if isinstance(error, NotAllowed):
                    message = error.message(container.catalog, lang)
                raise gr.Error(message, title=ui_text("toast.error", lang)) from error
        return wrapped

    @guard
    def start(municipality, problem, request: gr.Request | None = None):
        user = identity.owner(request)
        if not (problem or "").strip():
            raise UserMistake("ws.error.problem_first")
        page_language = container.preferences.app_language(user, browser_language(request))
        canvas = service.start(user, municipality or "", problem, page_language=page_language)
        reply = service.current(user, canvas.id)
        return reply_outputs(user, reply, [{"role": "user", "content": safe_markdown(problem)}], request)

    @guard
    def resume(selected, request: gr.Request | None = None):
        user = identity.owner(request)
        if not selected:
            return None, [], "", "", gr.update(), gr.update(), gr.update(), gr.update(visible=False), "", None, "", None
        return opened(user, selected, request)

    @guard
    def answer(text, selected, chat, asked=None, shown_workshop=None, request: gr.Request | None = None):
        user = identity.owner(request)
        selected = selected or shown_workshop  # after a failover: the workshop the page shows
        require_workshop(selected)
        if not (text or "").strip():
            raise UserMistake("ws.error.answer_or_skip")
        try:
            reply = service.submit(user, selected, text, asked, language=page_language(user, request))
        except QuestionMoved as moved:  # a colleague answered first: the text stays, the new question shows
            lang = page_language(user, request)
            gr.Warning(str(moved), title=ui_text("toast.warning", lang))
            return (gr.update(), *reply_outputs(user, service.current(user, selected, language=lang), chat or [],
                                                request))
        return ("", *reply_outputs(user, reply, (chat or []) + [{"role": "user", "content": safe_markdown(text)}],
                                   request))

    @guard
    def skip(selected, chat, shown_workshop=None, request: gr.Request | None = None):
        user = identity.owner(request)
        selected = selected or shown_workshop
        require_workshop(selected)
        return reply_outputs(user, service.skip(user, selected, language=page_language(user, request)), chat or [],
                             request)

    @guard
    def goto(step_id, selected, chat, request: gr.Request | None = None):
        user = identity.owner(request)
        if not selected or not step_id:
            return (selected, chat, *(gr.update(),) * 10)
        return reply_outputs(user, service.goto(user, selected, step_id, language=page_language(user, request)),
                             chat or [], request)

    def field_editor(canvas: Canvas | None, path: str | None):
        """The editor's boxes for a field: one text box, or for «Fra … til …» a box per half; and
        the text(s) kept as what this edit starts from (a half's base, per half)."""
        halves = PAIRED.get(path or "")
        if canvas is None or not path:
            return gr.update(value="", visible=True), gr.update(visible=False), "", "", None
        if halves:
            texts = [service.field_text(canvas, half) for half in halves]
            return gr.update(value="", visible=False), gr.update(visible=True), *texts, texts
        text = service.field_text(canvas, path)
        return gr.update(value=text, visible=True), gr.update(visible=False), "", "", text

    @guard
    def show_field(path, selected, request: gr.Request | None = None):
        """The field's text, and the same text kept as what this edit starts from."""
        user = identity.owner(request)
        if not selected or not path:
            return field_editor(None, None)
        return field_editor(service.get(user, selected), path)

    @guard
    def save_field(path, value, value_from=None, value_to=None, base=None, selected=None,
                   request: gr.Request | None = None):
        user = identity.owner(request)
        if not selected or not path:
            raise UserMistake("ws.error.choose_field")
        halves = PAIRED.get(path)
        if halves:
            bases = base if isinstance(base, list) and len(base) == len(halves) else [None] * len(halves)
            edits = list(zip(halves, [value_from or "", value_to or ""], bases, strict=True))
        else:
            edits = [(path, value or "", base if isinstance(base, str) else None)]
        canvas, conflict = service.edit_fields(user, selected, edits)
        lang = container.preferences.app_language(user, browser_language(request))
        if conflict:
            gr.Warning(ui_text("collab.conflict", lang), title=ui_text("toast.warning", lang))
        else:
            gr.Info(ui_text("ws.saved", lang), title=ui_text("toast.info", lang))
        edited = field_editor(canvas, path)
        canvas = seen(user, canvas, request)
        return canvas_markdown(service, canvas), progress_markdown(service, canvas), *edited

    @guard
    def check(selected, request: gr.Request | None = None):
        user = identity.owner(request)
        require_workshop(selected)
        lang = service.get(user, selected).language
        return (findings_markdown(service.check(user, selected, use_llm=service.chat_model is not None), lang,
                                  service.catalog),
                similar_markdown(service.similar(user, selected, k=3), lang, service.catalog))

    @guard
    def draft_markdown(selected, kind, lang, note=True, request: gr.Request | None = None):
        """The draft shown (made inert) and as its Markdown text, for copying."""
        user = identity.owner(request)
        require_workshop(selected)
        text = cast(str, service.draft(user, selected, kind, fmt="md", language=_draft_language(lang), note=note))
        return safe_markdown(text), text

    def draft_file_of(fmt: str):
        @guard
        def handler(selected, kind, lang, note=True, request: gr.Request | None = None):
            """The draft as a file of this user's (Word or Markdown), for the browser to save."""
            user = identity.owner(request)
            require_workshop(selected)
            canvas = service.get(user, selected)
            path = container.exports.path_for(user, drafts.filename(canvas, kind, fmt))
            if fmt == "docx":
                service.draft(user, selected, kind, fmt="docx", language=_draft_language(lang), path=path, note=note)
            else:
                path.write_text(service.draft(user, selected, kind, fmt="md", language=_draft_language(lang),
                                              note=note), encoding="utf-8")
            return gr.update(value=container.exports.share(path))
        return handler

    @guard
    def export_json(selected, request: gr.Request | None = None):
        user = identity.owner(request)
        require_workshop(selected)
        path = container.exports.path_for(user, "gnist-lerret.json")
        path.write_text(service.export_json(user, selected), encoding="utf-8")
        return gr.update(value=container.exports.share(path), visible=True)

    @guard
    def import_json(file, request: gr.Request | None = None):
        user = identity.owner(request)
        if not file:
            raise UserMistake("ws.error.choose_json")
        path = Path(file if isinstance(file, str) else file.name)
        try:
            canvas = service.import_json(user, path.read_bytes())
        except ValueError as error:  # CanvasImportError carries a user-facing message
            raise WorkshopError(str(error)) from error
        finally:
            discard_upload(path)
        reply = service.current(user, canvas.id)
        return reply_outputs(user, reply, [], request)

    def side_panels(selected, request: gr.Request | None = None):
        """Similar past cases and the model's pending suggestions for the current canvas."""
        user = identity.owner(request)
        if not selected:
            return gr.update(), gr.update(choices=[], value=None), gr.update()
        canvas = seen(user, service.get(user, selected), request)
        pending = [(suggestion_label(s, canvas.language, service.catalog), s.id) for s in canvas.suggestions]
        return (similar_markdown(service.similar(user, selected, k=3, language=canvas.language), canvas.language,
                                 service.catalog),
                gr.update(choices=pending, value=None), suggestions_markdown(service, canvas))

    def decide_suggestion(accept: bool):
        @guard
        def handler(suggestion_id, selected, request: gr.Request | None = None):
            user = identity.owner(request)
            if not selected or not suggestion_id:
                raise UserMistake("ws.error.choose_suggestion")
            if accept:
                canvas = service.accept_suggestion(user, selected, suggestion_id)
            else:
                canvas = service.reject_suggestion(user, selected, suggestion_id)
            canvas = seen(user, canvas, request)
            pending = [(suggestion_label(s, canvas.language, service.catalog), s.id) for s in canvas.suggestions]
            return (canvas_markdown(service, canvas), progress_markdown(service, canvas),
                    gr.update(choices=pending, value=None), suggestions_markdown(service, canvas))
        return handler

    collaboration = CollaborationPanel(container, identity, i18n, guard)
    gr.Markdown(i18n("ws.intro"))
    with gr.Row():
        with gr.Column(scale=3):
            with gr.Group():
                municipality = gr.Textbox(label=i18n("ws.municipality"), lines=1, elem_id="ws-municipality")
                problem = gr.Textbox(label=i18n("ws.problem"), lines=2, elem_id="ws-problem")
                start_button = gr.Button(i18n("ws.start"), variant="primary", elem_id="ws-start")
            # After a failover the page's value is unknown to this replica's choices: passed on, and
            # the workshop service checks that the workshop is the user's (see answer).
            workshops = gr.Dropdown(label=i18n("ws.list"), choices=[], value=None, elem_id="ws-list",
                                    allow_custom_value=True)
            # The list as this page shows it; the page script clicks the hidden button when the browser
            # tab is shown again, and the list is sent only if another tab changed it (launch.FOLLOW_JS).
            workshops_shown = gr.State(None)
            follow_tabs = gr.Button(i18n("ask.follow_tabs"), visible="hidden", elem_classes=["gnist-follow-tabs"])
            chat = gr.Chatbot(label=i18n("ws.chat"), height=420, elem_id="ws-chat", buttons=[])
            # The last step, right under the conversation: the findings and the drafts to download.
            with gr.Column(visible=False, elem_id="ws-final") as final_box:
                final_text = gr.Markdown(elem_id="ws-final-text")
                final_files = gr.File(label=i18n("ws.draft_kind"), file_count="multiple", interactive=False,
                                      elem_id="ws-final-files")
                final_findings = gr.Markdown(elem_id="ws-final-findings")
            # Enter sends, Shift+Enter adds a line (a one-line Textbox that grows).
            reply_box = gr.Textbox(label=i18n("ws.input"), lines=1, max_lines=10, elem_id="ws-answer")
            gr.Markdown(i18n("ws.enter_hint"), elem_id="ws-enter-hint")
            with gr.Row():
                send = gr.Button(i18n("ws.send"), variant="primary", elem_id="ws-send")
                skip_button = gr.Button(i18n("ws.skip"), elem_id="ws-skip")
            step_choice = gr.Dropdown(label=i18n("ws.goto"), choices=[], value=None, elem_id="ws-goto")
            # The drafts in the wide column: a preview a page wide with a copy button, and downloads
            # that start with one click (the file is made, then the browser saves it).
            with gr.Accordion(label=i18n("ws.draft_kind"), open=False, elem_id="ws-drafts"):
                kind = gr.Radio([(i18n(f"ws.kind.{k}"), k) for k in drafts.ALL_KINDS], value="challenge",
                                label=i18n("ws.draft_kind"), elem_id="ws-kind")
                # By default a draft is written in the workshop's own language (a Nynorsk workshop drafts in Nynorsk).
                draft_lang = gr.Radio([(i18n("ws.draft_lang.canvas"), CANVAS_LANGUAGE), *DRAFT_LANGUAGES],
                                      value=CANVAS_LANGUAGE, label=i18n("ws.draft_lang"), elem_id="ws-draft-lang")
                draft_note = gr.Checkbox(value=True, label=i18n("ws.draft_note"), elem_id="ws-draft-note")
                with gr.Row():
                    make_md = gr.Button(i18n("ws.draft_show"), elem_id="ws-draft-show")
                    download_md = gr.Button(i18n("ws.draft_md"), elem_id="ws-draft-md")
                    make_docx = gr.Button(i18n("ws.draft_docx"), elem_id="ws-draft-docx")
                draft_text = gr.Markdown(elem_id="ws-draft")
                draft_source = gr.Textbox(label=i18n("ws.draft_source"), lines=6, max_lines=16, interactive=False,
                                          buttons=["copy"], elem_id="ws-draft-source")
                draft_file = gr.File(label=i18n("ws.draft_file"), visible=False, interactive=False, elem_id="ws-docx")
        with gr.Column(scale=2):
            collaboration.status_line()
            gr.Markdown("## " + i18n("ws.progress"))
            progress = gr.Markdown(elem_id="ws-progress")
            with gr.Accordion(label=i18n("ws.canvas"), open=True):
                canvas_view = gr.Markdown(elem_id="ws-canvas")
                field = gr.Dropdown(label=i18n("ws.field"), choices=[], value=None, elem_id="ws-field")
                value = gr.Textbox(label=i18n("ws.value"), lines=3, elem_id="ws-value")
                # «Fra … til …»: each half in its own labelled box, so an edit lands in the half meant.
                with gr.Row(visible=False, elem_id="ws-value-pair") as pair:
                    value_from = gr.Textbox(label=i18n("ws.value_from"), lines=3, elem_id="ws-value-from")
                    value_to = gr.Textbox(label=i18n("ws.value_to"), lines=3, elem_id="ws-value-to")
                base = gr.State(None)  # the field's text when this user opened it (conflicts are found against it)
                save = gr.Button(i18n("ws.save_field"), elem_id="ws-save-field")
                collaboration.field_tools()
            collaboration.share_panel()
            with gr.Accordion(label=i18n("ws.check"), open=False):
                check_button = gr.Button(i18n("ws.check"), elem_id="ws-check")
                findings = gr.Markdown(elem_id="ws-findings")
            with gr.Accordion(label=i18n("ws.similar"), open=False):
                similar = gr.Markdown(elem_id="ws-similar")
            with gr.Accordion(label=i18n("ws.suggestions"), open=True, visible=service.chat_model is not None):
                suggestion_view = gr.Markdown(elem_id="ws-suggestions")
                suggestion_choice = gr.Dropdown(label=i18n("ws.suggestion_choice"), choices=[], value=None)
                with gr.Row():
                    accept = gr.Button(i18n("ws.accept"), elem_id="ws-accept")
                    reject = gr.Button(i18n("ws.reject"), elem_id="ws-reject")
            with gr.Accordion(label=i18n("ws.export_json"), open=False):
                export_button = gr.Button(i18n("ws.export_json"))
                export_file = gr.File(label=i18n("ws.export_json"), visible=False, interactive=False)
                import_file = gr.File(label=i18n("ws.import_json"), file_types=[".json"], type="filepath")
            themes_moved = build_residents_panel(container, identity, i18n, canvas_id)  # «Innbyggerinnspill» (issue 13)

    panel_outputs = [canvas_id, chat, canvas_view, progress, step_choice, field, workshops, final_box, final_text,
                     final_files, final_findings, asked]
    side_outputs = [similar, suggestion_choice, suggestion_view]
    side = {"fn": side_panels, "inputs": [canvas_id], "outputs": side_outputs, "api_name": False}
    start_button.click(start, [municipality, problem], panel_outputs, api_name="workshop_start").then(**side)
    workshops.input(resume, [workshops], panel_outputs, api_name="workshop_resume").then(**side)
    send.click(answer, [reply_box, canvas_id, chat, asked, workshops], [reply_box, *panel_outputs],
               api_name="workshop_answer").then(**side)
    reply_box.submit(answer, [reply_box, canvas_id, chat, asked, workshops], [reply_box, *panel_outputs],
                     api_visibility="private").then(**side)
    skip_button.click(skip, [canvas_id, chat, workshops], panel_outputs, api_name="workshop_skip")
    step_choice.input(goto, [step_choice, canvas_id, chat], panel_outputs, api_name="workshop_goto")
    # The history and comments after the field's text: once they show, the text box holds the field.
    editor = [value, pair, value_from, value_to, base]
    field.input(show_field, [field, canvas_id], editor).then(
        collaboration.refresh_field, [field, canvas_id], collaboration.field_outputs, api_visibility="private")
    save.click(save_field, [field, value, value_from, value_to, base, canvas_id], [canvas_view, progress, *editor],
               api_name="workshop_save_field").then(collaboration.refresh_field, [field, canvas_id],
                                                    collaboration.field_outputs, api_visibility="private")
    collaboration.wire(canvas_id=canvas_id, field=field, editor=editor, field_editor=field_editor,
                       canvas_view=canvas_view, progress=progress, render=lambda canvas, user, lang: (
                           canvas_markdown(service, service.seen_by(user, lang, canvas)),
                           progress_markdown(service, service.seen_by(user, lang, canvas))),
                       editors=[reply_box, send, skip_button, step_choice, save, value, value_from, value_to,
                                accept, reject,
                                collaboration.undo, collaboration.comment_text, collaboration.add_comment])
    check_button.click(check, [canvas_id], [findings, similar], api_name="workshop_check")
    suggestion_outputs = [canvas_view, progress, suggestion_choice, suggestion_view]
    accept.click(decide_suggestion(True), [suggestion_choice, canvas_id], suggestion_outputs,
                 api_name="workshop_accept_suggestion")
    reject.click(decide_suggestion(False), [suggestion_choice, canvas_id], suggestion_outputs,
                 api_name="workshop_reject_suggestion")
    make_md.click(draft_markdown, [canvas_id, kind, draft_lang, draft_note], [draft_text, draft_source],
                  api_name="workshop_draft")
    make_docx.click(draft_file_of("docx"), [canvas_id, kind, draft_lang, draft_note], [draft_file],
                    api_name="workshop_draft_docx").success(None, [draft_file], None, js=SAVE_FILE_JS)
    download_md.click(draft_file_of("md"), [canvas_id, kind, draft_lang, draft_note], [draft_file],
                      api_name="workshop_draft_md").success(None, [draft_file], None, js=SAVE_FILE_JS)
    export_button.click(export_json, [canvas_id], [export_file], api_name="workshop_export")
    import_file.upload(import_json, [import_file], panel_outputs, api_name="workshop_import").then(**side)

    def follow_other_tabs(selected, seen, request: gr.Request | None = None):
        """«Mine verksteder» as another tab may have left it (a workshop started or joined there)."""
        user = identity.owner(request)
        listed = choices(user, request)
        if listed == seen:
            return gr.skip(), gr.skip()
        kept = selected if any(value == selected for _, value in listed) else None
        return gr.update(choices=listed, value=kept), listed

    # Also when the list is opened: a tab not yet shown has no button for the page script to click.
    for event in (follow_tabs.click, workshops.focus):
        event(follow_other_tabs, [workshops, workshops_shown], [workshops, workshops_shown],
              api_visibility="private", show_progress="hidden")

    def canvas_panels(selected, request: gr.Request | None = None):
        """The canvas and progress again, after residents' themes were moved into the canvas."""
        if not selected:
            return gr.update(), gr.update()
        user = identity.owner(request)
        canvas = seen(user, service.get(user, selected), request)
        return canvas_markdown(service, canvas), progress_markdown(service, canvas)

    themes_moved.success(guard(canvas_panels), [canvas_id], [canvas_view, progress], api_visibility="private")

    def page_load(kept: str | None, request: gr.Request):
        """Once the page has loaded: with a share link in the address (/?lerret=…), that workshop
        (a colleague's first visit welcomed to it by its owner's name, a return welcomed back);
        else the workshop this browser tab had open before a reload (``kept``), if the user still
        may open it; else the user's latest. Opened with its conversation so far, as the chat tab
        opens its conversation."""
        user = identity.owner(request)
        token = request.query_params.get(SHARE_PARAM, "") if request is not None else ""
        lang = page_language(user, request)
        if token:
            try:
                reply, first = service.open_link(user, token, language=lang)
            except (LinkNotFound, CanvasNotFound):
                gr.Warning(ui_text("collab.link_gone", lang), title=ui_text("toast.warning", lang))
            else:
                if first:
                    gr.Info(ui_text("collab.joined", lang), title=ui_text("toast.info", lang))
                return gr.update(selected="workshop"), gr.update(), *opened(user, reply.canvas.id, request, reply)
        listed = [summary.id for summary in service.list(user)]
        for candidate in ([kept] if kept else []) + listed[:1]:
            try:
                return gr.update(), gr.update(), *opened(user, candidate, request)
            except (CanvasNotFound, NotAllowed):  # access gone (a link revoked, the workshop deleted)
                continue
        unchanged = (gr.update(),) * len(panel_outputs)
        return gr.update(), gr.update(), *unchanged[:6], gr.update(choices=choices(user, request), value=None), \
            *unchanged[7:]

    # The workshop open in this browser tab, kept across a reload (sessionStorage: this tab only, gone
    # when it closes); the server checks that the user may still open it.
    workshops.change(None, [workshops], None, js=KEEP_WORKSHOP_JS)
    return {"fn": page_load, "inputs": [workshops], "js": KEPT_WORKSHOP_JS,
            "outputs": [tabs, language, *panel_outputs]}, side
