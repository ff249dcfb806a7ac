"""Start the web app: sync the knowledge index, warm up models, launch Gradio on settings' host/port."""

from __future__ import annotations

import atexit
import gc
import json
import logging
import os
import shutil
import subprocess
from importlib.metadata import PackageNotFoundError, version

import gradio as gr
from starlette.middleware import Middleware

from assistant.adapters.database import Database, SchemaIncompatible
from assistant.catalog import LANGUAGES, TextCatalog
from assistant.container import Container
from assistant.services.language import warm_up
from assistant.settings import Settings
from assistant.ui import icons
from assistant.ui.app import build_app
from assistant.ui.errors import guard_events
from assistant.ui.identity import CookieSigner, Identity, IdentityMiddleware
from assistant.ui.ops import (
    Metrics,
    OpsMiddleware,
    adopt_library_loggers,
    configure_logging,
    readiness_checks,
    serve_metrics,
)
from assistant.ui.resident_form import ResidentFormMiddleware
from assistant.ui.standby import wait_for_dependencies

log = logging.getLogger(__name__)

# Local fonts only: the default theme would load Google Fonts, a third-party request.
SYSTEM_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Arial", "sans-serif"]
CSS = """
:focus-visible { outline: 3px solid #1d4ed8 !important; outline-offset: 2px; }
#sources blockquote { border-left: 4px solid #1d4ed8; padding-left: .75rem; color: #1f2937; }
/* A field's history: what a change removed and added (text_diff); the words «fjernet:» / «lagt til:»
   are for screen readers, hidden from sight. */
#ws-history del { text-decoration-thickness: 2px; }
#ws-history ins { text-decoration: underline 2px; font-weight: 600; }
.gnist-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
/* On the dark background #1d4ed8 has only 2:1 contrast: lighter blue for the selected tab's text
   (the theme's accent) and the focus outline. */
.dark { --color-accent: #60a5fa; }
.dark :focus-visible { outline-color: #93c5fd !important; }
/* Phone: the question box stays on the first screen. */
#language { flex-grow: 0; }
/* A refused action (a gr.Error) marks every output of its event with a red «Feil» badge over the
   component, which blocks clicks until closed. The toast already says what went wrong and what to
   do, in the page's language: the badges are not shown. */
[data-testid="status-tracker"]:has(.clear-status) { display: none !important; }
@media (max-width: 640px) {
  #app-header { flex-direction: column; gap: 0.25rem; }
  #app-header > * { min-width: 100% !important; }
  #app-header h1 { font-size: 1.4rem; margin: 0; }
  #chat { height: 36vh !important; min-height: 220px; }
}
"""

# Gradio's screen-reader labels, tooltips and toast titles that are plain English in its bundle, not
# translation keys: shown to users of every language, they are replaced by the page's own texts.
GRADIO_LABELS = {
    "chatbot conversation": "a11y.chat_log", "Close": "a11y.close", "Copy": "a11y.copy", "Copied": "a11y.copied",
    "Copy conversation": "a11y.copy_text",
    "Copy table data": "a11y.copy_table", "Fullscreen": "a11y.fullscreen", "View full screen": "a11y.fullscreen",
    "Exit fullscreen mode": "a11y.exit_fullscreen", "Close full screen": "a11y.exit_fullscreen",
    "Table actions": "a11y.table_actions", "Remove this file": "a11y.remove_file", "Remove file": "a11y.remove_file",
    "Uploaded files": "a11y.uploaded_files", "Uploading": "a11y.uploading", "Upload file": "a11y.upload_file",
    "Upload a file": "a11y.upload_file", "Download": "a11y.download", "Clear": "a11y.clear",
    "Dismiss": "a11y.close", "Loading response": "a11y.loading", "Loading Progress": "a11y.loading",
    "Empty value": "a11y.empty", "Open in new tab": "a11y.new_tab", "Scroll down": "a11y.scroll_down",
}
TOAST_TITLES = {"Error": "toast.error", "Warning": "toast.warning", "Info": "toast.info", "Success": "toast.info"}
# A chat message is named "<role>'s message: <text>".
MESSAGE_PREFIXES = {"bot's message: ": "a11y.bot_message", "user's message: ": "a11y.user_message"}


