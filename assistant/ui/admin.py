"""The administration tab: shown only to administrators; every handler passes the actor it resolves
from the request, and the admin service refuses anyone else (a hidden tab is no protection against a
direct API call)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import gradio as gr

from assistant.container import Container
from assistant.services.authorization import NotAllowed
from assistant.ui.identity import Identity
from assistant.ui.knowledge_admin import build_knowledge_admin
from assistant.ui.render import document_table


def build_admin_tab(container: Container, identity: Identity, i18n, lang_of):
    """Lays out the tab inside the open gr.Tabs; returns the tab, and the page-load handler that
    shows it to administrators (with the shared documents listed) with that handler's outputs."""
    admin = container.admin
    ui_text = container.catalog.ui

    def shared_updates(actor, status: str = ""):
        rows = [[d["source"], d["chunks"]] for d in admin.shared_documents(actor)]
        return (status, document_table(rows, container.catalog, actor.language),
                gr.update(choices=[row[0] for row in rows], value=None))

    def acting(request):
        """The actor of this request, resolved once (user, language, administrator or not)."""
        owner = identity.owner(request)
        return identity.actor(request, lang_of(owner))

    def refused(handler):
        """The service's refusal as a message in the user's language."""
        @functools.wraps(handler)
        def wrapped(*args, **kwargs):
            try:
                return handler(*args, **kwargs)
            except NotAllowed as error:
                request = kwargs.get("request") or next((a for a in args if isinstance(a, gr.Request)), None)
                lang = lang_of(identity.owner(request), request.headers.get("accept-language") if request else None)
                raise gr.Error(error.message(container.catalog, lang), title=ui_text("toast.error", lang)) from error
        return wrapped

    def on_load(lang: str, request: gr.Request):
        """After the page's own load, in the language it chose (the user's, else the browser's)."""
        actor = identity.actor(request, lang)
        if not actor.admin:
            return gr.update(visible=False), gr.update(), gr.update()
        _status, table, choices = shared_updates(actor)
        return gr.update(visible=True), table, choices

    @refused
    def export_feedback(request: gr.Request | None = None):
        actor = acting(request)
        rows = admin.feedback(actor)
        path = container.exports.path_for(actor.user, "gnist-tilbakemeldinger.json")
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
        return gr.update(value=container.exports.share(path), visible=True), ui_text(
            "admin.feedback_count", actor.language, count=len(rows))

    @refused
    def add_shared(files, request: gr.Request | None = None):
        actor = acting(request)
        lang = actor.language
        if not files:
            return *shared_updates(actor, ui_text("msg.choose_files", lang)), None
        results = []
        for file in files:
            path = Path(file if isinstance(file, str) else file.name)
            results.append(admin.add_shared(actor, path, path.name))
            path.unlink(missing_ok=True)  # Gradio's cached copy of the upload
        status = "\n".join(f"- {result.render(container.catalog, lang)}" for result in results)
        return *shared_updates(actor, status), None

    @refused
    def delete_shared(source, request: gr.Request | None = None):
        actor = acting(request)
        lang = actor.language
        if not source:
            return shared_updates(actor, ui_text("msg.choose_document", lang))
        key = "msg.document_deleted" if admin.delete_shared(actor, source) else "msg.document_missing"
        return shared_updates(actor, ui_text(key, lang, source=source))

    with gr.Tab(i18n("tab.admin"), id="admin", visible=False) as tab:
        gr.Markdown(i18n("admin.help"))
        gr.Markdown("## " + i18n("admin.feedback_heading"))
        feedback_button = gr.Button(i18n("admin.feedback_export"), elem_id="admin-feedback")
        feedback_status = gr.Markdown()
        feedback_file = gr.File(label=i18n("admin.feedback_file"), visible=False, interactive=False)
        gr.Markdown("## " + i18n("admin.shared_heading"))
        gr.Markdown(i18n("admin.shared_help"))
        uploads = gr.File(label=i18n("admin.shared_upload"), file_count="multiple", elem_id="admin-upload")
        add = gr.Button(i18n("admin.shared_add"), variant="primary")
        status = gr.Markdown(elem_id="admin-status")
        table = gr.Dataframe(headers=[i18n("docs.column_document"), i18n("docs.column_chunks")], value=[],
                             label=i18n("admin.shared_list"), interactive=False)
        choice = gr.Dropdown(label=i18n("admin.shared_choose"), choices=[], value=None)
        delete = gr.Button(i18n("admin.shared_delete"), variant="stop")
        build_knowledge_admin(container, identity, i18n, lang_of, refused)

    feedback_button.click(export_feedback, None, [feedback_file, feedback_status], api_name="admin_feedback")
    add.click(add_shared, [uploads], [status, table, choice, uploads], api_name="admin_add_shared",
              concurrency_limit=1)
    delete.click(delete_shared, [choice], [status, table, choice], api_name="admin_delete_shared")

    return tab, on_load, [tab, table, choice]
