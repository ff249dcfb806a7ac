"""How much text a user may send at once: one check, one error, the limit named in the message."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.settings import Settings


@dataclass(frozen=True)
class TextLimits:
    """Characters per text a user sends (defaults: Settings' defaults)."""

    question: int = Settings.model_fields["max_question_chars"].default
    feedback: int = Settings.model_fields["max_feedback_chars"].default
    workshop_answer: int = Settings.model_fields["max_workshop_answer_chars"].default
    workshop_comment: int = Settings.model_fields["max_workshop_comment_chars"].default

    @classmethod
    def from_settings(cls, settings: Settings) -> TextLimits:
        return cls(question=settings.max_question_chars, feedback=settings.max_feedback_chars,
                   workshop_answer=settings.max_workshop_answer_chars,
                   workshop_comment=settings.max_workshop_comment_chars)


def too_long(text: str | None, limit: int) -> dict | None:
    """None when ``text`` fits, else the values a message needs: ``length`` and ``limit``, written
    as Norwegians write numbers («4 000»)."""
    length = len(text or "")
    if length <= limit:
        return None
    return {"length": f"{length:,}".replace(",", "\u00a0"), "limit": f"{limit:,}".replace(",", "\u00a0")}