def page_script(catalog: TextCatalog) -> str:
    """The page's script (gr.Blocks' `js`) with the replacements for Gradio's English labels."""
    labels = {lang: {english: catalog.ui(key, lang) for english, key in GRADIO_LABELS.items()} for lang in LANGUAGES}
    toasts = {lang: {english: catalog.ui(key, lang) for english, key in TOAST_TITLES.items()} for lang in LANGUAGES}
    prefixes = {lang: {english: catalog.ui(key, lang) + ": " for english, key in MESSAGE_PREFIXES.items()}
                for lang in LANGUAGES}
    replacements = {"__LABELS__": labels, "__TOASTS__": toasts, "__PREFIXES__": prefixes}
    place = PLACE_JS.replace("__FIELDS__", json.dumps(KEPT_FIELDS))
    script = A11Y_JS.replace("async () => {", "async () => {\n" + place + FOLLOW_JS, 1)
    for placeholder, table in replacements.items():
        script = script.replace(placeholder, json.dumps(table, ensure_ascii=False))
    return script


# Runs once the page has loaded (gr.Blocks' `js`).
# 1. window.gnistSetLocale(lang) switches the page to nb, nn or en through Gradio's own changeLocale
#    (exported by its core module), so our texts and Gradio's built-in ones follow the user's choice,
#    and sets <html lang> for screen readers. Gradio picks its first language only among those it
#    ships itself (nb, not nn or no), so a Nynorsk or plain "no" browser is switched at once; the
#    choice stored for the user is applied when the page's load event has run.
# 2. The file drop zone is a button named "Click to upload or drop files" in English whatever its
#    visible (translated) text says (WCAG 2.5.3 Label in Name), and without its block's label. Name
#    it "<label>: <visible text>".
# 3. A chat's scrolling message list takes keyboard focus, so it can be scrolled without a mouse
#    (WCAG 2.1.1; axe's scrollable-region-focusable once the chat has messages).
# 4. Gradio's English labels, chat message names and toast titles (GRADIO_LABELS) in the page's
#    language; the English original is kept on the element, so a later change of language finds it.
# 5. A toast's header is a button with the close button inside it (axe: nested-interactive); the
#    close button alone stays in the keyboard order.
A11Y_JS = r"""
async () => {
  const labels = __LABELS__;
  const toastTitles = __TOASTS__;
  const messagePrefixes = __PREFIXES__;
  window.gnistSetLocale = async (lang) => {
    try {
      const core = performance.getEntriesByType("resource").map((e) => e.name)
        .find((name) => /\/assets\/core-[\w-]+\.js$/.test(name));
      if (core) (await import(core)).changeLocale?.(lang);
      document.documentElement.lang = lang;
      window.gnistTidy?.();
    } catch (error) { console.warn("gnist: could not switch language", error); }
  };
  const wanted = (navigator.language || "").toLowerCase();
  const lang = /^nn\b/.test(wanted) ? "nn" : /^(no|nb)\b/.test(wanted) ? "nb" : null;
  if (lang) await window.gnistSetLocale(lang);
  const nameDropZones = () => {
    for (const zone of document.querySelectorAll("button.upload-container")) {
      const text = zone.innerText.replace(/\s+/g, " ").trim();
      const label = zone.closest(".block")?.querySelector("[data-testid='block-label']")?.innerText.trim();
      const name = [label, text].filter(Boolean).join(": ");
      if (name && zone.getAttribute("aria-label") !== name) zone.setAttribute("aria-label", name);
    }
  };
  const focusableChats = () => {
    for (const log of document.querySelectorAll(".bubble-wrap")) {
      if (!log.hasAttribute("tabindex")) log.setAttribute("tabindex", "0");
    }
  };
  const translate = (element, attribute, key, table) => {
    const current = attribute ? element.getAttribute(attribute) : element.textContent.trim();
    if (Object.hasOwn(table, current)) element.dataset[key] = current;
    const wanted = table[element.dataset[key]];
    if (!wanted || current === wanted) return;
    if (attribute) element.setAttribute(attribute, wanted); else element.textContent = wanted;
  };
  const renameMessage = (element, prefixes) => {
    const current = element.getAttribute("aria-label");
    for (const [english, own] of Object.entries(prefixes)) {
      if (current.startsWith(english)) element.setAttribute("aria-label", own + current.slice(english.length));
    }
  };
  const translateLabels = () => {
    const pageLang = document.documentElement.lang;
    const table = labels[pageLang] || labels.nb;
    for (const element of document.querySelectorAll("[aria-label], [title]")) {
      if (element.hasAttribute("aria-label")) {
        translate(element, "aria-label", "gnistLabel", table);
        renameMessage(element, messagePrefixes[pageLang] || messagePrefixes.nb);
      }
      if (element.hasAttribute("title")) translate(element, "title", "gnistTitle", table);
    }
    for (const title of document.querySelectorAll(".toast-title")) {
      translate(title, null, "gnistToast", toastTitles[pageLang] || toastTitles.nb);
    }
  };
  const calmToasts = () => {
    for (const header of document.querySelectorAll(".toast-header[role='button']")) {
      header.removeAttribute("role");
      header.removeAttribute("tabindex");
    }
  };
  // Gradio's Markdown drops aria-hidden from the status icons (icons.py): the words beside each say it.
  const quietIcons = () => {
    for (const icon of document.querySelectorAll(".gnist-icon:not([aria-hidden])")) {
      icon.setAttribute("aria-hidden", "true");
    }
  };
  const tidy = () => { nameDropZones(); focusableChats(); translateLabels(); calmToasts(); quietIcons(); };
  window.gnistTidy = tidy;
  let scheduled = false;
  const soon = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => { scheduled = false; tidy(); });
  };
  tidy();
  new MutationObserver(soon).observe(document.body, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["aria-label", "title"],
  });
  keepPlaceAcrossReloads();
  followOtherTabs();
}
"""

