"""The administrators' part of keeping the knowledge current (issue 22), inside the
administration tab: questions that went badly, the card editor with preview, check, publish,
history and undo, knowledge files (publish, history, undo, delete), and what is due for review.
Every handler resolves the acting user on the server; the service decides whether they may, and a
refusal is shown in their language (``refused``)."""

from __future__ import annotations

import gradio as gr

from assistant.container import Container
from assistant.services.authorization import Actor
from assistant.services.knowledge_admin import CARD, FILE, QuestionGroup
from assistant.services.language import LANGUAGES
from assistant.ui.identity import Identity
from assistant.ui.render import safe_markdown


def build_knowledge_admin(container: Container, identity: Identity, i18n, lang_of, refused) -> None:
    """Lays out the sections inside the open administration tab and wires them. ``refused`` wraps
    a handler so the service's refusal reaches the user as a message in their language."""
    service = container.knowledge_admin
    ui_text = container.catalog.ui

    def acting(request: gr.Request | None) -> tuple[Actor, str]:
        owner = identity.owner(request)  # the service refuses anyone who is not an administrator
        # The language the administrator chose, else their browser's (as the page's own texts).
        browser = request.headers.get("accept-language") if request is not None else None
        actor = identity.actor(request, lang_of(owner, browser))
        return actor, actor.language

    def group_markdown(groups: list[QuestionGroup], lang: str) -> str:
        if not groups:
            return ui_text("kadmin.failed_none", lang)
        lines = []
        for n, group in enumerate(groups, start=1):
            lines.append(f"{n}. " + ui_text("kadmin.group_line", lang, label=safe_markdown(group.label),
                                            count=group.count, newest=group.newest[:16].replace("T", " ")))
            for example in group.examples:
                outcome = ui_text(f"kadmin.outcome.{example['outcome']}", lang)
                comment = f": «{safe_markdown(example['comment'])}»" if example["comment"] else ""
                lines.append(f"    - «{safe_markdown(example['question'])}» ({outcome}{comment})")
        return "\n".join(lines)

    def show_failed(request: gr.Request | None = None):
        actor, lang = acting(request)
        groups = service.failed_questions(actor)
        choices = [(f"{g.label} ({g.count})", str(i)) for i, g in enumerate(groups)]
        return group_markdown(groups, lang), gr.update(choices=choices, value=choices[0][1] if choices else None), \
            gr.update(choices=service.card_ids(actor))

    def from_group(group_index, request: gr.Request | None = None):
        actor, _lang = acting(request)
        groups = service.failed_questions(actor)
        if group_index is None or not str(group_index).isdigit() or int(group_index) >= len(groups):
            return gr.update(), gr.update()
        return "", service.draft_card(actor, groups[int(group_index)])

    def open_card(card_id, request: gr.Request | None = None):
        actor, lang = acting(request)
        return card_id or "", service.card_text(actor, card_id or ""), history_markdown(actor, CARD, card_id, lang), \
            history_choices(actor, CARD, card_id)

    def history_markdown(actor: Actor, kind: str, name: str | None, lang: str) -> str:
        rows = service.history(actor, kind, name) if name else []
        if not rows:
            return ui_text("kadmin.history_none", lang)
        return "\n".join("- " + ui_text("kadmin.history_line", lang, when=row["created"][:16].replace("T", " "),
                                         author=safe_markdown(row["author"].removeprefix("user:")),
                                         action=ui_text(f"kadmin.action.{row['action']}", lang)) for row in rows)

    def history_choices(actor: Actor, kind: str, name: str | None):
        rows = [row for row in service.history(actor, kind, name) if row["action"] != "delete"] if name else []
        return gr.update(choices=[(f"{row['created'][:16].replace('T', ' ')} – {row['author'].removeprefix('user:')}",
                                   str(row["id"])) for row in rows], value=None)

    def check_markdown(check, lang: str, ok_key: str) -> str:
        if not check.ok:
            return "\n".join([ui_text("kadmin.card_refused", lang), *(f"- {safe_markdown(p)}" for p in check.problems)])
        preview = [ui_text(ok_key, lang), "", f"### {ui_text('kadmin.preview_heading', lang)}"]
        for language in LANGUAGES:
            preview += ["", f"**{language}**", "", safe_markdown(check.card.answers[language])]
        return "\n".join(preview)

    def check_card(card_id, text, request: gr.Request | None = None):
        actor, lang = acting(request)
        return check_markdown(service.check_card(actor, (card_id or "").strip(), text or ""), lang, "kadmin.card_ok")

    def publish_card(card_id, text, request: gr.Request | None = None):
        actor, lang = acting(request)
        card_id = (card_id or "").strip()
        check = service.publish_card(actor, card_id, text or "")
        return check_markdown(check, lang, "kadmin.card_published"), history_markdown(actor, CARD, card_id, lang), \
            history_choices(actor, CARD, card_id)

    def rollback(card_id, edit_id, request: gr.Request | None = None):
        actor, lang = acting(request)
        done = bool(edit_id) and str(edit_id).isdigit() and service.rollback(actor, int(edit_id))
        status = ui_text("kadmin.rolled_back" if done else "kadmin.rollback_refused", lang)
        return status, service.card_text(actor, card_id or ""), history_markdown(actor, CARD, card_id, lang), \
            history_choices(actor, CARD, card_id)

    def file_updates(actor: Actor, path: str, lang: str, status: str):
        """The file's status, text, history, changes to undo, and the list of published files."""
        names = service.file_names(actor)
        return status, service.file_text(actor, path), history_markdown(actor, FILE, path, lang), \
            history_choices(actor, FILE, path), gr.update(choices=names, value=path if path in names else None)

    def open_file(path, request: gr.Request | None = None):
        actor, lang = acting(request)
        path = path or ""
        return path, *file_updates(actor, path, lang, "")

    def publish_file(path, text, request: gr.Request | None = None):
        actor, lang = acting(request)
        path = (path or "").strip()
        problems = service.publish_file(actor, path, text or "")
        if problems:
            refusal = "\n".join([ui_text("kadmin.file_refused", lang), *(f"- {safe_markdown(p)}" for p in problems)])
            return (refusal, gr.update(), history_markdown(actor, FILE, path, lang),
                    history_choices(actor, FILE, path), gr.update())
        return file_updates(actor, path, lang, ui_text("kadmin.file_published", lang))

    def rollback_file(path, edit_id, request: gr.Request | None = None):
        actor, lang = acting(request)
        done = bool(edit_id) and str(edit_id).isdigit() and service.rollback(actor, int(edit_id))
        return file_updates(actor, (path or "").strip(), lang,
                            ui_text("kadmin.rolled_back" if done else "kadmin.rollback_refused", lang))

    def delete_file(path, request: gr.Request | None = None):
        actor, lang = acting(request)
        path = (path or "").strip()
        key = "kadmin.file_deleted" if service.delete_file(actor, path) else "kadmin.file_missing"
        return file_updates(actor, path, lang, ui_text(key, lang, path=safe_markdown(path)))

    def show_review(request: gr.Request | None = None):
        actor, lang = acting(request)
        rows = service.overdue(actor)
        if not rows:
            return ui_text("kadmin.review_none", lang)
        return "\n".join("- " + ui_text("kadmin.review_line", lang, kind=ui_text(f"kadmin.kind.{row['kind']}", lang),
                                        name=row["name"], date=row["review_by"].isoformat()) for row in rows)

    gr.Markdown("## " + i18n("kadmin.failed_heading"))
    gr.Markdown(i18n("kadmin.failed_help"))
    failed_button = gr.Button(i18n("kadmin.failed_show"), elem_id="kadmin-failed-show")
    failed = gr.Markdown(elem_id="kadmin-failed")
    group = gr.Dropdown(label=i18n("kadmin.group_choose"), choices=[], value=None, elem_id="kadmin-group")

    gr.Markdown("## " + i18n("kadmin.cards_heading"))
    gr.Markdown(i18n("kadmin.cards_help"))
    with gr.Row():
        from_group_button = gr.Button(i18n("kadmin.card_from_group"), elem_id="kadmin-from-group")
        card_choice = gr.Dropdown(label=i18n("kadmin.card_choose"), choices=[], value=None,
                                  elem_id="kadmin-card-choose")
        open_button = gr.Button(i18n("kadmin.card_open"), elem_id="kadmin-card-open")
    card_id = gr.Textbox(label=i18n("kadmin.card_id"), elem_id="kadmin-card-id")
    card_text = gr.Textbox(label=i18n("kadmin.card_text"), lines=18, max_lines=60, elem_id="kadmin-card-text")
    with gr.Row():
        check_button = gr.Button(i18n("kadmin.card_check"), elem_id="kadmin-card-check")
        publish_button = gr.Button(i18n("kadmin.card_publish"), variant="primary", elem_id="kadmin-card-publish")
    card_status = gr.Markdown(elem_id="kadmin-card-status")
    gr.Markdown("### " + i18n("kadmin.history_heading"))
    history = gr.Markdown(elem_id="kadmin-history")
    edit_choice = gr.Dropdown(label=i18n("kadmin.edit_choose"), choices=[], value=None, elem_id="kadmin-edit")
    rollback_button = gr.Button(i18n("kadmin.rollback"), variant="stop", elem_id="kadmin-rollback")

    gr.Markdown("## " + i18n("kadmin.files_heading"))
    gr.Markdown(i18n("kadmin.files_help"))
    with gr.Row():
        file_choice = gr.Dropdown(label=i18n("kadmin.file_choose"), choices=[], value=None,
                                  elem_id="kadmin-file-choose")
        file_open_button = gr.Button(i18n("kadmin.file_open"), elem_id="kadmin-file-open")
    file_path = gr.Textbox(label=i18n("kadmin.file_path"), elem_id="kadmin-file-path")
    file_text = gr.Textbox(label=i18n("kadmin.file_text"), lines=12, max_lines=60, elem_id="kadmin-file-text")
    file_button = gr.Button(i18n("kadmin.file_publish"), elem_id="kadmin-file-publish")
    file_status = gr.Markdown(elem_id="kadmin-file-status")
    gr.Markdown("### " + i18n("kadmin.file_history_heading"))
    file_history = gr.Markdown(elem_id="kadmin-file-history")
    file_edit_choice = gr.Dropdown(label=i18n("kadmin.edit_choose"), choices=[], value=None, elem_id="kadmin-file-edit")
    with gr.Row():
        file_rollback_button = gr.Button(i18n("kadmin.rollback"), variant="stop", elem_id="kadmin-file-rollback")
        file_delete_button = gr.Button(i18n("kadmin.file_delete"), variant="stop", elem_id="kadmin-file-delete")

    gr.Markdown("## " + i18n("kadmin.review_heading"))
    review_button = gr.Button(i18n("kadmin.review_show"), elem_id="kadmin-review-show")
    review = gr.Markdown(elem_id="kadmin-review")

    show_failed, from_group, open_card, check_card, publish_card, rollback, show_review = map(
        refused, (show_failed, from_group, open_card, check_card, publish_card, rollback, show_review))
    open_file, publish_file, rollback_file, delete_file = map(refused,
                                                              (open_file, publish_file, rollback_file, delete_file))
    file_outputs = [file_status, file_text, file_history, file_edit_choice, file_choice]
    failed_button.click(show_failed, None, [failed, group, card_choice], api_name="admin_failed_questions")
    from_group_button.click(from_group, [group], [card_id, card_text], api_name="admin_card_from_group")
    open_button.click(open_card, [card_choice], [card_id, card_text, history, edit_choice], api_name="admin_card_open")
    check_button.click(check_card, [card_id, card_text], [card_status], api_name="admin_card_check")
    publish_button.click(publish_card, [card_id, card_text], [card_status, history, edit_choice],
                         api_name="admin_card_publish", concurrency_limit=1)
    rollback_button.click(rollback, [card_id, edit_choice], [card_status, card_text, history, edit_choice],
                          api_name="admin_card_rollback", concurrency_limit=1)
    file_open_button.click(open_file, [file_choice], [file_path, *file_outputs], api_name="admin_file_open")
    file_button.click(publish_file, [file_path, file_text], file_outputs, api_name="admin_file_publish",
                      concurrency_limit=1)
    file_rollback_button.click(rollback_file, [file_path, file_edit_choice], file_outputs,
                               api_name="admin_file_rollback",
                               concurrency_limit=1)
    file_delete_button.click(delete_file, [file_path], file_outputs, api_name="admin_file_delete", concurrency_limit=1)
    review_button.click(show_review, None, [review], api_name="admin_review")
