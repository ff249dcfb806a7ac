"""«Del og samarbeid» in the workshop tab: share links (edit or read-only) and revoking them, who may
do what on the open canvas, each field's history with undo, comments on a field, and polling so a
colleague's change shows without reloading. Only calls WorkshopService; every handler resolves the
user from the request, and the service checks the role on every call."""

from __future__ import annotations

from collections.abc import Callable

import gradio as gr

from assistant.ui.render import browser_language, local_time, safe_markdown
from assistant.ui.residents import public_url
from assistant.ui.text_diff import DiffWords, word_diff
from assistant.workshop.collaboration import author_name, targets
from assistant.workshop.fields import label
from assistant.workshop.store import CanvasNotFound

SHARE_PARAM = "lerret"  # /?lerret=<token> opens a shared workshop
POLL_S = 3.0


def share_url(settings, request: gr.Request | None, token: str) -> str:
    return public_url(settings, request, f"/?{SHARE_PARAM}={token}")


def history_markdown(changes, viewer: str, lang: str, catalog, halves: bool = False) -> str:
    """A field's changes, newest first: when, who, what, and the text before and after where it
    changed (see text_diff). ``halves``: the question fills two fields («Fra … til …»), and each
    change names the half it changed."""
    ui = catalog.ui
    if not changes:
        return f"**{ui('collab.history', lang)}**\n\n{ui('collab.history_none', lang)}"
    marks = DiffWords(removed=ui("collab.removed", lang), added=ui("collab.added", lang),
                      empty=ui("collab.empty", lang))
    lines = [f"**{ui('collab.history', lang)}**"]
    for change in changes:
        who = safe_markdown(author_name(change.author, viewer, lang, catalog))
        before, after = word_diff(change.previous, change.value, marks)
        half = f" – {label(change.field, lang, catalog)}" if halves else ""
        lines.append("- " + ui("collab.history_line", lang, when=local_time(change.created), author=who,
                                kind=ui(f"collab.kind.{change.kind}", lang)) + half
                     + f"  \n  {ui('collab.before', lang)}: {before}"
                     + f"  \n  {ui('collab.after', lang)}: {after}")
    return "\n".join(lines)


def comments_markdown(comments, viewer: str, lang: str, catalog) -> str:
    ui = catalog.ui
    if not comments:
        return f"**{ui('collab.comments', lang)}**\n\n{ui('collab.comments_none', lang)}"
    return f"**{ui('collab.comments', lang)}**\n\n" + "\n".join(
        f"- **{safe_markdown(author_name(c.author, viewer, lang, catalog))}** ({local_time(c.created)}): "
        f"{safe_markdown(' '.join(c.text.split()))}" for c in comments)


def link_label(link, lang: str, catalog) -> str:
    return catalog.ui("collab.link_line", lang, role=catalog.ui(f"collab.role.{link.role}", lang),
                      created=local_time(link.created), members=link.members, tail=link.token[-4:])


def links_markdown(links, lang: str, catalog) -> str:
    if not links:
        return catalog.ui("collab.links_none", lang)
    return f"**{catalog.ui('collab.links', lang)}**\n\n" + "\n".join(
        f"- {link_label(link, lang, catalog)}" for link in links)


