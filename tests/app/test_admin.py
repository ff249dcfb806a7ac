"""Administrators (issue 12): a group the single sign-on proxy names, or login names in settings,
may export all feedback and manage the shared knowledge. Everyone else is refused by the server,
whatever the page shows."""

from __future__ import annotations

import json

import gnist_testapp as g
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from assistant.services.authorization import Actor

pytestmark = [pytest.mark.integration, g.QUIET_GRADIO_WARNINGS]

ADMIN = {"X-Forwarded-User": "anne@fylket.no", "X-Forwarded-Groups": "ansatte,gnist-admin"}
STAFF = {"X-Forwarded-User": "kari@bjorkedal.kommune.no", "X-Forwarded-Groups": "ansatte"}
SHARED_FACT = "Fylkeskommunens innovasjonsmidler for 2027 er 350 000 kroner per kommune."
SHARED_QUESTION = "Hvor mye er fylkeskommunens innovasjonsmidler for 2027?"


@pytest.fixture(scope="module")
def app(seed_dirs, tmp_path_factory):
    running = g.launch_app(seed_dirs, tmp_path_factory.mktemp("admin") / "data",
                           trusted_user_header="X-Forwarded-User", trusted_groups_header="X-Forwarded-Groups",
                           admin_group="gnist-admin", trusted_proxies=["127.0.0.1/32"])
    yield running
    running.close()


def client(app, headers) -> Client:
    return Client(app.url, verbose=False, headers=headers, download_files=False)


def test_an_administrator_exports_feedback_without_who_gave_it(app):
    kari = client(app, STAFF)
    kari.predict("Hva koster det å delta i Gnist?", api_name="/respond")
    kari.predict("Tydelig", api_name="/feedback_good")
    file, status = client(app, ADMIN).predict(api_name="/admin_feedback")
    rows = json.loads(g.file_value(file).read_text(encoding="utf-8"))
    assert [(r["rating"], r["comment"], r["question"]) for r in rows] == [(1, "Tydelig",
                                                                           "Hva koster det å delta i Gnist?")]
    assert all("owner" not in row for row in rows) and "kari" not in json.dumps(rows)
    assert status == "1 tilbakemeldinger."


def test_shared_knowledge_reaches_every_users_answers_and_goes_when_removed(app, tmp_path):
    anne, kari = client(app, ADMIN), client(app, STAFF)
    document = tmp_path / "innovasjonsmidler.md"
    document.write_text(f"# Innovasjonsmidler i fylket\n\n{SHARED_FACT}\n", encoding="utf-8")
    status, table, _choice, _files = anne.predict([handle_file(str(document))], api_name="/admin_add_shared")
    assert "innovasjonsmidler.md" in status and [row[0] for row in table["data"]] == ["innovasjonsmidler.md"]

    _chat, sources, *_ = kari.predict(SHARED_QUESTION, api_name="/respond")
    assert "innovasjonsmidler.md" in sources and "350 000" in sources

    status, table, _choice = anne.predict("innovasjonsmidler.md", api_name="/admin_delete_shared")
    assert table["data"] == [] or table["data"] == [["", ""]]
    kari.predict(api_name="/new_conversation")
    _chat, sources, *_ = kari.predict(SHARED_QUESTION, api_name="/respond")
    assert "innovasjonsmidler.md" not in sources


@pytest.mark.parametrize("endpoint", ["/admin_feedback", "/admin_add_shared"])
def test_everyone_else_is_refused_by_the_server(app, endpoint, tmp_path):
    document = tmp_path / "falske-fakta.md"
    document.write_text("# Gnist\n\nGnist er gratis for alle.\n", encoding="utf-8")
    args = () if endpoint == "/admin_feedback" else ([handle_file(str(document))],)
    with pytest.raises(AppError, match="Dette kan bare administratorer gjøre"):
        client(app, STAFF).predict(*args, api_name=endpoint)
    assert app.container.admin.shared_documents(Actor("user:admin", admin=True)) == []


KNOWLEDGE_FILE = '---\nrounds: ["2025"]\n---\n# Gnist 2025\n\n## Frist\n\nGnist er gratis for alle.\n'


@pytest.mark.parametrize("endpoint, args", [
    ("/admin_failed_questions", ()), ("/admin_card_publish", ("frist-2025", "---\n---\n")),
    ("/admin_file_publish", ("programmet/falsk.md", KNOWLEDGE_FILE)),
    # (undo and open take a choice: Gradio refuses a value not offered)
    ("/admin_file_delete", ("programmet/falsk.md",)),
])
def test_everyone_else_is_refused_the_knowledge_upkeep_by_the_server_in_their_language(app, endpoint, args):
    with pytest.raises(AppError, match="Dette kan bare administratorer gjøre"):
        client(app, STAFF).predict(*args, api_name=endpoint)
    with pytest.raises(AppError, match="Only administrators can do this"):
        client(app, {**STAFF, "Accept-Language": "en-GB,en;q=0.9"}).predict(*args, api_name=endpoint)
    assert app.container.knowledge_admin.file_names(Actor("user:admin", admin=True)) == []


def test_a_workshop_shared_under_single_sign_on_shows_colleagues_by_their_login(app):
    """Sharing works with login too: the link's member is the signed-in user on any device, and the
    field's history names them by their login, not by a guest code."""
    per_headers = {"X-Forwarded-User": "per@bjorkedal.kommune.no", "X-Forwarded-Groups": "ansatte"}
    kari, per = client(app, STAFF), client(app, per_headers)
    outputs = kari.predict("Bjørkedal", "Sentrum er tomt om kvelden", api_name="/workshop_start")
    canvas_id = outputs[5]["value"] if isinstance(outputs[5], dict) else outputs[5]
    link = kari.predict("edit", api_name="/workshop_share")[0]
    service = app.container.workshop
    service.join("user:per@bjorkedal.kommune.no", link.rsplit("=", 1)[1])
    per.predict("Bjørkedal", "Et eget verksted", api_name="/workshop_start")  # renews «Mine verksteder»
    per.predict(canvas_id, api_name="/workshop_resume")
    per.predict("vision", "Folk blir boende.", api_name="/workshop_save_field")
    history = service.history("user:kari@bjorkedal.kommune.no", canvas_id, "vision")
    assert [change.author for change in history] == ["user:per@bjorkedal.kommune.no"]
    from assistant.ui.collaboration import history_markdown

    shown = history_markdown(history, "user:kari@bjorkedal.kommune.no", "nb", app.container.catalog)
    assert "per@bjorkedal.kommune.no endret" in shown and "Gjest" not in shown