# 7. Lists follow what the user did in another browser tab (a conversation deleted or started, a
#    document added): when this tab is shown or focused again, the page clicks the hidden
#    «follow-tabs» buttons, and the server sends the lists only if they changed (app.follow_other_tabs).
#    Nothing runs while the tab is left alone, so it costs no polling and nothing per answer.
FOLLOW_JS = r"""
const followOtherTabs = () => {
  let last = 0;
  const follow = () => {
    if (document.visibilityState !== "visible" || Date.now() - last < 1000) return;
    last = Date.now();
    for (const button of document.querySelectorAll(".gnist-follow-tabs")) button.click();
  };
  document.addEventListener("visibilitychange", follow);
  window.addEventListener("focus", follow);
};
"""

# 6. A reload keeps the user's place: the open tab and what was typed but not yet taken. Gradio
#    reloads the page by itself once it reconnects after a lost connection (a replica that died
#    behind the load balancer), so without this a user in the workshop lands on the first tab with
#    the answer they were typing gone. Kept in sessionStorage (this browser tab only, gone when it
#    closes), written as the page goes away. A text the server took before the reload shows where
#    it went (the chat's last question, the workshop canvas) and is not put back.
PLACE_JS = r"""
const keepPlaceAcrossReloads = () => {
  const storageKey = "gnist-place";
  const fields = __FIELDS__;
  const inputOf = (id) => document.querySelector(`#${id} textarea, #${id} input`);
  window.addEventListener("pagehide", () => {
    const tab = document.querySelector("[role='tab'][aria-selected='true']")?.dataset.tabId ?? null;
    const typed = {};
    for (const id of Object.keys(fields)) {
      const value = inputOf(id)?.value;
      if (value) typed[id] = value;
    }
    sessionStorage.setItem(storageKey, JSON.stringify({ tab, typed }));
  });
  const saved = sessionStorage.getItem(storageKey);
  sessionStorage.removeItem(storageKey);
  if (!saved || performance.getEntriesByType("navigation")[0]?.type !== "reload") return;
  const { tab, typed } = JSON.parse(saved);
  const type = (input, value) => {
    const prototype = input instanceof HTMLTextAreaElement ? HTMLTextAreaElement : HTMLInputElement;
    Object.getOwnPropertyDescriptor(prototype.prototype, "value").set.call(input, value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  };
  const plain = (text) => text.replace(/\s+/g, " ").trim().toLowerCase();
  const shownAt = (selector) => {
    const shown = selector ? document.querySelectorAll(selector) : [];
    return shown.length ? plain(shown[shown.length - 1].innerText) : "";
  };
  let since = Date.now();
  const within = (ms) => Date.now() - since < ms;
  // Once the page's load events have filled it (the chat marks itself loaded): the tab first, as a
  // tab's fields are shown once it is; each field once the place its text would have gone to has
  // loaded (or after a while); filled again if the page's own updates empty it in the first seconds.
  const waiting = new Map(Object.entries(typed));
  const fill = () => {
    for (const [id, text] of [...waiting]) {
      const input = inputOf(id);
      const { takenAt, loads } = fields[id];
      const shown = shownAt(takenAt);
      if (!input || (loads && !shown && within(30_000))) continue;
      if (shown && shown.includes(plain(text))) { waiting.delete(id); continue; }
      if (!input.value) type(input, text);
      if (!within(5_000)) waiting.delete(id);
    }
    if (waiting.size && within(60_000)) setTimeout(fill, 250);
  };
  const restore = () => {
    if (!document.querySelector(".gnist-loaded")) {
      if (within(60_000)) setTimeout(restore, 200);
      return;
    }
    since = Date.now();
    if (tab) document.querySelector(`[role='tab'][data-tab-id='${CSS.escape(tab)}']`)?.click();
    fill();
  };
  restore();
};
"""