class CollaborationPanel:
    """Build ``field_tools()`` under the field editor and ``share_panel()`` in the side column, then
    ``wire(...)`` once the workshop tab's components exist."""

    def __init__(self, container, identity, i18n, guard: Callable) -> None:
        self.container = container
        self.service = container.workshop
        self.catalog = container.catalog
        self.identity = identity
        self.i18n = i18n
        self.guard = guard

    def field_tools(self) -> None:
        i18n = self.i18n
        self.undo = gr.Button(i18n("collab.undo"), size="sm", elem_id="ws-undo")
        self.history = gr.Markdown(elem_id="ws-history")
        self.comments = gr.Markdown(elem_id="ws-comments")
        self.comment_text = gr.Textbox(label=i18n("collab.comment"), lines=2, max_lines=6, elem_id="ws-comment")
        self.add_comment = gr.Button(i18n("collab.add_comment"), size="sm", elem_id="ws-add-comment")
        self.field_outputs = [self.history, self.comments]

    def status_line(self) -> None:
        """Whose workshop this is and what the user may do, in view above the canvas (a reader sees
        at once why nothing can be changed)."""
        self.status = gr.Markdown(elem_id="ws-share-status")

    def share_panel(self) -> None:
        i18n = self.i18n
        with gr.Accordion(label=i18n("collab.title"), open=False, elem_id="ws-share"):
            gr.Markdown(i18n("collab.intro"))
            with gr.Column(visible=False) as self.owner_tools:
                self.role = gr.Radio([(i18n("collab.role.edit"), "edit"), (i18n("collab.role.read"), "read")],
                                     value="edit", label=i18n("collab.role_label"), elem_id="ws-share-role")
                self.make = gr.Button(i18n("collab.make_link"), variant="primary", elem_id="ws-share-make")
                self.link = gr.Textbox(label=i18n("collab.link"), interactive=False, buttons=["copy"],
                                       elem_id="ws-share-link")
                self.links = gr.Markdown(elem_id="ws-share-links")
                self.link_choice = gr.Dropdown(label=i18n("collab.link_choice"), choices=[], value=None,
                                               elem_id="ws-share-choice")
                self.revoke = gr.Button(i18n("collab.revoke"), variant="stop", elem_id="ws-share-revoke")
        self.timer = gr.Timer(POLL_S, active=False)
        self.seen = gr.State("")

    # -- handlers -------------------------------------------------------------------------------

    def _user_lang(self, request):
        user = self.identity.owner(request)
        return user, self.container.preferences.app_language(user, browser_language(request))

    def _field_views(self, user: str, selected, path, lang: str):
        if not selected or not path:
            return "", ""
        return (history_markdown(self.service.history(user, selected, path), user, lang, self.catalog,
                                 halves=len(targets(path)) > 1),
                comments_markdown(self.service.comments(user, selected, path), user, lang, self.catalog))

    def refresh_field(self, path, selected, request: gr.Request | None = None):
        """The chosen field's history and comments."""
        user, lang = self._user_lang(request)
        return self._field_views(user, selected, path, lang)

    def _links(self, user: str, selected, lang: str):
        links = self.service.links(user, selected)
        return (links_markdown(links, lang, self.catalog),
                gr.update(choices=[(link_label(link, lang, self.catalog), link.id) for link in links], value=None))

    def wire(self, *, canvas_id, field, editor: list, field_editor: Callable, canvas_view, progress, editors: list,
             render: Callable) -> None:
        """``render(canvas, user, lang)`` gives the canvas and progress panels as ``user`` sees them;
        ``field_editor(canvas, path)`` the values of the field editor's components ``editor``;
        ``editors`` are the controls a reader may not use."""
        service, ui = self.service, self.catalog.ui
        guard = self.guard

        def refresh(selected, path, request: gr.Request | None = None):
            """Who may do what on the chosen canvas; polling on while it is shared."""
            user, lang = self._user_lang(request)
            if not selected:
                return ("", gr.update(visible=False), "", gr.update(choices=[], value=None), gr.Timer(active=False),
                        "", "", "", *(gr.update(interactive=True) for _ in editors))
            role = service.role(user, selected)
            links, choice = self._links(user, selected, lang) if role == "owner" else ("", gr.update())
            history, comments = self._field_views(user, selected, path, lang)
            return (ui(f"collab.status.{role}", lang), gr.update(visible=role == "owner"), links, choice,
                    gr.Timer(active=service.is_shared(user, selected)), service.revision(user, selected),
                    history, comments, *(gr.update(interactive=role != "read") for _ in editors))

        @guard
        def share(role, selected, request: gr.Request | None = None):
            user, lang = self._user_lang(request)
            link = service.share(user, selected, role) if selected else None
            if link is None:
                return gr.update(), gr.update(), gr.update(), gr.update()
            links, choice = self._links(user, selected, lang)
            return share_url(self.container.settings, request, link.token), links, choice, gr.Timer(active=True)

        @guard
        def revoke(link, selected, request: gr.Request | None = None):
            user, lang = self._user_lang(request)
            if not selected or not link:
                return gr.update(), gr.update(), gr.update()
            service.revoke(user, selected, link)
            gr.Info(ui("collab.revoked", lang), title=ui("toast.info", lang))
            links, choice = self._links(user, selected, lang)
            return links, choice, ""

        @guard
        def undo(path, selected, request: gr.Request | None = None):
            user, lang = self._user_lang(request)
            if not selected or not path:
                raise gr.Error(ui("collab.choose_field", lang), title=ui("toast.error", lang))
            canvas = service.undo(user, selected, path)
            gr.Info(ui("collab.undone", lang), title=ui("toast.info", lang))
            return (*render(canvas, user, lang), *field_editor(canvas, path),
                    *self._field_views(user, selected, path, lang))

        @guard
        def comment(path, text, selected, request: gr.Request | None = None):
            user, lang = self._user_lang(request)
            if not selected or not path:
                raise gr.Error(ui("collab.choose_field", lang), title=ui("toast.error", lang))
            shown = service.comment(user, selected, path, text)
            return comments_markdown(shown, user, lang, self.catalog), ""

        def poll(selected, seen, path, request: gr.Request | None = None):
            """A colleague's change, shown without reloading; the text being typed is left alone."""
            user, lang = self._user_lang(request)
            unchanged = (gr.skip(),) * 6
            if not selected:
                return *unchanged, gr.skip(), gr.Timer(active=False)
            try:
                revision = service.revision(user, selected)
                if revision == seen:
                    return *unchanged, gr.skip(), gr.skip()
                canvas = service.get(user, selected)
                links = self._links(user, selected, lang)[0] if service.role(user, selected) == "owner" else gr.skip()
            except CanvasNotFound:
                gr.Warning(ui("collab.access_gone", lang), title=ui("toast.warning", lang))
                return *unchanged, ui("collab.access_gone", lang), gr.Timer(active=False)
            return (revision, *render(canvas, user, lang), *self._field_views(user, selected, path, lang), links,
                    gr.skip(), gr.skip())

        editing = [self.status, self.owner_tools, self.links, self.link_choice, self.timer, self.seen, self.history,
                   self.comments, *editors]
        canvas_id.change(refresh, [canvas_id, field], editing, api_visibility="private", show_progress="hidden")
        self.make.click(share, [self.role, canvas_id], [self.link, self.links, self.link_choice, self.timer],
                        api_name="workshop_share")
        self.revoke.click(revoke, [self.link_choice, canvas_id], [self.links, self.link_choice, self.link],
                          api_name="workshop_revoke_link")
        self.undo.click(undo, [field, canvas_id], [canvas_view, progress, *editor, self.history, self.comments],
                        api_name="workshop_undo")
        self.add_comment.click(comment, [field, self.comment_text, canvas_id], [self.comments, self.comment_text],
                               api_name="workshop_comment")
        self.timer.tick(poll, [canvas_id, self.seen, field],
                        [self.seen, canvas_view, progress, self.history, self.comments, self.links, self.status,
                         self.timer],
                        api_visibility="private", show_progress="hidden")
