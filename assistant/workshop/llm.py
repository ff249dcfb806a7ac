"""Reading a chat model's reply: its text, and the first JSON value in it."""

from __future__ import annotations

import json
import re


def message_text(message) -> str:
    """The text of a chat model's reply (a string, or a list of content blocks)."""
    content = getattr(message, "content", message)
    if isinstance(content, list):
        return "".join(block.get("text", "") if isinstance(block, dict) else str(block) for block in content)
    return str(content or "")


def extract_json(text: str):
    """The first JSON value in a model reply (tolerates ```json fences and chatter around it)."""
    cleaned = re.sub(r"```(?:json)?", "", text)
    for opener in ("[", "{"):
        start = cleaned.find(opener)
        while start != -1:
            try:
                value, _ = json.JSONDecoder().raw_decode(cleaned[start:])
                return value
            except json.JSONDecodeError:
                start = cleaned.find(opener, start + 1)
    raise ValueError("no JSON in reply")