# The text fields (elem_id) whose text a reload keeps. takenAt: where a text the server took shows
# (the last element matching); loads: that place fills in after the page has loaded.
KEPT_FIELDS = {
    "question": {"takenAt": "#chat [data-testid='user']", "loads": False},
    "ws-answer": {"takenAt": "#ws-canvas", "loads": True},
    "ws-municipality": {"takenAt": None, "loads": False},
    "ws-problem": {"takenAt": None, "loads": False},
}


def theme() -> gr.themes.Base:
    return gr.themes.Default(
        primary_hue="blue", neutral_hue="slate", font=SYSTEM_FONTS, font_mono=["ui-monospace", "monospace"]
    ).set(
        button_primary_background_fill="#1d4ed8",
        button_primary_background_fill_hover="#1e40af",
        button_primary_text_color="#ffffff",
        button_cancel_background_fill="#b91c1c",
        button_cancel_text_color="#ffffff",
        # The selected tab's text: the default accent (#3b82f6) has contrast 3.7:1 on white.
        color_accent="#1d4ed8",
        body_text_color_subdued="#374151",
        block_info_text_color="#374151",
        input_placeholder_color="#4b5563",
    )


QUEUE_STATUS_EVERY_S = 1.0
GRADIO_DEFAULT_THREADS = 40
OTHER_EVENT_SLOTS = 24  # beside the chat: workshop, polls, uploads, downloads
GC_YOUNG_THRESHOLD = 10_000

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class ExposedWithoutLogin(SystemExit):
    """Listening beyond this machine without login would let anyone on the network in."""


def check_exposure(settings: Settings, catalog: TextCatalog) -> None:
    if settings.host in LOCAL_HOSTS or settings.login_required or settings.open_deployment:
        return
    raise ExposedWithoutLogin(catalog.message("launch.exposed", "nb", host=settings.host))


def prepare(settings: Settings, container: Container | None = None) -> tuple[gr.Blocks, Container, Identity, Metrics]:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    # Gradio's queue rebuilds a pandas summary of its last 10 000 events after every event, for a
    # monitoring page this app does not enable: a few ms per answer under load, more as it runs.
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000000000")
    # Gradio's file cache (uploads in transit, downloads) lives in the data dir, where deleting a
    # user's data can reach it. Read by Gradio when the app's components are created.
    settings.web_cache_dir.mkdir(parents=True, exist_ok=True)
    os.environ["GRADIO_TEMP_DIR"] = str(settings.web_cache_dir)
    # Session snapshots («deep links») a Gradio before this app's route guard may have written.
    shutil.rmtree(settings.web_cache_dir / "deep_links", ignore_errors=True)
    # Uvicorn would replace a local proxy's address with the browser's from X-Forwarded-For, and
    # the single sign-on headers would then be stripped as untrusted: the app decides whom to
    # believe (ui/identity.TrustedProxy), on the connection's own address. (Gradio reads
    # X-Forwarded-Host and -Proto itself.)
    os.environ["FORWARDED_ALLOW_IPS"] = ""
    container = container or Container(settings)
    container.exports.expire()
    container.session_bindings.expire()
    container.documents.clean_leftovers()  # files of an upload cut short by a crash
    if not container.knowledge_index.ready:
        log.info(container.catalog.message("launch.building_index", "nb"))
    container.knowledge_index.start()
    warm_up()
    container.embeddings.embed_query("oppvarming")
    identity = Identity(settings, CookieSigner(container.secret), container.catalog, container.session_bindings)
    metrics = Metrics(queue_length=lambda: container.upload_queue.length, active_sessions=identity.active_sessions,
                      llm_failures=lambda: container.answer_service.breaker.failures_total,
                      build=build_info(settings))
    demo = build_app(container, identity, metrics)
    guard_events(demo, container.catalog, lambda request: container.preferences.app_language(
        identity.owner(request), request.headers.get("accept-language") if request else None))
    return demo, container, identity, metrics


