"""The guided workshop: from a raw local problem to a need-driven Gnist challenge and drafts.

Modules (UI-agnostic; the Gradio layer calls ``service.WorkshopService``):
canvas (data model, JSON), steps (the guided steps), fields (one registry of field kinds:
parse, to text, describe, apply), parsing (free text → values), themes (what the problem is
about), engine (the conversation), service (storage around the engine), solution_bias (a
solution where a need belongs), critic (the jury's reading), grammar, document and drafts (prose
drafts as Markdown and Word), polish (optional language-model pass), store (SQLite per owner),
similar (past cases), llm (reading a model's reply).
"""
