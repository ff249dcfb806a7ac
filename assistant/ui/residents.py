"""«Innbyggerinnspill» in the workshop tab: open or close the selected workshop's public form, its link
and QR code (PNG and SVG for posters), a live count, the latest inputs, CSV/XLSX export, and the
themes (assistant/ui/resident_themes.py). Every call passes the user the request resolves to; the
service decides what they may do (services/authorization.py)."""

from __future__ import annotations

import functools

import gradio as gr
import segno

from assistant.services.authorization import NotAllowed
from assistant.services.residents import ANSWERS, FormNotFound, ResidentForm
from assistant.ui.render import browser_language, local_time, safe_markdown
from assistant.ui.resident_themes import build_theme_view
from assistant.workshop.store import CanvasNotFound

LATEST = 10
REFRESH_S = 5


def public_url(settings, request: gr.Request | None, path: str) -> str:
    """An address others can open: GNIST_PUBLIC_URL, else the address the user's browser used."""
    base = (settings.public_url or "").rstrip("/")
    if not base and request is not None:
        headers = request.headers
        proto = headers.get("x-forwarded-proto") or (request.request.url.scheme if request.request else "http")
        host = headers.get("x-forwarded-host") or headers.get("host") or f"{settings.host}:{settings.port}"
        base = f"{proto.split(',')[0].strip()}://{host.split(',')[0].strip()}"
    return f"{base}{path}"


def form_url(settings, request: gr.Request | None, token: str) -> str:
    """The public address of a residents' form."""
    return public_url(settings, request, f"/innspill/{token}")


def latest_markdown(items, lang: str, ui_text) -> str:
    """The latest inputs; ``ui_text`` is the catalog's ``ui``."""
    if not items:
        return ui_text("res.latest_none", lang)
    blocks = []
    for item in items:
        meta = [f"#{item.id}", local_time(item.created)]
        if item.age_group:
            meta.append(ui_text(f"res.age.{item.age_group}", lang))
        if item.place:
            meta.append(item.place)
        if item.masked:
            meta.append(ui_text("res.masked_flag", lang))
        lines = [f"**{safe_markdown(' · '.join(meta))}**"]
        lines += [f"- _{ui_text(f'res.q.{name}.name', lang)}:_ {safe_markdown(' '.join(item.answers[name].split()))}"
                  for name in ANSWERS if item.answers[name]]
        blocks.append("\n".join(lines))
    return f"### {ui_text('res.latest', lang)}\n\n" + "\n\n".join(blocks)


