"""The facilitator's theme view in «Innbyggerinnspill» (issue 13, item 3): the form's inputs grouped
into themes by meaning on demand («Finn tema»: embedding costs seconds, so never on a timer), the
facilitator's merges and renames (stored with the form and replayed on every grouping), and chosen
themes moved into the workshop canvas as residents' quotes and need evidence.

The grouping itself lives only in this session (gr.State, on the server); the database keeps
nothing of it but the edits. Every handler passes the user the request resolves to; the services
decide what they may do (services/authorization.py: the owner and editors curate, readers look), so a
session reaches only forms of workshops its user may reach."""

from __future__ import annotations

import functools
import inspect
import logging

import gradio as gr

from assistant.services import themes as T
from assistant.services.authorization import NotAllowed
from assistant.services.bulk_jobs import BulkJob
from assistant.services.residents import FormNotFound
from assistant.ui.render import browser_language, safe_markdown
from assistant.workshop.store import CanvasNotFound

log = logging.getLogger(__name__)

QUOTE_CHARS = 280  # a quote in the list; the canvas gets it whole
FIND_CONCURRENCY = 2  # grouping embeds every input: at most this many at once on the machine
FIND_POLL_S = 1.0  # how often the progress line is updated while the themes are found


class ThemeMistake(Exception):
    """Something the facilitator must do first; ``key`` names its text in the catalog."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 1].rstrip() + "…"


def themes_markdown(found: list[T.Theme], total: int, lang: str, catalog) -> str:
    """The total, then each theme (largest first, «Annet» last) with its count, the evidence line it
    would give the canvas, and its representative quotes. Residents' words are made inert."""
    named = [theme for theme in found if not theme.other]
    lines = [catalog.message("themes.summary", lang, inputs=T.count_text(total, lang, catalog),
                             themes=T.count_text(len(named), lang, catalog, noun="themes"))]
    for n, theme in enumerate(found, 1):
        count = T.count_text(theme.count, lang, catalog)
        heading = (f"{theme.label} ({count})" if theme.other
                   else catalog.message("themes.heading", lang, n=n, label=theme.label, count=count))
        lines.append(f"\n### {safe_markdown(heading)}")
        if not theme.other:
            lines.append(f"_{safe_markdown(T.evidence_line(theme, total, lang, catalog))}_\n")
        lines += [f"- «{safe_markdown(_short(quote.text))}»" for quote in theme.quotes]
    return "\n".join(lines)


def theme_choices(found: list[T.Theme], lang: str, catalog) -> list[tuple[str, str]]:
    """(shown, id) for the multiselect: the number and label as in the list, and the count."""
    return [(theme.label if theme.other else catalog.message("themes.heading", lang, n=n, label=theme.label,
                                                             count=T.count_text(theme.count, lang, catalog)), theme.id)
            for n, theme in enumerate(found, 1)]


def moved_markdown(lines: list[str], added: int, lang: str, ui_text) -> str:
    text = ui_text("res.themes.moved", lang, quotes=added)
    if lines:
        text += "\n\n" + ui_text("res.themes.moved_evidence", lang) + "\n" + "\n".join(
            f"- {safe_markdown(line)}" for line in lines)
    return text


