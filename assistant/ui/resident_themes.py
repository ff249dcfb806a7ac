"""The facilitator's theme view in «Innbyggerinnspill» (issue 13, item 3): the form's inputs grouped
into themes by meaning on demand («Finn tema»: embedding costs seconds, so never on a timer), the
facilitator's merges and renames (stored with the form and replayed on every grouping), and chosen
themes moved into the workshop canvas as residents' quotes and need evidence.

The grouping itself lives only in this session (gr.State, on the server); the database keeps
nothing of it but the edits. Every handler resolves the workshop's owner from the request
(``workshop_owner``: the user's own workshop, or one a colleague shared with them) and goes through the
owner-checked services, so a session reaches only forms of workshops its user may reach."""

from __future__ import annotations

import functools
import inspect

import gradio as gr

from assistant.services import themes as T
from assistant.services.bulk_jobs import BulkJob
from assistant.services.residents import FormNotFound
from assistant.ui.render import browser_language, safe_markdown
from assistant.workshop.store import CanvasNotFound

QUOTE_CHARS = 280  # a quote in the list; the canvas gets it whole
FIND_CONCURRENCY = 2  # grouping embeds every input: at most this many at once on the machine
FIND_POLL_S = 1.0  # how often the progress line is updated while the themes are found


class ThemeMistake(Exception):
    """Something the facilitator must do first; ``key`` names its text in the catalog."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def workshop_owner(container, identity, selected, request, *, write: bool) -> str:
    """Whose residents' form the user of ``request`` works on: their own workshop's, or that of a
    colleague's workshop they joined by link (a read-only link may look, not change anything).
    CanvasNotFound for a workshop the user cannot reach."""
    user = identity.owner(request)
    if not selected:
        return user
    role, owner = container.workshop.sharing.role(user, selected)
    if write and role == "read":
        lang = container.preferences.app_language(user, browser_language(request))
        raise gr.Error(container.catalog.workshop_message("read_only", lang), title=container.catalog.ui("toast.error", lang))
    return owner


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
        lines.append(f"\n#### {safe_markdown(heading)}")
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
    returns the «Flytt til lerretet» event, so the workshop tab can refresh its canvas after it."""
    residents = container.residents
    workshop = container.workshop
    catalog = container.catalog
    ui_text = catalog.ui

    def shown_error(error, args, kwargs) -> gr.Error:
        request = kwargs.get("request") or next((a for a in args if isinstance(a, gr.Request)), None)
        lang = container.preferences.app_language(identity.owner(request), browser_language(request))
        key = error.key if isinstance(error, ThemeMistake) else "ws.error.not_found"
        return gr.Error(ui_text(key, lang), title=ui_text("toast.error", lang))

    def guard(handler):
        if inspect.isgeneratorfunction(handler):
            @functools.wraps(handler)
            def streamed(*args, **kwargs):
                try:
                    yield from handler(*args, **kwargs)
                except (CanvasNotFound, FormNotFound, ThemeMistake) as error:
                    raise shown_error(error, args, kwargs) from error
            return streamed

        @functools.wraps(handler)
        def wrapped(*args, **kwargs):
            try:
                return handler(*args, **kwargs)
            except (CanvasNotFound, FormNotFound, ThemeMistake) as error:
                raise shown_error(error, args, kwargs) from error
        return wrapped

    def form_of(owner: str, selected):
        """The owner's form of the selected workshop (owner-checked), or a clear mistake."""
        form = residents.form_for_canvas(owner, selected) if selected else None
        if form is None:
            raise ThemeMistake("res.themes.error.no_form")
        return form

    def grouping_of(owner: str, selected, grouping):
        """This session's grouping, if it is of the owner's form of the selected workshop."""
        form = form_of(owner, selected)
        if not grouping or grouping.get("form") != form.id:
            raise ThemeMistake("res.themes.error.find_first")
        return form, grouping

    def current(owner: str, form, grouping) -> list[T.Theme]:
        """The grouping with the facilitator's stored edits replayed."""
        return T.apply_edits(grouping["themes"], residents.theme_edits(owner, form.id))

    def curating(selected, grouping, request):
        """What every edit of a found grouping starts from: owner, language, form, grouping and its
        themes as they stand now."""
        owner = workshop_owner(container, identity, selected, request, write=True)
        form, grouping = grouping_of(owner, selected, grouping)
        lang = container.preferences.app_language(identity.owner(request), browser_language(request))
        return owner, lang, form, grouping, current(owner, form, grouping)

    def shown(found: list[T.Theme], grouping, lang: str):
        """summary and list, theme choices, label, curation row"""
        return (themes_markdown(found, grouping["total"], lang, catalog),
                gr.update(choices=theme_choices(found, lang, catalog), value=[]), gr.update(value=""),
                gr.update(visible=True))

    def chosen_themes(found: list[T.Theme], chosen) -> list[T.Theme]:
        wanted = set(chosen or [])
        return [theme for theme in found if theme.id in wanted]

    @guard
    def find(selected, request: gr.Request = None):
        """Groups in a background job (bulk embedding, behind every chat question) while this
        handler shows its progress; when the facilitator leaves, Gradio stops polling and the job
        stops with it (cancelled here, or abandoned once nobody polls)."""
        owner = workshop_owner(container, identity, selected, request, write=False)
        lang = container.preferences.app_language(identity.owner(request), browser_language(request))
        form = form_of(owner, selected)
        items, questions = residents.theme_items(owner, form.id)
        if not items:
            raise ThemeMistake("res.themes.error.empty")
        job = BulkJob(lambda progress, cancelled: T.group(items, container.embeddings, lang=lang, catalog=catalog,
                                                          progress=progress, cancelled=cancelled)).start()
        try:
            while not job.wait(FIND_POLL_S):
                working = ui_text("res.themes.progress", lang, done=job.done_count, total=len(items))
                yield gr.skip(), working, gr.skip(), gr.skip(), gr.skip(), gr.skip()
            grouping = {"form": form.id, "total": len(items), "questions": questions, "themes": job.outcome()}
        finally:
            job.cancel()
        yield (grouping, *shown(current(owner, form, grouping), grouping, lang), "")

    @guard
    def merge(chosen, label, selected, grouping, request: gr.Request = None):
        owner, lang, form, grouping, found = curating(selected, grouping, request)
        picked = [theme for theme in chosen_themes(found, chosen) if not theme.other]
        if len(picked) < 2:
            raise ThemeMistake("res.themes.error.merge_two")
        into = max(picked, key=lambda theme: theme.count)
        residents.add_theme_edit(owner, form.id, T.merge_edit(picked, into, " ".join((label or "").split()) or None))
        gr.Info(ui_text("res.themes.merged", lang), title=ui_text("toast.info", lang))
        return shown(current(owner, form, grouping), grouping, lang)

    @guard
    def rename(chosen, label, selected, grouping, request: gr.Request = None):
        owner, lang, form, grouping, found = curating(selected, grouping, request)
        picked = chosen_themes(found, chosen)
        if len(picked) != 1 or picked[0].other:
            raise ThemeMistake("res.themes.error.rename_one")
        label = " ".join((label or "").split())
        if not label:
            raise ThemeMistake("res.themes.error.label")
        residents.add_theme_edit(owner, form.id, T.rename_edit(picked[0], label))
        gr.Info(ui_text("res.themes.renamed", lang), title=ui_text("toast.info", lang))
        return shown(current(owner, form, grouping), grouping, lang)

    @guard
    def move(chosen, selected, grouping, request: gr.Request = None):
        owner, lang, form, grouping, found = curating(selected, grouping, request)
        picked = chosen_themes(found, chosen)
        if not picked:
            raise ThemeMistake("res.themes.error.move_none")
        canvas = workshop.get(owner, form.canvas_id)  # CanvasNotFound for anyone else's
        updated = workshop.change(identity.owner(request), form.canvas_id, lambda fresh: T.add_to_canvas(
            fresh, picked, grouping["total"], questions=grouping["questions"], catalog=catalog))

        def quotes(c) -> int:
            return sum(len(values) for values in c.resident_input.model_dump().values())

        lines = [T.evidence_line(theme, grouping["total"], updated.language, catalog) for theme in picked
                 if not theme.other]
        gr.Info(ui_text("res.themes.moved_toast", lang), title=ui_text("toast.info", lang))
        return moved_markdown(lines, quotes(updated) - quotes(canvas), lang, ui_text)

    def reset(selected, request: gr.Request = None):
        """Another workshop chosen: its themes are found anew."""
        return None, "", gr.update(choices=[], value=[]), gr.update(value=""), gr.update(visible=False), ""

    grouping = gr.State(None)
    gr.Markdown("#### " + i18n("res.themes.heading"))
    gr.Markdown(i18n("res.themes.help"))
    find_button = gr.Button(i18n("res.themes.find"), elem_id="res-themes-find")
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
    find_button.click(find, [canvas_id], [grouping, *view, moved], api_name="residents_themes_find",
                      concurrency_id="residents_themes_find", concurrency_limit=FIND_CONCURRENCY)
    merge_button.click(merge, [chosen, label, canvas_id, grouping], view, api_name="residents_themes_merge")
    rename_button.click(rename, [chosen, label, canvas_id, grouping], view, api_name="residents_themes_rename")
    canvas_id.change(reset, [canvas_id], [grouping, *view, moved], api_name=False)
    return move_button.click(move, [chosen, canvas_id, grouping], [moved], api_name="residents_themes_move")
