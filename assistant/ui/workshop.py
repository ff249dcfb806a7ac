"""The workshop tab (guided problem work, canvas, checks, drafts)."""

from __future__ import annotations

import gradio as gr


def build_workshop_tab(container, owner, i18n) -> None:
    gr.Markdown("Verkstedet kommer snart.")


def privacy_hooks(container):
    return (lambda owner: {}), (lambda owner: None)