def build_theme_view(container, identity, i18n, canvas_id: gr.State):
    """The theme view's components and handlers (call inside the «Innbyggerinnspill» accordion);
    returns the «Flytt til lerretet» event, so the workshop tab can refresh its canvas after it.

    No handler raises: what the facilitator must do, and anything that went wrong, is said in the
    view's status line in the page's language. (A raised gr.Error would show Gradio's toast, whose
    heading is its English type name, and an error overlay on every output that blocks clicks.)"""
    residents = container.residents
    workshop = container.workshop
    catalog = container.catalog
    ui_text = catalog.ui

    def page_language(request) -> str:
        return container.preferences.app_language(identity.owner(request), browser_language(request))

    def guard(outputs: int):
        """``handler``'s result, or on a mistake: its outputs left as they are and the status line
        (always the last output) saying what to do."""
        def refused(error: Exception, request) -> tuple:
            if isinstance(error, ThemeMistake):
                said = ui_text(error.key, page_language(request))
            elif isinstance(error, (CanvasNotFound, FormNotFound)):
                said = ui_text("ws.error.not_found", page_language(request))
            elif isinstance(error, NotAllowed):  # a reader: said in the page's language
                said = error.message(catalog, page_language(request))
            else:  # the panel stays usable; the log has the details
                log.error("residents' themes: a handler failed", exc_info=error)
                said = ui_text("res.themes.error.failed", page_language(request))
            return (*[gr.skip()] * (outputs - 1), status_text(said, warning=True))

        def decorate(handler):
            def request_of(args, kwargs):
                return kwargs.get("request") or next((a for a in args if isinstance(a, gr.Request)), None)

            if inspect.isgeneratorfunction(handler):
                @functools.wraps(handler)
                def streamed(*args, **kwargs):
                    try:
                        yield from handler(*args, **kwargs)
                    except Exception as error:  # noqa: BLE001 - said in the status line
                        yield refused(error, request_of(args, kwargs))
                return streamed

            @functools.wraps(handler)
            def wrapped(*args, **kwargs):
                try:
                    return handler(*args, **kwargs)
                except Exception as error:  # noqa: BLE001 - said in the status line
                    return refused(error, request_of(args, kwargs))
            return wrapped
        return decorate

    def status_text(text: str, warning: bool = False) -> str:
        return f"**{safe_markdown(text)}**" if warning else safe_markdown(text)

    def form_of(user: str, selected):
        """The form of the selected workshop (the service checks the user may look), or a clear mistake."""
        form = residents.form_for_canvas(user, selected) if selected else None
        if form is None:
            raise ThemeMistake("res.themes.error.no_form")
        return form

    def grouping_of(user: str, selected, grouping):
        """This session's grouping, if it is of the form of the selected workshop."""
        form = form_of(user, selected)
        if not grouping or grouping.get("form") != form.id:
            raise ThemeMistake("res.themes.error.find_first")
        return form, grouping

    def current(user: str, form, grouping) -> list[T.Theme]:
        """The grouping with the facilitator's stored edits replayed."""
        return T.apply_edits(grouping["themes"], residents.theme_edits(user, form.id))

    def context(request):
        """Who acts and in which language, resolved once per event."""
        user = identity.owner(request)
        return user, container.preferences.app_language(user, browser_language(request))

    def curating(selected, grouping, request):
        """What every edit of a found grouping starts from: user, language, form, grouping and its
        themes as they stand now; a reader is told at once that they may only look."""
        user, lang = context(request)
        if selected:
            residents.allowed(user, form_of(user, selected).id, "edit")
        form, grouping = grouping_of(user, selected, grouping)
        return user, lang, form, grouping, current(user, form, grouping)

    def shown(found: list[T.Theme], grouping, lang: str):
        """summary and list, theme choices, label, curation row"""
        return (themes_markdown(found, grouping["total"], lang, catalog),
                gr.update(choices=theme_choices(found, lang, catalog), value=[]), gr.update(value=""),
                gr.update(visible=True))

    def chosen_themes(found: list[T.Theme], chosen) -> list[T.Theme]:
        wanted = set(chosen or [])
        return [theme for theme in found if theme.id in wanted]

    @guard(outputs=7)
    def find(selected, request: gr.Request | None = None):
        """Groups in a background job (bulk embedding, behind every chat question) while this
        handler shows its progress in the status line; when the facilitator leaves, Gradio stops
        polling and the job stops with it (cancelled here, or abandoned once nobody polls)."""
        user, lang = context(request)
        form = form_of(user, selected)
        items, questions = residents.theme_items(user, form.id)
        if not items:
            raise ThemeMistake("res.themes.error.empty")
        known = residents.theme_vectors(user, form.id)
        job = BulkJob(lambda progress, cancelled: T.group(
            items, container.embeddings, lang=lang, catalog=catalog, progress=progress, cancelled=cancelled,
            known=known, embedded=lambda vectors: residents.keep_vectors(user, form.id, vectors))).start()
        try:
            while not job.wait(FIND_POLL_S):
                working = ui_text("res.themes.progress", lang, done=job.done_count, total=len(items))
                yield (*[gr.skip()] * 6, status_text(working))
            grouping = {"form": form.id, "total": len(items), "questions": questions, "themes": job.outcome()}
        finally:
            job.cancel()
        yield (grouping, *shown(current(user, form, grouping), grouping, lang), "", "")

    @guard(outputs=5)
    def merge(chosen, label, selected, grouping, request: gr.Request | None = None):
        user, lang, form, grouping, found = curating(selected, grouping, request)
        picked = [theme for theme in chosen_themes(found, chosen) if not theme.other]
        if len(picked) < 2:
            raise ThemeMistake("res.themes.error.merge_two")
        into = max(picked, key=lambda theme: theme.count)
        residents.add_theme_edit(user, form.id, T.merge_edit(picked, into, " ".join((label or "").split()) or None))
        return (*shown(current(user, form, grouping), grouping, lang), status_text(ui_text("res.themes.merged", lang)))

    @guard(outputs=5)
    def rename(chosen, label, selected, grouping, request: gr.Request | None = None):
        user, lang, form, grouping, found = curating(selected, grouping, request)
        picked = chosen_themes(found, chosen)
        if len(picked) != 1 or picked[0].other:
            raise ThemeMistake("res.themes.error.rename_one")
        label = " ".join((label or "").split())
        if not label:
            raise ThemeMistake("res.themes.error.label")
        residents.add_theme_edit(user, form.id, T.rename_edit(picked[0], label))
        return (*shown(current(user, form, grouping), grouping, lang), status_text(ui_text("res.themes.renamed", lang)))

    @guard(outputs=2)
    def move(chosen, selected, grouping, request: gr.Request | None = None):
        user, lang, form, grouping, found = curating(selected, grouping, request)
        picked = chosen_themes(found, chosen)
        if not picked:
            raise ThemeMistake("res.themes.error.move_none")
        canvas = workshop.get(user, form.canvas_id)  # CanvasNotFound for anyone else's
        updated = workshop.change(user, form.canvas_id, lambda fresh: T.add_to_canvas(
            fresh, picked, grouping["total"], questions=grouping["questions"], catalog=catalog))

        def quotes(c) -> int:
            return sum(len(values) for values in c.resident_input.model_dump().values())

        lines = [T.evidence_line(theme, grouping["total"], updated.language, catalog) for theme in picked
                 if not theme.other]
        return (moved_markdown(lines, quotes(updated) - quotes(canvas), lang, ui_text),
                status_text(ui_text("res.themes.moved_toast", lang)))

    def reset(selected, request: gr.Request | None = None):
        """Another workshop chosen: its themes are found anew."""
        return None, "", gr.update(choices=[], value=[]), gr.update(value=""), gr.update(visible=False), "", ""

    grouping = gr.State(None)
    gr.Markdown("### " + i18n("res.themes.heading"))
    gr.Markdown(i18n("res.themes.help"))
    find_button = gr.Button(i18n("res.themes.find"), elem_id="res-themes-find")
    status = gr.Markdown(elem_id="res-themes-status", container=False)
    listing = gr.Markdown(elem_id="res-themes-list")
    with gr.Column(visible=False, elem_id="res-themes-curate") as curate:
        chosen = gr.Dropdown(label=i18n("res.themes.choice"), choices=[], value=None, multiselect=True,
                             elem_id="res-themes-choice")
        label = gr.Textbox(label=i18n("res.themes.label"), info=i18n("res.themes.label_info"), lines=1,
                           max_length=T.MAX_LABEL, elem_id="res-themes-label")
        with gr.Row():
            merge_button = gr.Button(i18n("res.themes.merge"), elem_id="res-themes-merge")
            rename_button = gr.Button(i18n("res.themes.rename"), elem_id="res-themes-rename")
        move_button = gr.Button(i18n("res.themes.move"), variant="primary", elem_id="res-themes-move")
        moved = gr.Markdown(elem_id="res-themes-moved")

    view = [listing, chosen, label, curate]
    find_button.click(find, [canvas_id], [grouping, *view, moved, status], api_name="residents_themes_find",
                      concurrency_id="residents_themes_find", concurrency_limit=FIND_CONCURRENCY,
                      show_progress_on=[listing])
    merge_button.click(merge, [chosen, label, canvas_id, grouping], [*view, status], api_name="residents_themes_merge")
    rename_button.click(rename, [chosen, label, canvas_id, grouping], [*view, status],
                        api_name="residents_themes_rename")
    canvas_id.change(reset, [canvas_id], [grouping, *view, moved, status], api_visibility="private")
    return move_button.click(move, [chosen, canvas_id, grouping], [moved, status], api_name="residents_themes_move")
