"""The Gradio app: a thin layer that only calls services. Per-user state (owner, conversation)
lives in per-session gr.State and in the server-side stores keyed by owner."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any, NamedTuple, cast

import gradio as gr

from assistant.adapters.llm import llm_info
from assistant.catalog import LANGUAGES
from assistant.container import Container
from assistant.services.conversations import StoredMessage, turns
from assistant.services.language import ui_language
from assistant.services.limits import TextLimits, too_long
from assistant.services.preferences import language_from_browser
from assistant.ui import icons
from assistant.ui.admin import build_admin_tab
from assistant.ui.identity import Identity
from assistant.ui.ops import Metrics, timer
from assistant.ui.render import (
    answer_content,
    chat_messages,
    document_table,
    safe_markdown,
    sources_markdown,
    upload_progress_markdown,
)
from assistant.ui.render import browser_language as accept_language  # the page has a browser_language field
from assistant.ui.workshop import build_workshop_tab

log = logging.getLogger(__name__)


class ListsShown(NamedTuple):
    """The conversation choices and document rows a page shows."""

    conversations: list
    documents: list

EXAMPLE_COUNT = 5  # ask.example.1 … ask.example.5 in each language's catalog
UPLOAD_POLL_SECONDS = 0.5
STREAM_INTERVAL_S = 0.1
INDEX_POLL_SECONDS = 1.0
SET_LOCALE_JS = "async (lang) => { await window.gnistSetLocale?.(lang); return lang; }"


def build_app(container: Container, identity: Identity, metrics: Metrics) -> gr.Blocks:
    settings = container.settings
    catalog = container.catalog
    i18n = catalog.gradio_i18n()
    ui_text = catalog.ui
    info = llm_info(settings)
    conversations = container.conversations
    documents = container.documents
    answers = container.answer_service
    upload_queue = container.upload_queue
    preferences = container.preferences
    index = container.knowledge_index
    limits = TextLimits.from_settings(settings)

    def lang_of(owner: str, request: gr.Request | None) -> str:
        """The language the user chose; until they choose, their browser's, as the page shows it."""
        return preferences.app_language(owner, accept_language(request))

    def index_banner(request: gr.Request):
        """Shown while the first index build runs; the timer stops once it is done."""
        if index.ready:
            return gr.update(value="", visible=False), gr.Timer(active=False)
        lang = lang_of(identity.owner(request), request)
        text = ui_text("index.building", lang, percent=round(index.progress * 100))
        return gr.update(value=text, visible=True), gr.Timer(active=True)

    def warn(lang: str, key: str, **values) -> None:
        gr.Warning(ui_text(key, lang, **values), title=ui_text("toast.warning", lang))

    def inform(lang: str, key: str, **values) -> None:
        gr.Info(ui_text(key, lang, **values), title=ui_text("toast.info", lang))

    def conversation_choices(owner: str):
        return [(c.title, c.id) for c in conversations.list(owner)]

    def document_rows(owner: str):
        return [[d["source"], d["chunks"]] for d in documents.list(owner)]

    # -- session start -------------------------------------------------------------------------

    def on_load(browser_language: str, request: gr.Request):
        owner = identity.owner(request)
        lang = preferences.language(owner) or language_from_browser(browser_language)
        listed = conversations.list(owner)
        latest = listed[0].id if listed else None
        chat, sources = _open_conversation(owner, latest, lang)
        docs = document_rows(owner)
        # The introduction is open on a first visit and folded away after that (a phone then shows
        # the question box on its first screen).
        first_visit = not (listed or docs or container.workshop.list(owner))
        # The class tells the page (and browser tests) that this user's data is in place.
        shown_conversations = [(c.title, c.id) for c in listed]
        return (
            latest, gr.update(value=chat, elem_classes=["gnist-loaded"]), sources,
            gr.update(choices=shown_conversations, value=latest),
            document_table(docs, catalog, lang), gr.update(choices=[row[0] for row in docs], value=None), lang,
            gr.update(open=first_visit), ListsShown(shown_conversations, docs),
            *examples_for(lang),
        )

    def examples_for(lang: str):
        return [gr.update(visible=lang == other) for other in LANGUAGES]

    def show_language(lang: str, request: gr.Request | None = None):
        # The documents table's headers are text, not i18n keys (see render.document_table).
        return *examples_for(lang), document_table(document_rows(identity.owner(request)), catalog, lang)

    def choose_language(lang: str, request: gr.Request | None = None):
        preferences.set_language(identity.owner(request), lang)
        return show_language(lang, request)

    def _open_conversation(owner: str, conversation_id: str | None, lang: str):
        no_sources = ui_text("ask.no_sources", lang)
        if not conversation_id:
            return [], no_sources
        stored = conversations.messages(owner, conversation_id)
        last_citations = next((m.citations for m in reversed(stored) if m.role == "assistant"), [])
        return chat_messages(stored), sources_markdown(last_citations, no_sources)

    # -- ask -----------------------------------------------------------------------------------

    def respond(question: str, conversation_id: str | None, shown_conversation: str | None = None,
                request: gr.Request | None = None):
        owner = identity.owner(request)
        # After a failover this replica has no state for the page: the conversation it shows goes on.
        conversation_id = conversation_id or shown_conversation or None
        question = (question or "").strip()
        if not question:
            yield gr.update(), gr.update(), conversation_id, gr.update(), gr.update()
            return
        refused = too_long(question, limits.question)
        if refused:  # nothing stored, nothing embedded; the question stays in the box to be shortened
            lang = lang_of(owner, request)
            raise gr.Error(ui_text("msg.question_too_long", lang, **refused), title=ui_text("toast.error", lang))
        stored = conversations.messages(owner, conversation_id) if conversation_id else []
        listed = conversations.list(owner)
        # No messages: the conversation is new, or gone (deleted in another tab), or empty.
        created = not stored and (not conversation_id or conversations.get(owner, conversation_id) is None)
        if created:
            conversation_id = conversations.create(owner, question).id
        conversation_id = cast(str, conversation_id)  # created above, or given and stored
        # The question is saved before anything can fail: nothing the user typed is lost.
        question_id = conversations.add_question(owner, conversation_id, question)
        shown = chat_messages([*stored, StoredMessage(question_id, "user", question)])
        # Gradio redoes a component's config whenever a state or a dropdown is set, so they are set
        # only when asking changes them. The conversation list (latest first) changes with a new
        # conversation, or an older one that moves to the top; an unchanged one gets its value back.
        unchanged = not created and listed and listed[0].id == conversation_id
        choices: str | dict[str, Any] = (conversation_id if unchanged
                                         else gr.update(choices=conversation_choices(owner), value=conversation_id))
        state_id = conversation_id if created else gr.skip()
        emptied: str | dict[str, Any] = ""
        # Without a language model the answer is ready in milliseconds and goes out in one update
        # with the conversation list and the emptied input; a model's answer shows the question first.
        if answers.chat_model is not None or not index.ready:
            yield shown + [{"role": "assistant", "content": "…"}], gr.update(), state_id, choices, emptied
            choices, emptied = gr.update(), gr.update()
        while not index.wait(INDEX_POLL_SECONDS):  # first start: the question waits for the index
            waiting = ui_text("index.wait", lang_of(owner, request), percent=round(index.progress * 100))
            yield shown + [{"role": "assistant", "content": waiting}], gr.update(), state_id, gr.update(), gr.update()
        partial = ""
        elapsed = timer()
        shown_at = time.monotonic()
        try:
            # A question too short to tell its language is answered in the language the user chose
            # in the app, else the browser's.
            chosen = preferences.language(owner)
            app_language = chosen or language_from_browser(accept_language(request))  # lang_of, one query
            if chosen is None and request is not None:
                chosen = ui_language(request.headers.get("accept-language"))
            for event in answers.stream(question, turns(stored), extra_stores=documents.stores_for(owner),
                                        ui_language=chosen):
                if event.kind == "token":
                    partial += event.text
                    # At most one update per STREAM_INTERVAL_S: an answer computed at once goes out
                    # once, with its sources, and a model's tokens go out in readable pieces.
                    if time.monotonic() - shown_at >= STREAM_INTERVAL_S:
                        shown_at = time.monotonic()
                        yield (shown + [{"role": "assistant", "content": safe_markdown(partial)}], gr.update(),
                               state_id, gr.update(), gr.update())
                elif event.kind == "notice":
                    partial = answer_content("", [event.text])
                    shown_at = time.monotonic()  # why the answer comes without the model, at once
                    yield shown + [{"role": "assistant", "content": partial}], gr.update(), state_id, choices, emptied
                    choices, emptied = gr.update(), gr.update()
                    gr.Warning(event.text, title=ui_text("toast.warning", lang_of(owner, request)))
                elif (answer := event.answer) is not None:  # "done" always carries its answer
                    conversations.add_answer(owner, conversation_id, answer)
                    metrics.answered(answer.mode, elapsed())
                    citations = [c.as_dict() for c in answer.citations]
                    final = shown + [{"role": "assistant", "content": answer_content(answer.text, answer.notices)}]
                    yield final, sources_markdown(citations,
                                                  ui_text("ask.no_sources", app_language)), state_id, choices, emptied
        except Exception:
            log.exception("answer failed")
            message = ui_text("msg.answer_failed", lang_of(owner, request))
            gr.Warning(message, title=ui_text("toast.warning", lang_of(owner, request)))
            failed = {"role": "assistant", "content": icons.draw(f"{icons.WARNING} {message}")}
            yield shown + [failed], gr.update(), state_id, choices, emptied

    def respond_at_once(question: str, conversation_id: str | None, shown_conversation: str | None = None,
                        request: gr.Request | None = None):
        """respond as a plain function, for an app without a language model whose index is built:
        its one update is the answer. A generator costs Gradio a second call and a second message
        per answer, which under load is more than computing the answer."""
        *_, last = respond(question, conversation_id, shown_conversation, request)
        return last

    def select_conversation(conversation_id, request: gr.Request | None = None):
        owner = identity.owner(request)
        chat, sources = _open_conversation(owner, conversation_id, lang_of(owner, request))
        return conversation_id, chat, sources

    def refresh_conversations(conversation_id, request: gr.Request | None = None):
        """The list again when the user opens it: another tab may have added or deleted one."""
        owner = identity.owner(request)
        listed = conversation_choices(owner)
        shown = conversation_id if any(value == conversation_id for _, value in listed) else None
        return gr.update(choices=listed, value=shown)

    def follow_other_tabs(conversation_id, shown_conversation, seen: ListsShown | None, chosen_document,
                          request: gr.Request | None = None):
        """When the page is shown again (the page script clicks the hidden button): the conversation
        and document lists as another tab may have left them. Nothing is sent when they are as this
        page shows them; the open conversation, deleted elsewhere, is closed."""
        owner = identity.owner(request)
        now = ListsShown(conversation_choices(owner), document_rows(owner))
        if now == seen:
            return (gr.skip(),) * 7
        lang = lang_of(owner, request)
        open_id = conversation_id or shown_conversation
        gone = bool(open_id) and all(value != open_id for _, value in now.conversations)
        if gone:
            inform(lang, "msg.conversation_gone")
        conversation_outputs = ((None, [], ui_text("ask.no_sources", lang)) if gone
                                else (gr.skip(), gr.skip(), gr.skip()))
        history_update = (gr.skip() if seen and now.conversations == seen.conversations and not gone
                          else gr.update(choices=now.conversations, value=None if gone else open_id))
        names = [row[0] for row in now.documents]
        document_updates = ((gr.skip(), gr.skip()) if seen and now.documents == seen.documents else
                            (document_table(now.documents, catalog, lang),
                             gr.update(choices=names, value=chosen_document if chosen_document in names else None)))
        return *conversation_outputs, history_update, *document_updates, now

    def new_conversation(request: gr.Request | None = None):
        owner = identity.owner(request)  # only the session's own user may reset its state
        return None, [], ui_text("ask.no_sources", lang_of(owner, request)), gr.update(value=None)

    def delete_conversation(conversation_id, request: gr.Request | None = None):
        owner = identity.owner(request)
        lang = lang_of(owner, request)
        if conversation_id:
            conversations.delete(owner, conversation_id)
            inform(lang, "msg.conversation_deleted")
        return None, [], ui_text("ask.no_sources", lang), gr.update(choices=conversation_choices(owner), value=None)

    def export_conversation(conversation_id, request: gr.Request | None = None):
        owner = identity.owner(request)
        if not conversation_id or conversations.get(owner, conversation_id) is None:
            warn(lang_of(owner, request), "msg.no_conversation")
            return gr.update(value=None, visible=False)
        path = container.exports.path_for(owner, "gnist-samtale.md")
        path.write_text(conversations.export_markdown(owner, conversation_id), encoding="utf-8")
        return gr.update(value=container.exports.share(path), visible=True)

    def give_feedback(rating: int):
        """The thumbs under the chat: feedback on the latest answer of the open conversation."""
        def handler(conversation_id, comment, request: gr.Request | None = None):
            return store_feedback(identity.owner(request), conversation_id, rating, comment, None, request)
        return handler

    def feedback_on_message(conversation_id, comment, data: gr.LikeData, request: gr.Request | None = None):
        """The thumbs on a message in the chat: any answer, also in a reopened conversation."""
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        return store_feedback(identity.owner(request), conversation_id, 1 if data.liked else -1, comment, index,
                              request)

    def store_feedback(owner: str, conversation_id, rating: int, comment, index, request: gr.Request | None):
        refused = too_long(comment, limits.feedback)
        if refused:  # the comment stays in its box to be shortened
            warn(lang_of(owner, request), "msg.feedback_too_long", **refused)
            return comment
        if not conversations.feedback_on(owner, conversation_id, rating, comment or "", index):
            warn(lang_of(owner, request), "msg.feedback_none")
            return comment
        inform(lang_of(owner, request), "msg.feedback_thanks")
        return ""

    # -- documents -----------------------------------------------------------------------------

    def upload_documents(files, request: gr.Request | None = None):
        """Files are indexed in the background queue (one at a time for the whole server, so chat
        stays quick); this shows their progress in text until all are done."""
        owner = identity.owner(request)
        if not files:
            warn(lang_of(owner, request), "msg.choose_files")
            yield ui_text("msg.choose_files", lang_of(owner, request)), gr.update(), gr.update(), None
            return
        paths = [Path(file if isinstance(file, str) else file.name) for file in files]
        ids = [upload_queue.submit(owner, path, path.name, delete_source_after=True).id for path in paths]
        while True:
            jobs = upload_queue.wait(owner, ids, timeout=UPLOAD_POLL_SECONDS)
            if all(job.finished for job in jobs):
                break
            progress = upload_progress_markdown(jobs, catalog, lang_of(owner, request))
            yield progress, gr.update(), gr.update(), gr.update()
        lang = lang_of(owner, request)
        for job in jobs:
            if job.state == "failed" and job.result is not None:
                gr.Warning(job.result.render(catalog, lang), title=ui_text("toast.warning", lang))
        docs = document_rows(owner)
        yield (upload_progress_markdown(jobs, catalog, lang), document_table(docs, catalog, lang),
               gr.update(choices=[row[0] for row in docs], value=None), None)

    def delete_document(source, request: gr.Request | None = None):
        owner = identity.owner(request)
        lang = lang_of(owner, request)
        if not source:
            warn(lang, "msg.choose_document")
            return ui_text("msg.choose_document", lang), gr.update(), gr.update()
        deleted = documents.delete(owner, source)
        docs = document_rows(owner)
        message = ui_text("msg.document_deleted" if deleted else "msg.document_missing", lang, source=source)
        return message, document_table(docs, catalog, lang), gr.update(choices=[row[0] for row in docs], value=None)

    # -- settings and privacy ------------------------------------------------------------------

    def test_connection(request: gr.Request | None = None):
        """Plain words for the user; addresses and setting names only under «for administrators»."""
        lang = lang_of(identity.owner(request), request)
        if info.provider == "none":
            return ui_text("conn.none", lang), ui_text("conn.admin_none", lang)
        try:
            reply = str(answers.chat_model.invoke("Svar bare med ordet OK.").content)[:80]
        except Exception as exc:  # noqa: BLE001 - report any failure to the user
            reply = type(exc).__name__
            message = icons.draw(f"{icons.FAILED} " + ui_text("conn.failed", lang))
        else:
            message = icons.draw(f"{icons.DONE} " + ui_text("conn.ok", lang, model=info.model))
        return message, ui_text("conn.admin_detail", lang, model=info.model, base_url=info.base_url or "OpenAI",
                                reply=reply)

    def export_all(request: gr.Request | None = None):
        owner = identity.owner(request)
        payload = container.user_data.export(owner)
        path = container.exports.path_for(owner, "gnist-mine-data.json")
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
        return gr.update(value=container.exports.share(path), visible=True)

    def delete_all(confirmed, request: gr.Request | None = None):
        owner = identity.owner(request)
        lang = lang_of(owner, request)
        if not confirmed:
            return (ui_text("msg.confirm_delete_all", lang), gr.update(), gr.update(), gr.update(), gr.update(),
                    gr.update())
        container.user_data.delete(owner)
        return (ui_text("msg.all_deleted", lang), [], ui_text("ask.no_sources", lang),
                gr.update(choices=[], value=None),
                document_table([], catalog, lang), gr.update(choices=[], value=None))

    # -- layout --------------------------------------------------------------------------------

    # Gradio's cache (uploads never added, downloads) is emptied of files older than the export lifetime.
    delete_cache = (600, settings.export_ttl_minutes * 60)
    with gr.Blocks(title="Gnist-assistenten", analytics_enabled=False, delete_cache=delete_cache) as demo:
        conversation_id = gr.State(None)
        lists_shown = gr.State(None)  # the lists as this page shows them (see follow_other_tabs)
        # Clicked by the page script when the browser tab is shown or focused again (launch.FOLLOW_JS):
        # one small request then, instead of a poll or the lists resent with every answer.
        follow_tabs = gr.Button(i18n("ask.follow_tabs"), visible="hidden", elem_id="follow-tabs",
                                elem_classes=["gnist-follow-tabs"])

        with gr.Row(elem_id="app-header"):
            gr.Markdown("# " + "Gnist-assistenten", elem_id="app-title")
            language = gr.Radio([("Bokmål", "nb"), ("Nynorsk", "nn"), ("English", "en")], value="nb",
                                label=i18n("app.language"), elem_id="language", scale=0, min_width=280)
        browser_language = gr.Textbox(visible=False)
        index_status = gr.Markdown(visible=False, elem_id="index-status")
        index_timer = gr.Timer(2.0, active=False)
        privacy = i18n("privacy.external") + f" {info.base_url or 'OpenAI'}" if info.external else i18n("privacy.local")
        status = i18n("status.none") if info.provider == "none" else i18n("status.model") + f" {info.model}"
        with gr.Accordion(i18n("app.about"), open=True, elem_id="intro") as intro:
            gr.Markdown(i18n("app.intro"))
            gr.Markdown(i18n("app.entry"))
            gr.Markdown(privacy, elem_id="privacy-note")
            gr.Markdown(status, elem_id="llm-status")

        with gr.Tabs() as tabs:
            with gr.Tab(i18n("tab.ask"), id="ask") as ask_tab, gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label=i18n("ask.chat"), height=480, elem_id="chat", buttons=[])
                    # One line to start with: Enter sends, Shift+Enter adds a line (Gradio's Textbox).
                    question = gr.Textbox(label=i18n("ask.input"), placeholder=i18n("ask.placeholder"),
                                          lines=1, max_lines=8, elem_id="question")
                    gr.Markdown(i18n("ask.enter_hint"), elem_id="enter-hint")
                    send = gr.Button(i18n("ask.send"), variant="primary", elem_id="send")
                    # Examples in each language; the one matching the user's choice is shown.
                    example_sets = {}
                    for lang in LANGUAGES:
                        with gr.Column(visible=lang == "nb") as example_sets[lang]:
                            gr.Examples([ui_text(f"ask.example.{n}", lang) for n in range(1, EXAMPLE_COUNT + 1)],
                                        inputs=[question], label=i18n("ask.examples"))
                    with gr.Group():
                        gr.Markdown(i18n("ask.feedback"))
                        comment = gr.Textbox(label=i18n("ask.feedback_comment"), lines=1)
                        with gr.Row():
                            good = gr.Button(i18n("ask.good"), size="sm", elem_id="feedback-good")
                            bad = gr.Button(i18n("ask.bad"), size="sm")
                with gr.Column(scale=2):
                    # Conversation controls first: the sources list below can grow long.
                    # A page that failed over to another replica sends a value this replica's copy
                    # of the choices lacks: it is passed on (allow_custom_value), and the
                    # conversation service checks that it is the user's (see respond).
                    history = gr.Dropdown(label=i18n("ask.history"), choices=[], value=None, elem_id="history",
                                          allow_custom_value=True)
                    with gr.Row():
                        new = gr.Button(i18n("ask.new"), size="sm")
                        delete = gr.Button(i18n("ask.delete"), size="sm", variant="stop")
                    export = gr.Button(i18n("ask.export"), size="sm", elem_id="export")
                    export_file = gr.File(label=i18n("ask.export_file"), visible=False, interactive=False)
                    gr.Markdown("## " + i18n("ask.sources"), elem_id="sources-heading")
                    sources = gr.Markdown(i18n("ask.no_sources"), elem_id="sources", label=i18n("ask.sources"))

            with gr.Tab(i18n("tab.workshop"), id="workshop") as workshop_tab:
                workshop_load, workshop_side = build_workshop_tab(container, identity, i18n, tabs, language)

            with gr.Tab(i18n("tab.documents"), id="documents") as documents_tab:
                gr.Markdown(i18n("docs.help"))
                # Any file is accepted here, so a wrong type gets our message (which types work)
                # instead of being dropped silently by the browser.
                # Choosing files starts adding them: one action, no second button to find.
                uploads = gr.File(label=i18n("docs.upload"), file_count="multiple", elem_id="upload")
                upload_status = gr.Markdown(elem_id="upload-status")
                doc_table = gr.Dataframe(headers=[i18n("docs.column_document"), i18n("docs.column_chunks")], value=[],
                                         label=i18n("docs.list"),
                                         interactive=False, elem_id="documents-table")
                doc_choice = gr.Dropdown(label=i18n("docs.choose"), choices=[], value=None, allow_custom_value=True)
                doc_delete = gr.Button(i18n("docs.delete"), variant="stop")

            with gr.Tab(i18n("tab.settings"), id="settings") as settings_tab:
                gr.Markdown(status)
                test = gr.Button(i18n("settings.test"))
                test_result = gr.Markdown(elem_id="test-result")
                with gr.Accordion(i18n("settings.admin"), open=False):
                    test_details = gr.Markdown(elem_id="test-details")
                gr.Markdown("## " + i18n("settings.privacy"))
                gr.Markdown(privacy)
                export_everything = gr.Button(i18n("settings.export_all"))
                everything_file = gr.File(label=i18n("settings.export_file"), visible=False, interactive=False)
                confirm = gr.Checkbox(label=i18n("settings.confirm"), value=False)
                wipe = gr.Button(i18n("settings.delete_all"), variant="stop")
                wipe_result = gr.Textbox(label=i18n("settings.result"), interactive=False)

            admin_tab, admin_on_load, admin_outputs = build_admin_tab(container, identity, i18n,
                                                                      preferences.app_language)

        # -- wiring ----------------------------------------------------------------------------
        # The tab labels once more after load: Gradio translates the labels of tabs not yet shown only
        # once, before launch.py's script has switched a Nynorsk browser from English to Nynorsk.
        tab_keys = {ask_tab: "tab.ask", workshop_tab: "tab.workshop", documents_tab: "tab.documents",
                    settings_tab: "tab.settings", admin_tab: "tab.admin"}
        def tab_labels():
            return [gr.update(label=i18n(key)) for key in tab_keys.values()]

        demo.load(tab_labels, None, list(tab_keys), api_visibility="private", show_progress="hidden")
        demo.load(index_banner, None, [index_status, index_timer], api_visibility="private", show_progress="hidden")
        index_timer.tick(index_banner, None, [index_status, index_timer], api_visibility="private",
                         show_progress="hidden")
        demo.load(on_load, [browser_language],
                  [conversation_id, chatbot, sources, history, doc_table, doc_choice, language, intro, lists_shown,
                   *example_sets.values()],
                  js="() => [navigator.language || '']", api_visibility="private"
                  ).then(None, [language], None, js="(lang) => window.gnistSetLocale?.(lang)"
                  ).then(tab_labels, None, list(tab_keys), api_visibility="private", show_progress="hidden"
                  ).then(**workshop_load, api_visibility="private"
                  # A shared workshop's link may have set the page's language: show it.
                  ).then(show_language, [language], [*example_sets.values(), doc_table], api_visibility="private",
                         show_progress="hidden", js=SET_LOCALE_JS
                  ).then(tab_labels, None, list(tab_keys), api_visibility="private", show_progress="hidden"
                  ).then(**workshop_side
                  ).then(admin_on_load, [language], admin_outputs, api_visibility="private", show_progress="hidden")
        language.input(choose_language, [language], [*example_sets.values(), doc_table], api_visibility="private",
                       js=SET_LOCALE_JS
                       ).then(tab_labels, None, list(tab_keys), api_visibility="private", show_progress="hidden"
                       ).then(admin_on_load, [language], admin_outputs, api_visibility="private",
                              show_progress="hidden")
        ask_outputs = [chatbot, sources, conversation_id, history, question]
        # A model's answer streams, and so do questions asked before a first index build is done.
        ask = respond_at_once if answers.chat_model is None and index.ready else respond
        send.click(ask, [question, conversation_id, history], ask_outputs, api_name="respond",
                   concurrency_limit=settings.chat_concurrency)
        question.submit(ask, [question, conversation_id, history], ask_outputs, api_visibility="private",
                        concurrency_limit=settings.chat_concurrency)
        history.input(select_conversation, [history], [conversation_id, chatbot, sources])
        history.focus(refresh_conversations, [conversation_id], [history], api_visibility="private",
                      show_progress="hidden")
        follow_tabs.click(follow_other_tabs, [conversation_id, history, lists_shown, doc_choice],
                          [conversation_id, chatbot, sources, history, doc_table, doc_choice, lists_shown],
                          api_visibility="private", show_progress="hidden")
        new.click(new_conversation, None, [conversation_id, chatbot, sources, history])
        delete.click(delete_conversation, [conversation_id], [conversation_id, chatbot, sources, history])
        export.click(export_conversation, [conversation_id], [export_file], api_name="export_conversation")
        good.click(give_feedback(1), [conversation_id, comment], [comment], api_name="feedback_good")
        bad.click(give_feedback(-1), [conversation_id, comment], [comment], api_name="feedback_bad")
        chatbot.like(feedback_on_message, [conversation_id, comment], [comment], api_visibility="private")
        uploads.upload(upload_documents, [uploads], [upload_status, doc_table, doc_choice, uploads],
                       api_name="upload", concurrency_limit=4)
        doc_delete.click(delete_document, [doc_choice], [upload_status, doc_table, doc_choice],
                         api_name="delete_document")
        test.click(test_connection, None, [test_result, test_details], api_name="test_connection")
        export_everything.click(export_all, None, [everything_file], api_name="export_all")
        wipe.click(delete_all, [confirm], [wipe_result, chatbot, sources, history, doc_table, doc_choice],
                   api_name="delete_all")
    return demo
