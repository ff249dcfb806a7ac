"""What lets an open page go on when the replica that served it dies and the load balancer sends it
to another: there the page's session is new, so its server-side state (gr.State: the open
conversation, the open workshop) and the choices its dropdowns were given are unknown. The page
still holds both ids, as the values of its dropdowns; those are passed to the handlers, which fall
back to them, and the services check that the record is the user's."""

from __future__ import annotations

import gradio as gr

from gradio.events import Dependency

class OwnedChoice(gr.Dropdown):
    """A dropdown of the user's own records (conversations, workshops, documents), filled per
    session. A value outside the choices this replica knows (a page that failed over) is passed on
    as it is instead of refused: the service behind the handler checks that the record is the user's."""

    is_template = True  # Gradio's mark for a subclass drawn as its base: the same widget in the page

    def preprocess(self, payload):
        known = [value for _, value in self.choices]
        if isinstance(payload, str) and payload not in known and not self.multiselect and self.type == "value":
            return payload
        return super().preprocess(payload)
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component