def build_info(settings: Settings) -> dict[str, str]:
    """gnist_build_info's labels: the package version, the source revision, the schema revision."""
    try:
        package = version("gnist-assistenten")
    except PackageNotFoundError:  # run from a source tree that was never installed
        package = "unknown"
    revision = settings.build_revision
    if not revision:
        try:
            revision = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True,  # noqa: S607 - git from PATH
                                      cwd=os.path.dirname(__file__), timeout=5).stdout.strip()
        except OSError:  # no git in the image: GNIST_BUILD_REVISION names the build there
            revision = ""
    return {"version": package, "revision": revision or "unknown", "schema": Database.head() or "none"}


def _municipality(container: Container, form) -> str:
    try:
        return container.workshop.store.get(form.owner, form.canvas_id).municipality
    except KeyError:  # the workshop is gone
        return ""


class SchemaTooNew(SystemExit):
    """The database has a newer release's schema that this code cannot run against."""


def launch(settings: Settings, prevent_thread_lock: bool = False):
    container = Container(settings)
    check_exposure(settings, container.catalog)
    configure_logging(settings.log_format)
    try:
        # Unready (not gone) while the database or the Chroma server is down, or a migration job runs.
        wait_for_dependencies(settings)
    except SchemaIncompatible as refused:
        from assistant.cli_db import describe

        raise SchemaTooNew(describe(refused.status, container.catalog)) from None
    demo, container, identity, metrics = prepare(settings, container)
    atexit.register(container.upload_queue.close)
    # Queue positions go out once a second, not to every waiting user each time a job starts (at
    # 50 users that was most of the messages the server sent per answer).
    demo.queue(default_concurrency_limit=settings.chat_concurrency, status_update_rate=QUEUE_STATUS_EVERY_S)
    auth = settings.auth_pairs() or None
    middleware = [
        # Outermost: health, readiness and metrics answer without a session; every request gets an id.
        Middleware(OpsMiddleware, readiness=readiness_checks(container), metrics=metrics,
                   metrics_token=settings.metrics_token.get_secret_value() if settings.metrics_token else None),
        Middleware(IdentityMiddleware, settings=settings, signer=identity.signer,
                   downloads=container.exports, catalog=container.catalog, identity=identity),
        # The residents' form (/innspill/…), the one public part: inside the identity middleware for
        # its security headers, which issues no identity cookie there.
        Middleware(ResidentFormMiddleware, settings=settings, residents=container.residents,
                   catalog=container.catalog, municipality=lambda form: _municipality(container, form),
                   secret=container.secret),
    ]
    demo.launch(
        # The signed cookie is the identity without login; with GNIST_AUTH the login name, with single
        # sign-on the name the proxy vouches for (both through auth_dependency but Gradio's own login).
        auth_dependency=None if auth else identity.auth_dependency,
        app_kwargs={"middleware": middleware},
        server_name=settings.host,
        server_port=settings.port,
        auth=auth,
        auth_message=container.catalog.bilingual("launch.login") if auth else None,
        i18n=container.catalog.gradio_i18n(),
        theme=theme(),
        css=CSS + icons.css(),
        js=page_script(container.catalog),
        max_file_size=f"{settings.max_upload_mb}mb",
        # Gradio runs at most max_threads events at once, whatever each event's concurrency limit
        # says: at its default of 40, 150 users waiting on a language model queued in waves.
        max_threads=max(GRADIO_DEFAULT_THREADS, settings.chat_concurrency + OTHER_EVENT_SLOTS),
        prevent_thread_lock=True,  # so the address can be printed once the server listens
        show_error=True,
        footer_links=[],
        quiet=True,
        # Gradio's own check that localhost answers (one HEAD / with a 3 s timeout, fatal on the first
        # timeout) fails a start on a busy machine; /healthz and /readyz are the checks that count.
        _frontend=False,
    )
    adopt_library_loggers()  # uvicorn gave its loggers text handlers of their own as Gradio started it
    if settings.metrics_port:
        serve_metrics(metrics, settings.metrics_host, settings.metrics_port)
    log.info(container.catalog.message("launch.running", "nb", url=f"http://{settings.host}:{settings.port}"))
    if not prevent_thread_lock:
        # This process is the server for good: what start-up built (models, indexes, the app) lives
        # as long as it does. Out of the collector's sight, a full collection under load scans only
        # what requests made, not a quarter of a second's worth of objects with every request waiting.
        gc.collect()
        gc.freeze()
        # Fewer, larger young collections: at the default threshold (700) a burst of chat traffic
        # led to full collections of the sessions' state that held every request for up to 0.35 s,
        # and the collector took 3-5 % of the server's time; at this one, under 1 %, pauses < 0.1 s.
        gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        demo.block_thread()
    return demo, container
