"""The guided workshop: from a raw local problem to a need-driven Gnist challenge and drafts.

Modules (UI-agnostic; the Gradio layer calls ``service.WorkshopService``):
canvas (data model, JSON), steps (the guided conversation), parsing (free text → fields),
solution_bias (a solution where a need belongs), critic (quality check), drafts (Markdown/Word),
store (SQLite per owner), similar (past cases), service (the conversation).
"""