def build_residents_panel(container, identity, i18n, canvas_id: gr.State):
    """The accordion, with the theme view (issue 13, item 3) in ``#res-themes``; returns the theme
    view's «Flytt til lerretet» event, after which the workshop tab refreshes its canvas."""
    service = container.residents
    ui_text = container.catalog.ui

    def guard(handler):
        @functools.wraps(handler)
        def wrapped(*args, **kwargs):
            try:
                return handler(*args, **kwargs)
            except (CanvasNotFound, FormNotFound, NotAllowed) as error:
                request = kwargs.get("request") or next((a for a in args if isinstance(a, gr.Request)), None)
                lang = container.preferences.app_language(identity.owner(request), browser_language(request))
                message = (error.message(container.catalog, lang) if isinstance(error, NotAllowed)
                           else ui_text("ws.error.not_found", lang))
                raise gr.Error(message, title=ui_text("toast.error", lang)) from error
        return wrapped

    def view(user: str, form: ResidentForm | None, lang: str, request):
        """status, link, QR files, latest, open button, close button, timer"""
        if form is None:
            return (ui_text("res.status.none", lang), gr.update(value="", visible=False),
                    gr.update(value=None, visible=False),
                    "", gr.update(visible=True), gr.update(visible=False), gr.Timer(active=False))
        count = service.count(user, form.id)
        status = ui_text("res.status.open" if form.open else "res.status.closed", lang, count=count)
        return (status, gr.update(value=form_url(container.settings, request, form.id), visible=True),
                gr.update(value=qr_files(form, request), visible=True),
                latest_markdown(service.list_inputs(user, form.id, limit=LATEST), lang, ui_text),
                gr.update(visible=not form.open), gr.update(visible=form.open), gr.Timer(active=form.open))

    def qr_files(form: ResidentForm, request) -> list[str]:
        code = segno.make(form_url(container.settings, request, form.id), error="m")
        files = []
        for suffix, options in (("png", {"scale": 12, "border": 4}), ("svg", {"scale": 4, "border": 4})):
            path = container.exports.path_for(identity.owner(request), f"innspill-qr.{suffix}")  # the viewer's
            code.save(str(path), kind=suffix, **options)
            files.append(container.exports.share(path))
        return files

    def context(request):
        """Who acts and in which language, resolved once per event."""
        user = identity.owner(request)
        return user, container.preferences.app_language(user, browser_language(request))

    @guard
    def show(selected, request: gr.Request | None = None):
        user, lang = context(request)
        form = service.form_for_canvas(user, selected) if selected else None
        return view(user, form, lang, request)

    @guard
    def open_form(selected, request: gr.Request | None = None):
        user, lang = context(request)
        if not selected:
            raise gr.Error(ui_text("ws.error.choose_workshop", lang), title=ui_text("toast.error", lang))
        return view(user, service.open_form(user, selected), lang, request)

    @guard
    def close_form(selected, request: gr.Request | None = None):
        user, lang = context(request)
        form = service.form_for_canvas(user, selected) if selected else None
        if form is None:
            raise FormNotFound(selected)
        return view(user, service.close(user, form.id), lang, request)

    def refresh(selected, request: gr.Request | None = None):
        """The live count and the latest inputs (every few seconds while the form is open)."""
        user, lang = context(request)
        try:
            form = service.form_for_canvas(user, selected) if selected else None
        except CanvasNotFound:  # access ended (a revoked link): the workshop tab says so
            return gr.update(), gr.update()
        if form is None:
            return gr.update(), gr.update()
        status = ui_text("res.status.open" if form.open else "res.status.closed", lang,
                         count=service.count(user, form.id))
        return status, latest_markdown(service.list_inputs(user, form.id, limit=LATEST), lang, ui_text)

    def exporter(kind: str):
        @guard
        def export(selected, request: gr.Request | None = None):
            user, _lang = context(request)
            form = service.form_for_canvas(user, selected) if selected else None
            if form is None:
                raise FormNotFound(selected)
            path = container.exports.path_for(user, f"innspill.{kind}")  # the downloader's
            (service.export_csv if kind == "csv" else service.export_xlsx)(user, form.id, path)
            return gr.update(value=container.exports.share(path), visible=True)
        return export

    with gr.Accordion(label=i18n("res.accordion"), open=False, elem_id="res-panel"):
        gr.Markdown(i18n("res.help"))
        status = gr.Markdown(elem_id="res-status")
        with gr.Row():
            open_button = gr.Button(i18n("res.open"), variant="primary", elem_id="res-open")
            close_button = gr.Button(i18n("res.close"), visible=False, elem_id="res-close")
        link = gr.Textbox(label=i18n("res.link"), interactive=False, visible=False, buttons=["copy"],
                          elem_id="res-link")
        qr = gr.File(label=i18n("res.qr"), file_count="multiple", interactive=False, visible=False, elem_id="res-qr")
        latest = gr.Markdown(elem_id="res-latest")
        with gr.Row():
            csv_button = gr.Button(i18n("res.export_csv"), elem_id="res-csv")
            xlsx_button = gr.Button(i18n("res.export_xlsx"), elem_id="res-xlsx")
        export_file = gr.File(label=i18n("res.export_file"), visible=False, interactive=False, elem_id="res-file")
        with gr.Column(elem_id="res-themes"):  # issue 13, item 3: themes, curation, into the canvas
            moved = build_theme_view(container, identity, i18n, canvas_id)
        timer = gr.Timer(REFRESH_S, active=False)

    outputs = [status, link, qr, latest, open_button, close_button, timer]
    canvas_id.change(show, [canvas_id], outputs, api_name="residents_show")
    open_button.click(open_form, [canvas_id], outputs, api_name="residents_open")
    close_button.click(close_form, [canvas_id], outputs, api_name="residents_close")
    timer.tick(refresh, [canvas_id], [status, latest], api_name="residents_refresh", show_progress="hidden",
               concurrency_id="residents_refresh", concurrency_limit=4)
    csv_button.click(exporter("csv"), [canvas_id], [export_file], api_name="residents_export_csv")
    xlsx_button.click(exporter("xlsx"), [canvas_id], [export_file], api_name="residents_export_xlsx")
    return moved
